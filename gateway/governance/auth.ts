/**
 * Virtual-key authentication. The key comes from `x-bf-vk`, `Authorization: Bearer`,
 * `x-api-key` or `x-goog-api-key`; its SHA-256 (hex) is looked up in the snapshot. A Bearer or
 * API-key value that is no virtual key is the caller's own provider key only when
 * `client.allow_direct_keys` is on, and otherwise counts as no key at all.
 *
 * When admin auth covers inference (`inference_auth_required`), a caller without a virtual key
 * must present admin credentials, checked by the `AdminCredentialCheck` api/ injects (the
 * gateway cannot reach the credential stores). A provider key is no credential of Heimdall's.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type {
  CustomerSnapshot,
  TeamSnapshot,
  VirtualKeyProviderSnapshot,
  VirtualKeySnapshot,
} from '../../clients/contract/snapshot.ts';
import { GatewayError } from '../core/errors.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import type { GovernanceView } from './compile.ts';

export interface Principal {
  vk: VirtualKeySnapshot;
  team: TeamSnapshot | undefined;
  customer: CustomerSnapshot | undefined;
  /** Provider → its config; undefined when the key allows every provider. */
  providers: ReadonlyMap<string, VirtualKeyProviderSnapshot> | undefined;
}

export interface Credentials {
  principal: Principal | undefined;
  directKey: string | undefined;
}

const BEARER = /^Bearer\s+(.+)$/i;
/** Bifrost's virtual-key prefix: such a value is never taken for a provider key. */
const VK_PREFIX = 'sk-bf-';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text.trim();
}

/** Recent key → hash: a handful of keys make nearly all requests, so most skip the digest. */
const recentHashes = new Map<string, string>();
const RECENT_LIMIT = 1_024;

export function hashKey(value: string): string {
  const known = recentHashes.get(value);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(value).digest('hex');
  if (recentHashes.size >= RECENT_LIMIT) recentHashes.clear();
  recentHashes.set(value, hash);
  return hash;
}

/**
 * Principals are fixed for a snapshot: one per key and view, not one per request — and so are
 * the credentials a virtual key answers with (read, never written, by the engine).
 */
const keyCredentialsByView = new WeakMap<GovernanceView, Map<string, Credentials>>();

function keyCredentials(vk: VirtualKeySnapshot, view: GovernanceView): Credentials {
  let known = keyCredentialsByView.get(view);
  if (!known) keyCredentialsByView.set(view, (known = new Map()));
  const cached = known.get(vk.id);
  if (cached) return cached;
  const credentials: Credentials = { principal: buildPrincipal(vk, view), directKey: undefined };
  known.set(vk.id, credentials);
  return credentials;
}

function buildPrincipal(vk: VirtualKeySnapshot, view: GovernanceView): Principal {
  if (!vk.is_active)
    throw new GatewayError(403, 'virtual_key_blocked', 'virtual_key_blocked', 'virtual key is not active', {
      fallbackAllowed: false,
    });
  const team = vk.team_id === undefined ? undefined : view.teams.get(vk.team_id);
  const customerId = vk.customer_id ?? team?.customer_id;
  const customer = customerId === undefined ? undefined : view.customers.get(customerId);
  const providers =
    vk.provider_configs.length === 0
      ? undefined
      : new Map(vk.provider_configs.map((pc) => [pc.provider, pc]));
  return { vk, team, customer, providers };
}

function unknownKey(): GatewayError {
  return new GatewayError(403, 'virtual_key_not_found', 'virtual_key_not_found', 'virtual key not found', {
    fallbackAllowed: false,
  });
}

/**
 * Says whether a request carries the admin's credentials (Basic username:password, or a Bearer
 * session or API token). Called only for requests without a virtual key, so the virtual-key path
 * never pays for it; it should answer repeat credentials from a cache, synchronously.
 */
export type AdminCredentialCheck = (req: IncomingMessage) => boolean | Promise<boolean>;

const NO_CREDENTIALS: Credentials = { principal: undefined, directKey: undefined };

function virtualKeyRequired(): GatewayError {
  return new GatewayError(
    401,
    'virtual_key_required',
    'virtual_key_required',
    'a virtual key is required (x-bf-vk or Authorization: Bearer sk-bf-…)',
    { fallbackAllowed: false },
  );
}

