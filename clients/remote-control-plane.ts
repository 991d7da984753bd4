/**
 * The remote `ControlPlaneClient`: a gateway in another process (or pod) talks to the control
 * plane over graphql-ws. Same interface as the in-process client, so the gateway cannot tell
 * which it holds. The snapshot's secrets arrive sealed (`enc:v1:…`); `openSecret` (the shared
 * encryption key) opens them here, never on the wire.
 *
 * `governance` (leases, usage, request logs) runs as mutations over the same connection. When
 * the connection drops, graphql-ws reconnects (every 1–2 s at most, `reconnectDelayMs`) and
 * re-sends every operation still waiting for its answer: a lease by its `seq`, a report by its
 * `batch`, log rows by id, so a replay is never counted twice. An operation rejects — a GraphQL
 * error, a fatal close, no answer within `operationTimeoutMs` — so the gateway's usage queue
 * re-sends the report whole and its log queue counts the drop.
 */
import { createClient, type Client } from 'graphql-ws';
import type { ControlPlaneClient } from './control-plane.ts';
import {
  AcquireLeaseDocument,
  ConfigChangedDocument,
  GatewaySnapshotDocument,
  ReportUsageDocument,
  WriteRequestLogsDocument,
  type AcquireLeaseMutation,
  type ConfigChangedSubscription,
  type GatewaySnapshotQuery,
  type ReportUsageMutation,
  type TypedDocument,
  type WriteRequestLogsMutation,
} from './generated/operations.ts';
import type { GovernanceChannel, LeaseGrant } from './contract/governance.ts';
import type { ConfigChangedEvent, GatewaySnapshot } from './contract/snapshot.ts';

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
  /**
   * How long one operation (snapshot, lease, usage report, log batch) may wait for its answer,
   * reconnects included, before it rejects. @default 10000
   */
  operationTimeoutMs?: number;
}

function openAll(value: unknown, open: (text: string) => string): unknown {
  if (typeof value === 'string') return open(value);
  if (Array.isArray(value)) return value.map((item) => openAll(item, open));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, openAll(inner, open)]));
  }
  return value;
}

/**
 * Why an operation failed: the control plane answered with GraphQL errors (`codes` holds their
 * `extensions.code`), the connection failed, or no answer came in time.
 */
export class ControlPlaneError extends Error {
  constructor(
    readonly kind: 'graphql' | 'connection' | 'timeout',
    message: string,
    readonly codes: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(`control plane: ${message}`, options);
    this.name = 'ControlPlaneError';
  }
}

function once<R>(
  client: Client,
  query: TypedDocument<R, Record<string, never>>,
  variables: Record<string, unknown> | undefined,
  timeoutMs: number,
): Promise<R> {
  return new Promise((resolve, reject) => {
    let result: R | undefined;
    let settled = false;
    const clock: { timer?: ReturnType<typeof setTimeout> } = {};
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(clock.timer);
      if (error) reject(error);
      else resolve(result as R);
    };
    const cancel = client.subscribe<R>(variables ? { query, variables } : { query }, {
      next: (value) => {
        if (value.errors?.length)
          finish(
            new ControlPlaneError(
              'graphql',
              value.errors.map((e) => e.message).join('; '),
              value.errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
            ),
          );
        else result = value.data as R;
      },
      error: (error) =>
        finish(
          Array.isArray(error)
            ? new ControlPlaneError(
                'graphql',
                describeError(error),
                error.map((e) =>
                  String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'UNKNOWN'),
                ),
              )
            : new ControlPlaneError('connection', describeError(error), [], { cause: error }),
        ),
      complete: () =>
        finish(result === undefined ? new ControlPlaneError('graphql', 'no result') : undefined),
    });
    if (settled) return;
    clock.timer = setTimeout(() => {
      finish(new ControlPlaneError('timeout', `no answer within ${timeoutMs} ms`));
      cancel();
    }, timeoutMs);
    clock.timer.unref?.();
  });
}

