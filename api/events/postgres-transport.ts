/**
 * Postgres LISTEN/NOTIFY as the cross-replica event channel: replicas already share the
 * database, so no extra infrastructure. One dedicated connection listens (and notifies, keeping
 * this replica's events in order); it reconnects with backoff after a failure.
 */
import pg from 'pg';
import type { BroadcastTransport } from './broadcast-event-target.ts';

export const PG_CHANNEL = 'heimdall_events';
/** NOTIFY payloads are limited to 8000 bytes; events are ids, far below that. */
const MAX_PAYLOAD = 7900;

export async function createPostgresTransport(
  url: string,
  onError: (error: unknown) => void,
): Promise<BroadcastTransport> {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  const handlers: Array<(message: string) => void> = [];
  const reconnectHandlers: Array<() => void> = [];

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (msg) => {
      if (msg.channel === PG_CHANNEL && msg.payload) for (const handler of handlers) handler(msg.payload);
    });
    next.on('error', (error) => {
      onError(error);
      void next.end().catch(() => undefined);
      if (client === next) {
        client = undefined;
        scheduleReconnect();
      }
    });
    await next.connect();
    await next.query(`LISTEN ${PG_CHANNEL}`);
    client = next;
  };

  const scheduleReconnect = () => {
    if (closed) return;
    const delay = Math.min(5000, 100 * 2 ** attempt++);
    setTimeout(() => {
      connect().then(
        () => {
          attempt = 0;
          for (const handler of reconnectHandlers) handler();
        },
        (error: unknown) => {
          onError(error);
          scheduleReconnect();
        },
      );
    }, delay).unref();
  };

  await connect();
  return {
    async publish(message) {
      if (Buffer.byteLength(message) > MAX_PAYLOAD)
        throw new Error(`event of ${message.length} bytes is too large for NOTIFY`);
      if (!client) throw new Error('event channel is reconnecting; event dropped');
      await client.query('SELECT pg_notify($1, $2)', [PG_CHANNEL, message]);
    },
    onMessage: (handler) => void handlers.push(handler),
    onReconnect: (handler) => void reconnectHandlers.push(handler),
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
