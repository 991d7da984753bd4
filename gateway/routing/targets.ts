/**
 * The ordered list of (provider, model) targets for one request: the primary from `model` (and
 * `provider`), then each entry of Bifrost's `fallbacks` field, as `"provider/model"` strings or
 * `{provider, model}` objects. Every target must offer the requested operation.
 */
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { badRequest } from '../core/errors.ts';
import type { Target } from '../core/target.ts';
import { operationRoute } from '../core/operations.ts';
import type { Operation } from '../core/types.ts';
import { isJsonObject } from '../core/types.ts';
import { resolveModel, type ResolvedModel } from './model-address.ts';

function checkOperation(resolved: ResolvedModel, operation: Operation, param: string): void {
  const adapter = resolved.provider.adapter;
  if (adapter !== undefined && adapter.paths[operation] === undefined) {
    throw badRequest(
      'unsupported_operation',
      `provider "${resolved.provider.name}" does not offer ${operationRoute(operation)}`,
      param,
    );
  }
}

function fallbackTarget(snapshot: CompiledSnapshot, entry: unknown, param: string): ResolvedModel {
  if (typeof entry === 'string' && entry !== '') return resolveModel(snapshot, entry, undefined, param);
  if (isJsonObject(entry) && typeof entry.model === 'string' && entry.model !== '') {
    const provider = typeof entry.provider === 'string' && entry.provider !== '' ? entry.provider : undefined;
    return resolveModel(snapshot, entry.model, provider, param);
  }
  throw badRequest('invalid_fallback', `${param} must be "provider/model" or {"provider","model"}`, param);
}

/**
 * The client's `fallbacks` field, resolved as targets `firstIndex`, `firstIndex + 1`, …: the one
 * reading of the field, whoever plans the primary (the data plane, or governance's routing rules
 * and virtual-key providers). A malformed entry is a 400 naming it either way.
 */
export function fallbackTargets(
  snapshot: CompiledSnapshot,
  operation: Operation,
  fallbacks: readonly unknown[],
  firstIndex: number,
  into: Target[] = [],
): Target[] {
  for (let i = 0; i < fallbacks.length; i++) {
    const param = `fallbacks[${i}]`;
    const resolved = fallbackTarget(snapshot, fallbacks[i], param);
    checkOperation(resolved, operation, param);
    into.push({ provider: resolved.provider, model: resolved.model, index: firstIndex + i });
  }
  return into;
}

export function buildTargets(
  snapshot: CompiledSnapshot,
  operation: Operation,
  model: string,
  providerField: string | undefined,
  fallbacks: readonly unknown[],
): Target[] {
  const primary = resolveModel(snapshot, model, providerField, 'model');
  checkOperation(primary, operation, 'model');
  const targets: Target[] = [{ provider: primary.provider, model: primary.model, index: 0 }];
  return fallbacks.length === 0 ? targets : fallbackTargets(snapshot, operation, fallbacks, 1, targets);
}
