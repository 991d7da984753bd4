/**
 * The dashboard's one connection to the control plane: queries and mutations over HTTP, live
 * subscriptions over graphql-ws, both carrying the operator's token. The socket reconnects
 * forever with back-off and resubscribes what is open; listeners hear the connection state so
 * the shell can show a "reconnecting" banner and screens can refetch what they missed.
 */
import { createClient, type Client } from 'graphql-ws';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface Api {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

export function createApi(token: string | undefined, endpoint = '/graphql'): Api {
  const listeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let everConnected = false;
  const publish = (next: ConnectionState) => {
    state = next;
    for (const listener of listeners) listener(next);
  };
  const wsUrl = new URL(endpoint, location.href);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket: Client = createClient({
    url: wsUrl.href,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: true,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // Capped exponential back-off with jitter: 0.5 s, 1 s, 2 s … 8 s.
    retryWait: (retries) =>
      new Promise((wake) =>
        setTimeout(wake, Math.min(8000, 500 * 2 ** retries) * (0.75 + Math.random() / 2)),
      ),
    on: {
      connected: () => {
        everConnected = true;
        publish('connected');
      },
      closed: () => publish(everConnected ? 'reconnecting' : 'connecting'),
    },
  });

  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GraphQLResponse<T>;
      const error = body.errors?.[0];
      if (error) throw new GraphQLRequestError(error.message, error.extensions?.code);
      if (!body.data) throw new GraphQLRequestError(`HTTP ${response.status}`, undefined);
      return body.data;
    },
    subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void {
      return socket.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            if (result.data) onData(result.data as T);
          },
          error: () => undefined, // the socket retries; the banner shows the state
          complete: () => undefined,
        },
      );
    },
    onConnection(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    close: () => void socket.dispose(),
  };
}
