/**
 * What an API caller may do with secrets it cannot read back (mutations and applyConfig alike):
 * - an `env.VAR` reference it introduces must be open to API callers (HEIMDALL_API_ENV_PREFIXES,
 *   never a credential of Heimdall or its host: db/config/env-ref.ts), since the gateway resolves
 *   references from this process's environment and sends the result upstream;
 * - it may not change where stored secrets are sent (a provider's base URL or proxy, a key's
 *   endpoint) without re-entering them in the same change, unless it is the admin's session:
 *   otherwise a WRITE token could deliver keys it can never read to a host it controls.
 * Every such change is logged (hosts only, never a secret).
 */
import { apiEnvRefRefusal, canonicalJson, envRefName, isEnvRef } from '../db/index.ts';
import type { Context } from './context.ts';
import { ValidationError, type InputIssue } from './errors.ts';
import { isMask, KEY_SECRET_PATHS, readPath, type SecretPath } from './secrets.ts';

/** Provider settings that decide where its keys go. */
export const PROVIDER_DESTINATION_PATHS: SecretPath[] = [
  ['network_config', 'base_url'],
  ['proxy_config', 'type'],
  ['proxy_config', 'url'],
  ['proxy_config', 'ca_cert_pem'],
];

/** Key settings that decide where that key goes. */
export const KEY_DESTINATION_PATHS: SecretPath[] = [
  ['azure_key_config', 'endpoint'],
  ['ollama_key_config', 'url'],
  ['sgl_key_config', 'url'],
  ['vllm_key_config', 'url'],
];

/** `env.VAR` references in `desired` that `stored` does not hold at the same place. */
export function introducedEnvRefs(desired: unknown, stored: unknown, path = ''): InputIssue[] {
  if (isEnvRef(desired)) return desired === stored ? [] : [{ path, message: envRefName(desired) }];
  const at = (key: string | number) =>
    stored && typeof stored === 'object' ? (stored as Record<string, unknown>)[key] : undefined;
  if (Array.isArray(desired))
    return desired.flatMap((item, i) => introducedEnvRefs(item, at(i), `${path}[${i}]`));
  if (desired && typeof desired === 'object')
    return Object.entries(desired).flatMap(([key, inner]) =>
      introducedEnvRefs(inner, at(key), path ? `${path}.${key}` : key),
    );
  return [];
}

/** Refusals for the references `desired` introduces over `stored`, at the caller's paths. */
export function envRefIssues(
  env: NodeJS.ProcessEnv,
  desired: unknown,
  stored: unknown,
  toPath: (path: string) => string,
): InputIssue[] {
  return introducedEnvRefs(desired, stored).flatMap(({ path, message: name }) => {
    const refusal = apiEnvRefRefusal(name, env);
    return refusal ? [{ path: toPath(path), message: refusal }] : [];
  });
}

export function refuseIntroducedEnvRefs(
  ctx: Context,
  desired: unknown,
  stored: unknown,
  toPath: (path: string) => string,
): void {
  const issues = envRefIssues(ctx.env, desired, stored, toPath);
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Destination fields (dotted) whose value differs between `desired` and `stored`. */
export function changedDestinations(desired: unknown, stored: unknown, paths: SecretPath[]): string[] {
  return paths
    .filter((p) => canonicalJson(readPath(desired, p) ?? null) !== canonicalJson(readPath(stored, p) ?? null))
    .map((p) => p.join('.'));
}

/** The admin's own session may repoint stored secrets; tokens (and anonymous callers) may not. */
export const mayRepointSecrets = (ctx: Context): boolean => ctx.principal?.kind === 'session';

/**
 * Secret fields of a stored key that `desired` does not re-enter: it keeps them (`kept`: sent
 * as a mask or omitted), or repeats a reference the caller could not have set itself. A field
 * the change empties is fine: nothing is sent.
 */
export function unreenteredSecrets(
  desired: unknown,
  stored: unknown,
  kept: ReadonlySet<string>,
  env: NodeJS.ProcessEnv,
): string[] {
  return KEY_SECRET_PATHS.filter((p) => {
    const before = readPath(stored, p);
    if (typeof before !== 'string' || before === '') return false;
    const after = readPath(desired, p);
    if (typeof after !== 'string' || after === '') return false;
    if (kept.has(p.join('.')) || isMask(after)) return true;
    return isEnvRef(after) && apiEnvRefRefusal(envRefName(after), env) !== undefined;
  }).map((p) => p.join('.'));
}

/** Whether a key (in the config file's shape) holds any secret that a repoint would send away. */
export function keyHasSecret(key: unknown): boolean {
  return KEY_SECRET_PATHS.some((path) => {
    const value = readPath(key, path);
    return typeof value === 'string' && value !== '';
  });
}

/** A destination as it may be logged: an origin without user info, or the reference itself. */
function shown(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return canonicalJson(value);
  if (isEnvRef(value as unknown)) return value;
  if (value.includes('BEGIN CERTIFICATE')) return '(certificate)';
  try {
    const url = new URL(value);
    return url.protocol.startsWith('http') || url.protocol.startsWith('socks') ? url.origin : url.protocol;
  } catch {
    return value.length <= 16 ? value : '(unparsed)';
  }
}

/** Writes a repoint to the log: who, what, from where to where (hosts only). */
export function logRepoint(
  ctx: Context,
  subject: { provider: string; provider_key?: string },
  fields: string[],
  before: unknown,
  after: unknown,
): void {
  const pick = (value: unknown) =>
    Object.fromEntries(fields.map((f) => [f, shown(readPath(value, f.split('.')))]));
  ctx.logger?.warn('control plane: where stored provider secrets are sent changed', {
    ...subject,
    fields,
    from: pick(before),
    to: pick(after),
    caller: ctx.principal?.kind ?? 'anonymous',
    ...(ctx.principal?.tokenId ? { caller_id: ctx.principal.tokenId } : {}),
  });
}

/** Refuses moving a key's endpoint without re-entering its stored secrets; logs the move. */
export function checkKeyRepoint(
  ctx: Context,
  key: { provider: string; name: string },
  stored: unknown,
  kept: ReadonlySet<string>,
  path: (p: string) => string,
): void {
  const fields = changedDestinations(key, stored, KEY_DESTINATION_PATHS);
  if (fields.length === 0) return;
  const missing = unreenteredSecrets(key, stored, kept, ctx.env);
  if (missing.length > 0 && !mayRepointSecrets(ctx))
    throw new ValidationError(
      fields.map((f) => ({
        path: path(f),
        message: `changing where key "${key.provider}/${key.name}" is sent would send its stored secrets (${missing.join(', ')}) there; send them again in the same input, or make the change in the admin's session`,
      })),
    );
  logRepoint(ctx, { provider: key.provider, provider_key: key.name }, fields, stored, key);
}