function credentialsRefused(headers: IncomingHttpHeaders, canCheckAdmin: boolean): GatewayError {
  const how = canCheckAdmin
    ? 'send a virtual key (x-bf-vk or Authorization: Bearer sk-bf-…) or the admin’s credentials (Authorization: Basic, or Bearer with a session or API token)'
    : 'send a virtual key (x-bf-vk or Authorization: Bearer sk-bf-…); this gateway runs apart from its control plane and cannot check admin credentials';
  const presented = header(headers, 'authorization') !== undefined;
  return new GatewayError(
    401,
    'authentication_error',
    presented ? 'invalid_credentials' : 'credentials_required',
    `${presented ? 'the Authorization header holds no valid credentials' : 'inference requires credentials'} (governance.auth_config.is_enabled, disable_auth_on_inference: false): ${how}`,
    { fallbackAllowed: false },
  );
}

/** Without a virtual key: the caller's own provider key, or nobody (refused when VKs are mandatory). */
function withoutVirtualKey(
  direct: string | undefined,
  snapshot: CompiledSnapshot,
  view: GovernanceView,
): Credentials {
  if (direct !== undefined && snapshot.client.allow_direct_keys)
    return { principal: undefined, directKey: direct };
  if (view.vkMandatory) throw virtualKeyRequired();
  return NO_CREDENTIALS;
}

/** True when /v1/* serves callers that present nothing (for the start-up warning). */
export function acceptsAnonymous(snapshot: CompiledSnapshot, view: GovernanceView): boolean {
  return snapshot.source.inference_auth_required !== true && !view.vkMandatory;
}

/**
 * Resolves the caller; throws 401/403 per the rules above. Synchronous unless admin credentials
 * must be checked and the check is not answered from its cache.
 */
export function authenticateRequest(
  req: IncomingMessage,
  snapshot: CompiledSnapshot,
  view: GovernanceView,
  adminCheck: AdminCredentialCheck | undefined,
): Credentials | Promise<Credentials> {
  const headers = req.headers;
  const explicit = header(headers, 'x-bf-vk');
  if (explicit !== undefined) {
    const vk = view.byHash.get(hashKey(explicit));
    if (vk === undefined) throw unknownKey();
    return keyCredentials(vk, view);
  }
  const bearer = BEARER.exec(header(headers, 'authorization') ?? '')?.[1]?.trim();
  const candidates = [bearer, header(headers, 'x-api-key'), header(headers, 'x-goog-api-key')];
  let direct: string | undefined;
  // The first candidate that is not the Authorization header: once Authorization has proven
  // admin credentials, it must never be forwarded to a provider as a key.
  let directBesidesAuthorization: string | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const value = candidates[i];
    if (value === undefined) continue;
    const vk = view.byHash.get(hashKey(value));
    if (vk !== undefined) return keyCredentials(vk, view);
    if (value.startsWith(VK_PREFIX)) throw unknownKey();
    // `env.` values would make the gateway resolve its own environment for the caller.
    if (value.startsWith('env.')) continue;
    direct ??= value;
    if (i > 0) directBesidesAuthorization ??= value;
  }
  if (snapshot.source.inference_auth_required !== true) return withoutVirtualKey(direct, snapshot, view);
  // Admin credentials would not be enough anyway: spare the check.
  if (view.vkMandatory && !(directBesidesAuthorization !== undefined && snapshot.client.allow_direct_keys))
    throw virtualKeyRequired();
  const verdict = adminCheck === undefined ? false : adminCheck(req);
  const admitted = (ok: boolean): Credentials => {
    if (!ok) throw credentialsRefused(headers, adminCheck !== undefined);
    return withoutVirtualKey(directBesidesAuthorization, snapshot, view);
  };
  if (typeof verdict === 'boolean') return admitted(verdict);
  return verdict.then(admitted, () => {
    throw new GatewayError(
      503,
      'server_error',
      'credentials_unverifiable',
      'admin credentials could not be checked right now (control-plane database unreachable); retry, or use a virtual key',
      { fallbackAllowed: false, retryAfterSeconds: 1 },
    );
  });
}
