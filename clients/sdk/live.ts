/**
 * Subscriptions over graphql-ws with token auth, automatic reconnect and resubscribe, and a
 * connection state a UI can show ("reconnecting…"). The socket opens with the first
 * subscription and closes shortly after the last one ends.
 *
 * Auth: the token goes in `connectionParams.authorization`, read at every (re)connect, so a
 * token set after login applies from the next connection. Reconnects: graphql-ws re-sends every
 * active subscription when it connects again; events that happened while the socket was down
 * are not replayed, so the `connected` event says `reconnected: true` and a UI refetches the
 * snapshot it shows (budgets, totals) once.
 */
import { createClient, type Client } from 'graphql-ws';
import { HeimdallError } from './errors.ts';
import type { TypedDocument } from './generated/operations.ts';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionEvent {
  state: ConnectionState;
  /** True on `connected` after a drop: events in between were missed, refetch what you show. */
  reconnected: boolean;
}

export interface SubscriptionHandlers<Result> {
  next(data: Result): void;
  /** A GraphQL error for this subscription or a fatal connection error; the stream has ended. */
  error?(error: HeimdallError): void;
  /** The server ended the stream. */
  complete?(): void;
}

export interface LiveOptions {
  url: string;
  token: () => string | undefined;
  webSocketImpl?: unknown;
  /** @default Infinity */
  retryAttempts?: number;
}

/** 250 ms doubling to 2 s, plus up to half again of jitter: a UI should come back quickly. */
export function retryDelayMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(250 * 2 ** Math.min(retries, 10), 2_000);
  return Math.round(base + (base / 2) * random());
}

function describe(error: unknown): HeimdallError {
  if (Array.isArray(error))
    return new HeimdallError(
      'graphql',
      error.map((e: { message?: string }) => e.message ?? 'error').join('; '),
      error.map((e: { extensions?: { code?: unknown } }) => String(e.extensions?.code ?? 'UNKNOWN')),
      error,
    );
  const close = error as { code?: unknown; reason?: unknown } | null;
  if (close && typeof close === 'object' && 'code' in close)
    return new HeimdallError(
      'network',
      `connection closed (${String(close.code)}${close.reason ? ` ${String(close.reason)}` : ''})`,
      [`WS_${String(close.code)}`],
    );
  return new HeimdallError('network', error instanceof Error ? error.message : String(error), [], undefined, {
    cause: error,
  });
}

export class LiveConnection {
  private readonly listeners = new Set<(event: ConnectionEvent) => void>();
  private current: ConnectionState = 'idle';
  private dropped = false;
  /** Subscriptions not yet ended: a close while there are some is a drop. */
  private active = 0;
  /** Created with the first subscription: a client that only queries needs no WebSocket. */
  private socket: Client | undefined;

  constructor(private readonly options: LiveOptions) {}

  private get client(): Client {
    this.socket ??= this.connect(this.options);
    return this.socket;
  }

  private connect(options: LiveOptions): Client {
    return createClient({
      url: options.url,
      webSocketImpl: options.webSocketImpl,
      connectionParams: () => {
        const token = options.token();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      lazy: true,
      lazyCloseTimeout: 1_000,
      retryAttempts: options.retryAttempts ?? Infinity,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
      shouldRetry: () => true,
      on: {
        connecting: () => this.set(this.dropped ? 'reconnecting' : 'connecting', false),
        connected: () => {
          const reconnected = this.dropped;
          this.dropped = false;
          this.set('connected', reconnected);
        },
        closed: () => {
          // A close while subscriptions are active is a drop (graphql-ws retries it); the lazy
          // close after the last subscription ended is not.
          if (this.current === 'closed') return;
          this.dropped = this.active > 0;
          this.set(this.active > 0 ? 'reconnecting' : 'idle', false);
        },
      },
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  onState(listener: (event: ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: ConnectionState, reconnected: boolean): void {
    if (state === this.current && !reconnected) return;
    this.current = state;
    for (const listener of this.listeners) listener({ state, reconnected });
  }

  subscribe<Result, Variables>(
    document: TypedDocument<Result, Variables>,
    variables: Variables | undefined,
    handlers: SubscriptionHandlers<Result>,
  ): () => void {
    this.active += 1;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.active -= 1;
    };
    const payload =
      variables === undefined
        ? { query: document }
        : { query: document, variables: variables as Record<string, unknown> };
    const cancel = this.client.subscribe<Result>(payload, {
      next: (value) => {
        if (value.errors?.length) handlers.error?.(describe(value.errors));
        else if (value.data != null) handlers.next(value.data as Result);
      },
      error: (error) => {
        end();
        handlers.error?.(describe(error));
      },
      complete: () => {
        end();
        handlers.complete?.();
      },
    });
    return () => {
      end();
      cancel();
    };
  }

  /** Drops the current socket (if any) so the next one authenticates with the current token. */
  restart(): void {
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    this.set('closed', false);
    await Promise.resolve()
      .then(() => this.socket?.dispose())
      .catch(() => undefined);
  }
}
