/**
 * The `anthropic-beta` header: the client's betas (pass-through route) and any configured in
 * `extra_headers`, filtered by `network_config.beta_header_overrides`. An override key matches a
 * beta by exact name, or by prefix when the key ends with `-` (`redact-thinking-`); the longest
 * matching key wins. `false` removes matching betas; `true` keeps them, and an exact (non-prefix)
 * key set to `true` adds that beta to every request.
 */
import type { ProviderSnapshot } from '../../../clients/contract/snapshot.ts';

function matching(beta: string, overrides: Readonly<Record<string, boolean>>): boolean | undefined {
  let best: string | undefined;
  for (const key of Object.keys(overrides)) {
    const hit = key.endsWith('-') ? beta.startsWith(key) : beta === key;
    if (hit && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : overrides[best];
}

export function betaHeader(
  provider: ProviderSnapshot,
  requested: readonly string[],
  configured: string | undefined,
): string | undefined {
  const overrides = provider.network_config?.beta_header_overrides ?? {};
  const wanted = new Set<string>(requested);
  if (configured) for (const name of configured.split(',')) if (name.trim() !== '') wanted.add(name.trim());
  for (const [key, enabled] of Object.entries(overrides))
    if (enabled === true && !key.endsWith('-')) wanted.add(key);
  const kept = [...wanted].filter((beta) => matching(beta, overrides) !== false);
  return kept.length > 0 ? kept.join(',') : undefined;
}
