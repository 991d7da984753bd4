/** `GET /anthropic/v1/models[/{id}]`: the configured models in Anthropic's list format. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../errors.ts';
import type { ModelListEntry } from '../../snapshot/types.ts';
import { sendError, sendJson } from '../respond.ts';
import type { ServeDeps } from '../serve.ts';
import { anthropicCodec } from './codec.ts';

const EPOCH = '1970-01-01T00:00:00Z';

function modelInfo(entry: ModelListEntry) {
  return { type: 'model', id: entry.id, display_name: entry.id, created_at: EPOCH };
}

export async function serveAnthropicModels(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
): Promise<void> {
  try {
    const entries = await deps.hooks.filterModels(req, deps.current().modelList);
    if (id === undefined) {
      const data = entries.map(modelInfo);
      const body = {
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data[data.length - 1]?.id ?? null,
      };
      return sendJson(res, 200, JSON.stringify(body), undefined);
    }
    const entry = entries.find((candidate) => candidate.id === id);
    if (entry === undefined)
      throw new GatewayError(404, 'not_found_error', 'model_not_found', `model "${id}" is not served here`);
    sendJson(res, 200, JSON.stringify(modelInfo(entry)), undefined);
  } catch (thrown) {
    const error =
      thrown instanceof GatewayError
        ? thrown
        : new GatewayError(500, 'server_error', 'internal_error', 'could not list models');
    sendError(res, error, undefined, anthropicCodec(req));
  }
}
