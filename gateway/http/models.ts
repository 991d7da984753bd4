/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the `provider/model` names configured keys serve
 * (their `models` lists and alias names; for keys allowing every model, what the provider lists,
 * see snapshot/served-models.ts), filtered by the `filterModels` hook (a virtual key's
 * allow-list). `?provider=<name>` keeps one provider's (as in Bifrost). The lookup is shared with
 * `/anthropic/v1/models`, which only renders the entries differently.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { causeFields, GatewayError } from '../core/errors.ts';
import { servedModels } from '../snapshot/served-models.ts';
import type { CompiledSnapshot, ModelListEntry } from '../core/compiled-snapshot.ts';
import type { ClientCodec } from '../core/client-codec.ts';
import { sendError, sendJson } from '../engine/respond.ts';
import { OPENAI_CODEC } from './openai-codec.ts';
import type { ServeDeps } from './serve.ts';

/** How one API family renders the model list, one model, and its errors. */
export interface ModelListFormat {
  list(entries: readonly ModelListEntry[]): unknown;
  one(entry: ModelListEntry): unknown;
  /** `param` of the 404 for an unknown id (OpenAI names the field; Anthropic has none). */
  notFoundParam?: string;
  /** The envelope of errors (the route's client codec). */
  codec: ClientCodec;
}

/** The `provider` query parameter, if any. */
function providerParam(req: IncomingMessage): string | undefined {
  const query = req.url?.indexOf('?') ?? -1;
  if (query < 0) return undefined;
  return new URLSearchParams(req.url!.slice(query + 1)).get('provider') || undefined;
}

function unknownProvider(name: string, snapshot: CompiledSnapshot): GatewayError {
  const known = [...snapshot.providers.keys()].sort().join(', ') || 'none';
  return new GatewayError(
    400,
    'invalid_request_error',
    'unknown_provider',
    `provider "${name}" is not configured here; use one of: ${known}`,
    { param: 'provider' },
  );
}

export async function serveModelList(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
  format: ModelListFormat,
): Promise<void> {
  try {
    const snapshot = deps.current();
    const asked = providerParam(req);
    const unknown = asked !== undefined && !snapshot.providers.has(asked);
    // One model's lookup lists only the provider its id names, not every provider.
    const named = id?.slice(0, Math.max(0, id.indexOf('/')));
    const only = asked ?? (named && snapshot.providers.has(named) ? named : undefined);
    // The hook authenticates as it filters: asked first with nothing to filter, so a caller it
    // refuses learns no provider names and makes Heimdall call no provider's list endpoint.
    await deps.hooks.filterModels(req, []);
    if (unknown) throw unknownProvider(asked, snapshot);
    const entries = await deps.hooks.filterModels(req, await servedModels(snapshot, only));
    if (id === undefined) return sendJson(res, 200, JSON.stringify(format.list(entries)), undefined);
    const entry = entries.find((candidate) => candidate.id === id);
    if (entry === undefined)
      throw new GatewayError(404, 'not_found_error', 'model_not_found', `model "${id}" is not served here`, {
        param: format.notFoundParam,
      });
    sendJson(res, 200, JSON.stringify(format.one(entry)), undefined);
  } catch (thrown) {
    if (!(thrown instanceof GatewayError)) deps.logger.error('listing models failed', causeFields(thrown));
    const error =
      thrown instanceof GatewayError
        ? thrown
        : new GatewayError(500, 'server_error', 'internal_error', 'could not list models');
    sendError(res, error, undefined, format.codec);
  }
}

function modelObject(entry: ModelListEntry) {
  return { id: entry.id, object: 'model', created: 0, owned_by: entry.provider };
}

const OPENAI_MODELS: ModelListFormat = {
  list: (entries) => ({ object: 'list', data: entries.map(modelObject) }),
  one: modelObject,
  notFoundParam: 'model',
  codec: OPENAI_CODEC,
};

export function serveModels(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
) {
  return serveModelList(deps, req, res, id, OPENAI_MODELS);
}
