/**
 * An event target for yoga's pub/sub whose events travel through a broadcast channel
 * (Postgres NOTIFY, Redis PUBLISH) and come back to every replica, this one included, so all
 * subscribers see one order of events. After the channel reconnects, a synthetic
 * `configChanged` is dispatched locally: changes published while disconnected were missed, and
 * gateways must rebuild their snapshot to catch up.
 */
import type { HeimdallEventTarget } from '../../schema/pubsub.ts';

export interface BroadcastTransport {
  publish(message: string): Promise<void>;
  /** Registers the handler for every message received (including our own). */
  onMessage(handler: (message: string) => void): void;
  /** Registers the handler called after the transport reconnected. */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

export interface BroadcastEventTarget extends HeimdallEventTarget {
  close(): Promise<void>;
}

export function createBroadcastEventTarget(
  transport: BroadcastTransport,
  onError: (error: unknown) => void,
): BroadcastEventTarget {
  const local = new EventTarget();
  transport.onMessage((message) => {
    try {
      const { type, detail } = JSON.parse(message) as { type: string; detail: unknown };
      local.dispatchEvent(new CustomEvent(type, { detail }));
    } catch (error) {
      onError(error);
    }
  });
  transport.onReconnect(() =>
    local.dispatchEvent(new CustomEvent('configChanged', { detail: { version: 0, changed: ['*'] } })),
  );
  const target: BroadcastEventTarget = {
    addEventListener: (type, listener, options) =>
      local.addEventListener(type, listener as EventListener, options),
    removeEventListener: (type, listener, options) =>
      local.removeEventListener(type, listener as EventListener, options),
    dispatchEvent(event) {
      transport.publish(JSON.stringify({ type: event.type, detail: event.detail })).catch(onError);
      return true;
    },
    close: () => transport.close(),
  };
  return target;
}
