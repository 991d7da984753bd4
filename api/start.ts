/**
 * `startHeimdall`: control plane and gateway in one process, built by the composition root
 * (api/build-heimdall.ts) and listening. api/main.ts runs it for `npm start`; tests run it on
 * port 0 to get the wiring users get.
 */
import { buildHeimdall, type HeimdallOptions } from './build-heimdall.ts';
import type { StopOptions } from './drain.ts';
import { warmUpBeforeListening } from './warm-up.ts';
import type { HeimdallPubSub } from '../schema/pubsub.ts';

export type { StopOptions } from './drain.ts';

export interface StartOptions extends HeimdallOptions {
  /** Overrides PORT; 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** Requests of the start-up warm-up before listening (api/warm-up.ts). @default 0: none (tests); `npm start` reads HEIMDALL_WARMUP_REQUESTS */
  warmUpRequests?: number;
}

export interface RunningHeimdall {
  url: string;
  port: number;
  /** Drains (delay, then in-flight requests), flushes usage and request logs, closes. */
  stop(options?: StopOptions): Promise<void>;
}

/** Control plane and gateway in one process: also the event bus its subscriptions are served from (tests wait on it). */
export interface RunningHeimdallWithControlPlane extends RunningHeimdall {
  pubsub: HeimdallPubSub;
}

export async function startHeimdall(options: StartOptions): Promise<RunningHeimdallWithControlPlane> {
  const heimdall = await buildHeimdall(options);
  try {
    await warmUpBeforeListening(options.warmUpRequests, options.logger);
    const { url, port } = await heimdall.listen({
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
    });
    return { url, port, pubsub: heimdall.pubsub, stop: (stopOptions) => heimdall.stop(stopOptions) };
  } catch (error) {
    await heimdall.stop().catch(() => undefined);
    throw error;
  }
}
