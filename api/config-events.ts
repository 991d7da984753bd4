/**
 * In-process fan-out of `configChanged`. Mutations publish here after their transaction commits;
 * the in-process control-plane client and GraphQL subscriptions listen. Across replicas the
 * same events arrive through Postgres LISTEN/NOTIFY or Redis (see the control-plane wiring).
 */
import { EventEmitter } from 'node:events';
import type { ConfigChangedEvent } from '../clients/control-plane.ts';

export class ConfigEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(event: ConfigChangedEvent): void {
    this.emitter.emit('configChanged', event);
  }

  subscribe(listener: (event: ConfigChangedEvent) => void): () => void {
    this.emitter.on('configChanged', listener);
    return () => this.emitter.off('configChanged', listener);
  }
}
