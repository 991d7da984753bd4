/**
 * `configChanged` for the in-process gateway, carried by the control plane's pub/sub (in
 * memory, or Postgres LISTEN/NOTIFY / Redis across replicas), so a mutation on any replica
 * reaches every gateway. Mutations publish after their transaction commits.
 */
import type { ConfigChangedEvent } from '../clients/contract/snapshot.ts';
import { createHeimdallPubSub, publishConfigChanged, type HeimdallPubSub } from '../schema/pubsub.ts';

export class ConfigEvents {
  constructor(readonly pubsub: HeimdallPubSub = createHeimdallPubSub()) {}

  publish(event: ConfigChangedEvent): void {
    publishConfigChanged(this.pubsub, event);
  }

  subscribe(listener: (event: ConfigChangedEvent) => void): () => void {
    const events = this.pubsub.subscribe('configChanged');
    void (async () => {
      for await (const event of events) {
        try {
          listener(event);
        } catch {
          // One listener's failure must not end the stream for the others (the gateway logs its own).
        }
      }
    })();
    return () => void events.return?.();
  }
}
