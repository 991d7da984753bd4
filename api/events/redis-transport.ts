/**
 * Redis PUBLISH/SUBSCRIBE as the cross-replica event channel, used when REDIS_URL is set
 * (Redis is then already there for cluster-wide counters). ioredis reconnects by itself.
 */
import { Redis } from 'ioredis';
import type { BroadcastTransport } from './broadcast-event-target.ts';

export const REDIS_CHANNEL = 'heimdall:events';

export async function createRedisTransport(
  url: string,
  onError: (error: unknown) => void,
): Promise<BroadcastTransport> {
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(REDIS_CHANNEL);
  const handlers: Array<(message: string) => void> = [];
  const reconnectHandlers: Array<() => void> = [];
  let ready = true;
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === REDIS_CHANNEL) for (const handler of handlers) handler(message);
  });
  subscriber.on('close', () => (ready = false));
  subscriber.on('ready', () => {
    if (ready) return;
    ready = true;
    for (const handler of reconnectHandlers) handler();
  });
  return {
    async publish(message) {
      await publisher.publish(REDIS_CHANNEL, message);
    },
    onMessage: (handler) => void handlers.push(handler),
    onReconnect: (handler) => void reconnectHandlers.push(handler),
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
