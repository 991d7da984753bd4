/** `GET /anthropic/v1/models[/{id}]`: the configured models in Anthropic's list format. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelListEntry } from '../../core/compiled-snapshot.ts';
import { serveModelList } from '../models.ts';
import type { ServeDeps } from '../serve.ts';
import { anthropicCodec } from './codec.ts';

const EPOCH = '1970-01-01T00:00:00Z';

function modelInfo(entry: ModelListEntry) {
  return { type: 'model', id: entry.id, display_name: entry.id, created_at: EPOCH };
}

function modelPage(entries: readonly ModelListEntry[]) {
  const data = entries.map(modelInfo);
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}

export function serveAnthropicModels(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
): Promise<void> {
  return serveModelList(deps, req, res, id, { list: modelPage, one: modelInfo, codec: anthropicCodec(req) });
}
