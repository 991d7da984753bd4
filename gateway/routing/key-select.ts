/**
 * Key selection: keep the provider's keys that are enabled, not reserved for batch work and
 * allow the model (`models` empty, `*`, listed, or an alias name; and not blacklisted), then choose by weight. Weights
 * need not sum to 1; all-zero weights mean equal shares. `x-bf-api-key` pins a key by name,
 * within the names a virtual key (and routing rule) allow.
 */
import type { ProviderKeySnapshot } from '../../clients/snapshot.ts';
import { GatewayError } from '../errors.ts';
import type { CompiledProvider } from '../snapshot/types.ts';

const PICKER_MEMO_LIMIT = 512;

/** A key allows a model its `models` list admits (empty or `*` admit all) or one of its alias names. */
export function keyAllowsModel(key: ProviderKeySnapshot, model: string): boolean {
  if (key.blacklisted_models.length > 0 && key.blacklisted_models.includes(model)) return false;
  const models = key.models;
  if (models.length === 0 || models.includes('*') || models.includes(model)) return true;
  return key.aliases !== undefined && Object.hasOwn(key.aliases, model);
}

export class KeyPicker {
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(readonly keys: readonly ProviderKeySnapshot[]) {
    const weights = keys.map((key) => (Number.isFinite(key.weight) && key.weight > 0 ? key.weight : 0));
    const sum = weights.reduce((a, b) => a + b, 0);
    const effective = sum > 0 ? weights : weights.map(() => 1);
    let running = 0;
    this.cumulative = effective.map((weight) => (running += weight));
    this.total = running;
  }

  /** `random` is in [0, 1); injectable for tests. */
  pick(random: number = Math.random()): ProviderKeySnapshot {
    const target = random * this.total;
    const cumulative = this.cumulative;
    for (let i = 0; i < cumulative.length; i++) {
      if (target < cumulative[i]!) return this.keys[i]!;
    }
    return this.keys[this.keys.length - 1]!;
  }
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

/**
 * Weighted choice among the named keys that allow the model. Unlike the general pool this may
 * pick a `use_for_batch_api` key: a virtual key that names one explicitly is meant to use it.
 */
function selectNamedKey(
  provider: CompiledProvider,
  model: string,
  names: readonly string[],
): ProviderKeySnapshot {
  const keys: ProviderKeySnapshot[] = [];
  for (const name of names) {
    const key = provider.keysByName.get(name);
    if (key !== undefined && keyAllowsModel(key, model)) keys.push(key);
  }
  if (keys.length === 0) {
    throw new GatewayError(
      403,
      'permission_error',
      'key_model_not_allowed',
      `no key the virtual key is pinned to (${names.join(', ')}) of provider "${provider.name}" serves model "${model}"`,
    );
  }
  return keys.length === 1 ? keys[0]! : new KeyPicker(keys).pick();
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
    return selectNamedKey(provider, model, allowedNames);
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
  return picker.pick();
}
