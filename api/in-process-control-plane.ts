/**
 * The in-process `ControlPlaneClient`: the gateway in the same process as the control plane
 * reads the snapshot straight from the repositories, with no serialisation and no socket.
 */
import type { ControlPlaneClient } from '../clients/control-plane.ts';
import type { GatewaySnapshot } from '../clients/contract/snapshot.ts';
import { readSnapshotSource, type Database, type SecretBox } from '../db/index.ts';
import { ConfigEvents } from './config-events.ts';
import type { GovernanceService } from './counters/service.ts';

export interface InProcessControlPlaneOptions {
  database: Database;
  box: SecretBox;
  events?: ConfigEvents;
  /** Leases, usage and request logs (api/counters); its lifecycle stays with the caller. */
  governance?: GovernanceService;
  /**
   * Admin auth covers inference (api/inference-auth.ts `inferenceAuthRequired`). It travels in
   * the snapshot so remote gateways enforce it too. @default false
   */
  inferenceAuthRequired?: boolean;
}

export function createInProcessControlPlane(
  options: InProcessControlPlaneOptions,
): ControlPlaneClient & { events: ConfigEvents } {
  const events = options.events ?? new ConfigEvents();
  const unsubscribers = new Set<() => void>();
  const governance = options.governance;
  return {
    events,
    ...(governance ? { governance } : {}),
    async getSnapshot(): Promise<GatewaySnapshot> {
      const read = await readSnapshotSource(options.database, options.box);
      const source = { ...read, inference_auth_required: options.inferenceAuthRequired ?? false };
      if (!governance) return source;
      governance.setRetentionDays(source.client.log_retention_days);
      await governance.refresh();
      return { ...source, price_overrides: await governance.priceOverrides() };
    },
    onConfigChanged(listener) {
      const off = events.subscribe(listener);
      unsubscribers.add(off);
      return () => {
        off();
        unsubscribers.delete(off);
      };
    },
    async close() {
      for (const off of unsubscribers) off();
      unsubscribers.clear();
    },
  };
}