/** A close event or a list of GraphQL errors, as text. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((e) => (e as { message?: string }).message).join('; ');
  const close = error as { code?: unknown; reason?: unknown } | null;
  if (close && typeof close === 'object' && 'code' in close)
    return `connection closed (${String(close.code)}${close.reason ? ` ${String(close.reason)}` : ''})`;
  return JSON.stringify(error);
}

/** First reconnect attempts come quickly; from the third on, 1–2 s apart. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_CAP_MS = 1_000;

/**
 * How long to wait before reconnect attempt `retries + 1`: doubling from 250 ms up to 1 s, plus
 * up to as much again of jitter, so never more than 2 s. graphql-ws's default doubles without a
 * cap (2^n s + up to 3 s): a gateway that lost its control plane for a minute then took ~20 s
 * more to notice it was back, answering 503 meanwhile. The jitter keeps a fleet of gateways from
 * reconnecting in step.
 */
export function reconnectDelayMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_FIRST_MS * 2 ** Math.min(retries, 10), RECONNECT_CAP_MS);
  return Math.round(base + base * random());
}

/** The contract's lower-case enum values as the schema's enum names. */
const upper = <T extends string>(value: T) => value.toUpperCase() as Uppercase<T>;

function remoteGovernance(client: Client, timeoutMs: number): GovernanceChannel {
  return {
    async acquireLease(request): Promise<LeaseGrant> {
      const input = { ...request, kind: upper(request.kind) };
      const data = await once<AcquireLeaseMutation>(client, AcquireLeaseDocument, { input }, timeoutMs);
      const grant = data.acquireLease;
      return {
        granted: Number(grant.granted),
        limit: Number(grant.limit),
        used: Number(grant.used),
        reserved: Number(grant.reserved),
        windowStart: Number(grant.windowStart),
        windowEnd: Number(grant.windowEnd),
      };
    },
    async reportUsage(report): Promise<void> {
      const input = {
        holder: report.holder,
        ...(report.batch === undefined ? {} : { batch: report.batch }),
        ledger: report.ledger.map((entry) => ({
          requestId: entry.requestId,
          attempt: entry.attempt,
          kind: upper(entry.kind),
          budgetId: entry.budgetId,
          amountMicros: entry.amountMicros,
          ...(entry.priceBookVersion === undefined ? {} : { priceBookVersion: entry.priceBookVersion }),
        })),
        rateReturns: report.rateReturns.map((ret) => ({ ...ret, kind: upper(ret.kind) })),
      };
      const data = await once<ReportUsageMutation>(client, ReportUsageDocument, { input }, timeoutMs);
      if (data.reportUsage !== true) throw new ControlPlaneError('graphql', 'usage report not accepted');
    },
    async writeRequestLogs(rows): Promise<void> {
      if (rows.length === 0) return;
      const variables = { rows: rows.map((row) => ({ ...row, status: upper(row.status) })) };
      const data = await once<WriteRequestLogsMutation>(
        client,
        WriteRequestLogsDocument,
        variables,
        timeoutMs,
      );
      if (data.writeRequestLogs !== rows.length)
        throw new ControlPlaneError(
          'graphql',
          `${data.writeRequestLogs} of ${rows.length} request-log rows accepted`,
        );
    },
  };
}

export function createRemoteControlPlane(options: RemoteControlPlaneOptions): ControlPlaneClient {
  const open = options.openSecret ?? ((value: string) => value);
  const timeoutMs = options.operationTimeoutMs ?? 10_000;
  const listeners = new Set<(event: ConfigChangedEvent) => void>();
  let connections = 0;
  const client = createClient({
    url: options.url,
    webSocketImpl: options.webSocketImpl,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: options.retryAttempts ?? Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(retries))),
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
    governance: remoteGovernance(client, timeoutMs),
    async getSnapshot(): Promise<GatewaySnapshot> {
      const data = await once<GatewaySnapshotQuery>(client, GatewaySnapshotDocument, undefined, timeoutMs);
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
      // Disposing while a reconnect is pending rejects with that attempt's failure; closing a
      // gateway whose control plane is away is still a clean close (SIGTERM must exit 0).
      await Promise.resolve()
        .then(() => client.dispose())
        .catch(() => undefined);
    },
  };
}
