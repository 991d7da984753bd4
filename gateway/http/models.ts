/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the `provider/model` names configured keys serve
 * (their `models` lists and alias names), filtered by the `filterModels` hook. The lookup is
 * shared with `/anthropic/v1/models`, which only renders the entries differently.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { causeFields, GatewayError } from '../errors.ts';
import type { ModelListEntry } from '../snapshot/types.ts';
import { sendError, sendJson } from './respond.ts';
import type { ServeDeps } from './serve.ts';

/** How one API family renders the model list, one model, and its errors. */
export interface ModelListFormat {
  list(entries: readonly ModelListEntry[]): unknown;
  one(entry: ModelListEntry): unknown;
  /** `param` of the 404 for an unknown id (OpenAI names the field; Anthropic has none). */
  notFoundParam?: string;
  codec?: Parameters<typeof sendError>[3];
}

export async function serveModelList(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
  format: ModelListFormat,
): Promise<void> {
  try {
    const entries = await deps.hooks.filterModels(req, deps.current().modelList);
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
};

export function serveModels(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
) {
  return serveModelList(deps, req, res, id, OPENAI_MODELS);
}
