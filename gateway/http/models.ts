/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the `provider/model` names configured keys serve
 * (their `models` lists and alias names), filtered by the `filterModels` hook.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.ts';
import type { ModelListEntry } from '../snapshot/types.ts';
import { sendError, sendJson } from './respond.ts';
import type { ServeDeps } from './serve.ts';

function modelObject(entry: ModelListEntry) {
  return { id: entry.id, object: 'model', created: 0, owned_by: entry.provider };
}

export async function serveModels(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
): Promise<void> {
  try {
    const entries = await deps.hooks.filterModels(req, deps.current().modelList);
    if (id === undefined) {
      sendJson(res, 200, JSON.stringify({ object: 'list', data: entries.map(modelObject) }), undefined);
      return;
    }
    const entry = entries.find((candidate) => candidate.id === id);
    if (entry === undefined)
      throw new GatewayError(404, 'not_found_error', 'model_not_found', `model "${id}" is not served here`, {
        param: 'model',
      });
    sendJson(res, 200, JSON.stringify(modelObject(entry)), undefined);
  } catch (thrown) {
    const error =
      thrown instanceof GatewayError
        ? thrown
        : new GatewayError(500, 'server_error', 'internal_error', 'could not list models');
    sendError(res, error, undefined);
  }
}
