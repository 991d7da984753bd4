/** `GET /v1/models` under governance: only what the caller's virtual key may use. */
import type { IncomingMessage } from 'node:http';
import type { CompiledSnapshot, ModelListEntry } from '../core/compiled-snapshot.ts';
import { authenticateRequest, type AdminCredentialCheck, type Credentials } from './auth.ts';
import { governanceView } from './compile.ts';
import { modelAllowed } from './routing.ts';

export function filterModelsFor(
  req: IncomingMessage,
  entries: readonly ModelListEntry[],
  snapshot: CompiledSnapshot,
  adminCheck?: AdminCredentialCheck,
): readonly ModelListEntry[] | Promise<readonly ModelListEntry[]> {
  const view = governanceView(snapshot);
  const filter = ({ principal }: Credentials): readonly ModelListEntry[] => {
    const providers = principal?.providers;
    if (providers === undefined) return entries;
    return entries.filter((entry) => {
      const config = providers.get(entry.provider);
      return config !== undefined && modelAllowed(config, entry.provider, entry.model);
    });
  };
  const credentials = authenticateRequest(req, snapshot, view, adminCheck);
  return credentials instanceof Promise ? credentials.then(filter) : filter(credentials);
}
