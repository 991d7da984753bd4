/**
 * Model addressing. `provider/model` splits on the first `/` only when the prefix is a configured
 * provider, so `meta-llama/Llama-3.1-8B` stays whole. A bare name resolves to the one provider
 * whose keys name it (models lists or aliases); failing that, to the one provider with a key
 * allowing every model. Anything else is a 400 that lists the candidates.
 */
import { badRequest } from '../core/errors.ts';
import type { CompiledProvider, CompiledSnapshot } from '../core/compiled-snapshot.ts';
import { keyAllowsModel } from './key-select.ts';

export interface ResolvedModel {
  provider: CompiledProvider;
  model: string;
}

const MAX_LISTED = 20;

function list(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, … (${names.length - MAX_LISTED} more)` : shown;
}

function wildcardCandidates(snapshot: CompiledSnapshot, model: string): string[] {
  return snapshot.wildcardProviders.filter((name) => {
    const provider = snapshot.providers.get(name);
    return (
      provider !== undefined &&
      provider.keys.some(
        (key) => (key.models.length === 0 || key.models.includes('*')) && keyAllowsModel(key, model),
      )
    );
  });
}

function resolveBare(snapshot: CompiledSnapshot, model: string, param: string): ResolvedModel {
  let candidates = snapshot.explicitModels.get(model) ?? [];
  if (candidates.length === 0) candidates = wildcardCandidates(snapshot, model);
  if (candidates.length === 1) return { provider: snapshot.providers.get(candidates[0]!)!, model };
  if (candidates.length > 1) {
    const options = candidates.map((name) => `${name}/${model}`);
    throw badRequest(
      'ambiguous_model',
      `model "${model}" is served by several providers; name one of: ${list(options)}`,
      param,
    );
  }
  const known = snapshot.modelList.map((entry) => entry.id);
  const hint = known.length > 0 ? `; available: ${list(known)}` : '; no provider is configured';
  throw badRequest('unknown_model', `no configured provider serves model "${model}"${hint}`, param);
}

/** A model address split without resolving a bare name: the provider it names, if any. */
export interface ModelAddress {
  /** The `provider` field, or the `provider/` prefix when it is a configured provider. */
  provider: string | undefined;
  model: string;
}

/**
 * Splits `model` (and Bifrost's optional `provider` body field) as addressing does, without
 * resolving a bare name (governance routes bare names by the virtual key's providers).
 */
export function splitModelAddress(
  snapshot: CompiledSnapshot,
  model: string,
  providerField: string | undefined,
): ModelAddress {
  if (providerField !== undefined) {
    const prefix = `${providerField}/`;
    return { provider: providerField, model: model.startsWith(prefix) ? model.slice(prefix.length) : model };
  }
  const slash = model.indexOf('/');
  if (slash > 0 && snapshot.providers.has(model.slice(0, slash)))
    return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
  return { provider: undefined, model };
}

/** Resolves `model` (and Bifrost's optional `provider` body field). `param` names the field in errors. */
export function resolveModel(
  snapshot: CompiledSnapshot,
  model: string,
  providerField: string | undefined,
  param: string,
): ResolvedModel {
  if (providerField !== undefined) {
    const provider = snapshot.providers.get(providerField);
    if (provider === undefined)
      throw badRequest(
        'provider_not_configured',
        `provider "${providerField}" is not configured`,
        'provider',
      );
    const prefixed = model.startsWith(`${providerField}/`) ? model.slice(providerField.length + 1) : model;
    return { provider, model: prefixed };
  }
  const slash = model.indexOf('/');
  if (slash > 0) {
    const provider = snapshot.providers.get(model.slice(0, slash));
    if (provider !== undefined) {
      const rest = model.slice(slash + 1);
      if (rest === '')
        throw badRequest('invalid_model', `model "${model}" names a provider but no model`, param);
      return { provider, model: rest };
    }
  }
  return resolveBare(snapshot, model, param);
}
