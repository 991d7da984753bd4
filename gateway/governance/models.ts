/** `GET /v1/models` under governance: only what the caller's virtual key may use. */
import type { IncomingMessage } from 'node:http';
import type { CompiledSnapshot, ModelListEntry } from '../snapshot/types.ts';
import { authenticateHeaders } from './auth.ts';
import { governanceView } from './compile.ts';
import { modelAllowed } from './routing.ts';

export function filterModelsFor(
  req: IncomingMessage,
  entries: readonly ModelListEntry[],
  snapshot: CompiledSnapshot,
): readonly ModelListEntry[] {
  const view = governanceView(snapshot);
  const { principal } = authenticateHeaders(req.headers, snapshot, view);
  const providers = principal?.providers;
  if (providers === undefined) return entries;
  return entries.filter((entry) => {
    const config = providers.get(entry.provider);
    return config !== undefined && modelAllowed(config, entry.provider, entry.model);
  });
}
