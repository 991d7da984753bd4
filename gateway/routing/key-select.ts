/**
 * Key selection: keep the provider's enabled keys that allow the model (`models` empty, `*`,
 * listed, or an alias name; and not blacklisted), then choose by weight. Keys flagged
 * `use_for_batch_api` are among them: the flag adds batch use and takes no normal traffic away
 * (Bifrost's behaviour). Weights need not sum to 1; all-zero weights mean equal shares.
 * `x-bf-api-key` pins a key by name, within the names a virtual key (and routing rule) allow.
 */
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import { GatewayError } from '../core/errors.ts';
import type { CompiledProvider } from '../core/compiled-snapshot.ts';
import type { KeyAvoidance } from './key-health.ts';
import { KeyPicker } from './key-picker.ts';

const PICKER_MEMO_LIMIT = 512;

/** A key allows a model its `models` list admits (empty or `*` admit all) or one of its alias names. */
export function keyAllowsModel(key: ProviderKeySnapshot, model: string): boolean {
  if (key.blacklisted_models.length > 0 && key.blacklisted_models.includes(model)) return false;
  const models = key.models;
  if (models.length === 0 || models.includes('*') || models.includes(model)) return true;
  return key.aliases !== undefined && Object.hasOwn(key.aliases, model);
}

/** The picker for `model` on `provider`, or null when no key allows it. Memoised per model. */
export function pickerFor(provider: CompiledProvider, model: string): KeyPicker | null {
  const memo = provider.pickers.get(model);
  if (memo !== undefined) return memo;
  const keys = provider.keys.filter((key) => keyAllowsModel(key, model));
  const picker = keys.length > 0 ? new KeyPicker(keys) : null;
  if (provider.pickers.size >= PICKER_MEMO_LIMIT) provider.pickers.clear();
  provider.pickers.set(model, picker);
  return picker;
}

/** The named keys that allow the model (batch-flagged ones included). */
function namedKeys(
  provider: CompiledProvider,
  model: string,
  names: readonly string[],
): ProviderKeySnapshot[] {
  const keys: ProviderKeySnapshot[] = [];
  for (const name of names) {
    const key = provider.keysByName.get(name);
    if (key !== undefined && keyAllowsModel(key, model)) keys.push(key);
  }
  return keys;
}

/** Weighted choice among the named keys that allow the model (batch-flagged ones included). */
function selectNamedKey(
  provider: CompiledProvider,
  model: string,
  names: readonly string[],
  avoid: KeyAvoidance | undefined,
): ProviderKeySnapshot {
  const keys = namedKeys(provider, model, names);
  if (keys.length === 0) {
    throw new GatewayError(
      403,
      'permission_error',
      'key_model_not_allowed',
      `no key the virtual key is pinned to (${names.join(', ')}) of provider "${provider.name}" serves model "${model}"`,
    );
  }
  return keys.length === 1 ? keys[0]! : new KeyPicker(keys).pickAvoiding(avoid);
}

/** A caller-supplied provider secret (`client.allow_direct_keys`), used as-is for this request. */
export function directKey(provider: CompiledProvider, secret: string): ProviderKeySnapshot {
  const base = provider.keys[0];
  return {
    ...(base ?? { weight: 1, use_for_batch_api: false }),
    id: 'direct',
    name: 'direct',
    value: secret,
    models: [],
    blacklisted_models: [],
    enabled: true,
  } as ProviderKeySnapshot;
}

function keyNotAllowed(provider: CompiledProvider, name: string): GatewayError {
  return new GatewayError(
    403,
    'permission_error',
    'key_not_allowed',
    `key "${name}" of provider "${provider.name}" is not one the virtual key or routing rule is pinned to`,
    { param: 'x-bf-api-key', fallbackAllowed: false },
  );
}

/**
 * The key for one attempt, for every caller (the engine and count_tokens alike). `allowedNames`
 * (a virtual key's `key_ids`, narrowed by a routing rule's `key_id`) bounds every choice: an
 * `x-bf-api-key` name outside it is a 403, never a way around the pin. A pinned name that this
 * provider lacks is an error on the primary target and ignored on fallbacks (another provider's
 * keys have other names).
 */
export function selectKey(
  provider: CompiledProvider,
  model: string,
  pinned: string | undefined,
  isPrimary: boolean,
  /** Key names this request may use on this provider; may name batch keys. */
  allowedNames?: readonly string[],
  /** Keys to steer away from (failed earlier in the request, cooling down); a pin ignores it. */
  avoid?: KeyAvoidance,
): ProviderKeySnapshot {
  const pinnedKey = pinned === undefined ? undefined : provider.keysByName.get(pinned);
  if (pinned !== undefined && (pinnedKey !== undefined || isPrimary)) {
    // Checked before existence, so a pinned caller cannot probe for other keys' names.
    if (allowedNames !== undefined && allowedNames.length > 0 && !allowedNames.includes(pinned))
      throw keyNotAllowed(provider, pinned);
    if (pinnedKey === undefined) {
      throw new GatewayError(
        400,
        'invalid_request_error',
        'unknown_key_name',
        `provider "${provider.name}" has no enabled key named "${pinned}"`,
        { param: 'x-bf-api-key', fallbackAllowed: false },
      );
    }
    if (!keyAllowsModel(pinnedKey, model)) {
      throw new GatewayError(
        403,
        'permission_error',
        'key_model_not_allowed',
        `key "${pinned}" of provider "${provider.name}" does not allow model "${model}"`,
        { param: 'x-bf-api-key', fallbackAllowed: false },
      );
    }
    return pinnedKey;
  }
  if (allowedNames !== undefined && allowedNames.length > 0)
    return selectNamedKey(provider, model, allowedNames, avoid);
  const picker = pickerFor(provider, model);
  if (picker === null) {
    throw new GatewayError(
      400,
      'invalid_request_error',
      'model_not_available',
      `no enabled key of provider "${provider.name}" serves model "${model}"`,
      {
        param: 'model',
      },
    );
  }
  return picker.pickAvoiding(avoid);
}

/**
 * Whether a retry of this request on `provider` could use a key that has not failed in it yet:
 * never with a pinned or direct key, else among the keys the request may use for the model.
 */
export function untriedKeyLeft(
  provider: CompiledProvider,
  model: string,
  pinned: boolean,
  allowedNames: readonly string[] | undefined,
  avoid: KeyAvoidance | undefined,
): boolean {
  if (pinned) return false;
  if (allowedNames !== undefined && allowedNames.length > 0) {
    const named = namedKeys(provider, model, allowedNames);
    return named.length > 0 && new KeyPicker(named).hasUntried(avoid);
  }
  return pickerFor(provider, model)?.hasUntried(avoid) ?? false;
}
