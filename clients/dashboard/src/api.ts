/**
 * The dashboard's one connection to the control plane: the typed SDK (clients/sdk), which does
 * queries and mutations over HTTP and subscriptions over graphql-ws with the operator's token,
 * reconnecting forever and resubscribing what is open. `request`/`subscribe` run the dashboard's
 * own documents (an overview in one round trip, budget and rate-limit edits) through the same
 * client; listeners hear the socket state so the shell can show a "reconnecting" banner and
 * screens can refetch what they missed.
 */
import { createHeimdallClient, type HeimdallClient, type TypedDocument } from '../../sdk/index.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface Api {
  sdk: HeimdallClient;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void;
  /** `reconnected` is true on the first `connected` after a drop. */
  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
  close(): void;
}

export function createApi(token: string | undefined): Api {
  const sdk = createHeimdallClient({ endpoint: '/graphql', ...(token ? { token } : {}) });
  return {
    sdk,
    request: <T>(query: string, variables: Record<string, unknown> = {}) =>
      sdk.request(query as TypedDocument<T, Record<string, unknown>>, variables),
    subscribe: <T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void) =>
      sdk.subscribe(query as TypedDocument<T, Record<string, unknown>>, variables, { next: onData }),
    onConnection: (listener) =>
      sdk.onConnection((event) =>
        listener(
          event.state === 'connected'
            ? 'connected'
            : event.state === 'reconnecting'
              ? 'reconnecting'
              : 'connecting',
          event.reconnected,
        ),
      ),
    close: () => sdk.close(),
  };
}

/** A readable message from any failure (SDK errors carry the server's message). */
export const messageOf = (failure: unknown): string =>
  failure instanceof Error ? failure.message : String(failure);
