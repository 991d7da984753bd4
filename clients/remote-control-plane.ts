/**
 * The remote `ControlPlaneClient`: a gateway in another process (or pod) talks to the control
 * plane over graphql-ws. Same interface as the in-process client, so the gateway cannot tell
 * which it holds. The snapshot's secrets arrive sealed (`enc:v1:…`); `openSecret` (the shared
 * encryption key) opens them here, never on the wire.
 */
import { createClient, type Client } from 'graphql-ws';
import type { ConfigChangedEvent, ControlPlaneClient } from './control-plane.ts';
import {
  ConfigChangedDocument,
  GatewaySnapshotDocument,
  type ConfigChangedSubscription,
  type GatewaySnapshotQuery,
  type TypedDocument,
} from './generated/operations.ts';
import type { GatewaySnapshot } from './snapshot.ts';

export interface RemoteControlPlaneOptions {
  /** The control plane's graphql-ws endpoint, e.g. `ws://control-plane:8080/graphql`. */
  url: string;
  /** An API token with the `gateway` scope (sent as connectionParams.authorization). */
  token?: string;
  /** A WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketImpl?: unknown;
  /** Opens one sealed secret; values that are not sealed must come back unchanged. @default identity */
  openSecret?: (value: string) => string;
  /** @default Infinity: a gateway keeps serving its last snapshot and keeps reconnecting. */
  retryAttempts?: number;
}

function openAll(value: unknown, open: (text: string) => string): unknown {
  if (typeof value === 'string') return open(value);
  if (Array.isArray(value)) return value.map((item) => openAll(item, open));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, openAll(inner, open)]));
  }
  return value;
}

function once<R>(client: Client, query: TypedDocument<R, Record<string, never>>): Promise<R> {
  return new Promise((resolve, reject) => {
    let result: R | undefined;
    client.subscribe<R>(
      { query },
      {
        next: (value) => {
          if (value.errors?.length)
            reject(new Error(`control plane: ${value.errors.map((e) => e.message).join('; ')}`));
          else result = value.data as R;
        },
        error: (error) =>
          reject(error instanceof Error ? error : new Error(`control plane: ${JSON.stringify(error)}`)),
        complete: () =>
          result === undefined ? reject(new Error('control plane: no result')) : resolve(result),
      },
    );
  });
}

export function createRemoteControlPlane(options: RemoteControlPlaneOptions): ControlPlaneClient {
  const open = options.openSecret ?? ((value: string) => value);
  const listeners = new Set<(event: ConfigChangedEvent) => void>();
  let connections = 0;
  const client = createClient({
    url: options.url,
    webSocketImpl: options.webSocketImpl,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: options.retryAttempts ?? Infinity,
    shouldRetry: () => true,
    lazy: false,
    on: {
      // Events sent while we were disconnected are lost: after a reconnect, refetch once.
      connected: () => {
        connections += 1;
        if (connections > 1) for (const listener of listeners) listener({ version: 0, changed: ['*'] });
      },
    },
  });
  let stopStream: (() => void) | undefined;
  const startStream = () => {
    stopStream = client.subscribe<ConfigChangedSubscription>(
      { query: ConfigChangedDocument },
      {
        next: (value) => {
          const event = value.data?.configChanged;
          if (event)
            for (const listener of listeners)
              listener({ version: event.version, changed: [...event.changed] });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  };

  return {
    async getSnapshot(): Promise<GatewaySnapshot> {
      const data = await once<GatewaySnapshotQuery>(client, GatewaySnapshotDocument);
      return openAll(data.gatewaySnapshot.snapshot, open) as GatewaySnapshot;
    },
    onConfigChanged(listener) {
      listeners.add(listener);
      if (!stopStream) startStream();
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      stopStream?.();
      listeners.clear();
      await client.dispose();
    },
  };
}
