/**
 * Chooses how control-plane events travel: Redis when REDIS_URL is set, Postgres
 * LISTEN/NOTIFY when the database is Postgres, otherwise in memory (one process).
 */
import type { Logger } from '../logger.ts';
import { createBroadcastEventTarget, type BroadcastEventTarget } from './broadcast-event-target.ts';
import { createPostgresTransport } from './postgres-transport.ts';
import { createRedisTransport } from './redis-transport.ts';

export interface EventTargetChoice {
  /** REDIS_URL. */
  redisUrl?: string | undefined;
  /** The Postgres URL when the database is Postgres. */
  postgresUrl?: string | undefined;
  logger: Logger;
}

/** Undefined means "in memory": yoga's pub/sub then creates its own EventTarget. */
export async function createEventTarget(
  choice: EventTargetChoice,
): Promise<BroadcastEventTarget | undefined> {
  const onError = (error: unknown) => choice.logger.warn('control-plane events: channel error', { error });
  if (choice.redisUrl) {
    choice.logger.info('control-plane events: Redis pub/sub');
    return createBroadcastEventTarget(await createRedisTransport(choice.redisUrl, onError), onError);
  }
  if (choice.postgresUrl) {
    choice.logger.info('control-plane events: Postgres LISTEN/NOTIFY');
    return createBroadcastEventTarget(await createPostgresTransport(choice.postgresUrl, onError), onError);
  }
  return undefined;
}
