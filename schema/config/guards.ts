/**
 * The secret rules of schema/secret-guards.ts applied to an applyConfig document, which reaches
 * the same rows without going through the entity kits' checks:
 * - `env.VAR` references the document introduces (compared with the live entity of the same id)
 *   must be open to API callers; checked before the document's references are resolved, so an
 *   error never tells whether a variable the caller may not use is set;
 * - a provider or key whose destination changes must carry its stored secrets again (or be
 *   pruned in the same document), unless the caller is the admin's session; the change is logged.
 */
import type { HeimdallConfig, LiveConfig } from '../../db/index.ts';
import type { Context } from '../context.ts';
import { ValidationError, type InputIssue } from '../errors.ts';
import {
  changedDestinations,
  envRefIssues,
  KEY_DESTINATION_PATHS,
  keyHasSecret,
  logRepoint,
  mayRepointSecrets,
  PROVIDER_DESTINATION_PATHS,
  unreenteredSecrets,
} from '../secret-guards.ts';
import { isMask, KEY_SECRET_PATHS, PROVIDER_SECRET_PATHS, readPath } from '../secrets.ts';
import { tables, type PlanEntry } from './plan.ts';

/** Where an entity of the document is, as the user wrote it. */
function documentPath(config: HeimdallConfig, section: string, id: string): string {
  if (section === 'client') return 'client';
  if (section === 'plugins') return `plugins[${config.plugins.findIndex((p) => p.name === id)}]`;
  if (section === 'providers') {
    const slash = id.indexOf('/');
    if (slash < 0) return `providers.${id}`;
    const provider = id.slice(0, slash);
    const keys = config.providers[provider]?.keys ?? [];
    return `providers.${provider}.keys[${keys.findIndex((k) => k.name === id.slice(slash + 1))}]`;
  }
  const list = (config.governance as unknown as Record<string, Array<{ id?: string; name?: string }>>)[
    section.replace('governance.', '')
  ];
  return `${section}[${list?.findIndex((e) => (e.id ?? e.name) === id) ?? -1}]`;
}

/** Refuses `env.VAR` references the document introduces that API callers may not use. */
export function refuseDocumentEnvRefs(
  config: HeimdallConfig,
  live: LiveConfig,
  env: NodeJS.ProcessEnv,
): void {
  const issues: InputIssue[] = [];
  for (const t of tables(config, live))
    for (const [id, desired] of t.desired) {
      const base = documentPath(config, t.section, id);
      issues.push(...envRefIssues(env, desired, t.live.get(id), (p) => `${base}.${p}`));
    }
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Secret fields the document sent as a mask (before masks were swapped for stored secrets), by
 * `provider/key` for keys and by provider name for the provider's own (its proxy password).
 */
export function maskedKeySecrets(config: HeimdallConfig): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [provider, settings] of Object.entries(config.providers)) {
    const own = PROVIDER_SECRET_PATHS.filter((p) => isMask(readPath(settings, p)));
    out.set(provider, new Set(own.map((p) => p.join('.'))));
    for (const key of settings.keys)
      out.set(
        `${provider}/${key.name}`,
        new Set(KEY_SECRET_PATHS.filter((p) => isMask(readPath(key, p))).map((p) => p.join('.'))),
      );
  }
  return out;
}

/** The proxy password, when a moved proxy would receive the stored one (sent back as a mask). */
function keptProxyPassword(fields: string[], stored: unknown, masked: ReadonlySet<string> | undefined) {
  const password = readPath(stored, ['proxy_config', 'password']);
  const moved = fields.some((f) => f.startsWith('proxy_config.'));
  return moved && typeof password === 'string' && password !== '' && masked?.has('proxy_config.password')
    ? ['proxy_config.password']
    : [];
}

/**
 * Refuses (for callers other than the admin session) plan updates that move stored secrets to a
 * new destination without carrying them. Returns what logs the moves, to call once committed.
 */
export function checkDocumentRepoints(
  ctx: Context,
  input: { config: HeimdallConfig; live: LiveConfig; entries: PlanEntry[]; masked: Map<string, Set<string>> },
): () => void {
  const { config, live, entries, masked } = input;
  const admin = mayRepointSecrets(ctx);
  const deleted = new Set(
    entries.filter((e) => e.kind === 'provider_key' && e.action === 'delete').map((e) => e.id),
  );
  const missing = (provider: string, name: string): string[] => {
    const id = `${provider}/${name}`;
    const stored = live.providers[provider]?.keys.find((k) => k.name === name);
    const given = config.providers[provider]?.keys.find((k) => k.name === name);
    if (!given) return deleted.has(id) ? [] : [`${name} (not in the document)`];
    const kept = unreenteredSecrets(given, stored, masked.get(id) ?? new Set(), ctx.env);
    return kept.map((field) => `${name}.${field}`);
  };
  const issues: InputIssue[] = [];
  const refuse = (path: string, fields: string[], what: string, lacking: string[]) => {
    if (admin || lacking.length === 0) return;
    for (const f of fields)
      issues.push({
        path: `${path}.${f}`,
        message: `changing where ${what} is sent would send stored secrets there that this document does not carry (${lacking.join(', ')}); include their values, prune those keys, or apply in the admin's session`,
      });
  };
  const moves: Array<() => void> = [];
  for (const e of entries) {
    if (e.action !== 'update' || (e.kind !== 'provider' && e.kind !== 'provider_key')) continue;
    const slash = e.id.indexOf('/');
    const provider = e.kind === 'provider' ? e.id : e.id.slice(0, slash);
    const stored =
      e.kind === 'provider'
        ? live.providers[provider]
        : live.providers[provider]?.keys.find((k) => k.name === e.id.slice(slash + 1));
    const paths = e.kind === 'provider' ? PROVIDER_DESTINATION_PATHS : KEY_DESTINATION_PATHS;
    const fields = changedDestinations(e.desired, stored, paths);
    if (fields.length === 0) continue;
    const lacking =
      e.kind === 'provider'
        ? [
            ...keptProxyPassword(fields, stored, masked.get(provider)),
            ...(live.providers[provider]?.keys ?? [])
              .filter(keyHasSecret)
              .flatMap((k) => missing(provider, k.name)),
          ]
        : keyHasSecret(stored)
          ? missing(provider, e.id.slice(slash + 1))
          : [];
    const what = e.kind === 'provider' ? `provider "${provider}"` : `key "${e.id}"`;
    refuse(documentPath(config, 'providers', e.id), fields, what, lacking);
    const subject = e.kind === 'provider' ? { provider } : { provider, provider_key: e.id.slice(slash + 1) };
    moves.push(() => logRepoint(ctx, subject, fields, stored, e.desired));
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return () => moves.forEach((move) => move());
}
