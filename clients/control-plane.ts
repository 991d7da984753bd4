/**
 * How the gateway reaches the control plane. Two implementations: in-process (wired in api/,
 * calling the same services the resolvers call) and remote (GraphQL over HTTP + graphql-ws).
 * The gateway cannot tell which one it holds.
 */
import type { GovernanceChannel } from './contract/governance.ts';
import type { ConfigChangedEvent, GatewaySnapshot } from './contract/snapshot.ts';

export type Unsubscribe = () => void;

export interface ControlPlaneClient {
  /** The current snapshot. */
  getSnapshot(): Promise<GatewaySnapshot>;
  /** Called after every committed config change; the gateway then fetches a new snapshot. */
  onConfigChanged(listener: (event: ConfigChangedEvent) => void): Unsubscribe;
  /** Stops subscriptions and flushes anything buffered. */
  close(): Promise<void>;
  /**
   * Budget/rate-limit leases, usage ledger and request logs (clients/contract/governance.ts). Optional so
   * a control plane without them still serves a gateway: it then keeps meters in memory.
   */
  governance?: GovernanceChannel;
}
