/**
 * Holds the snapshot in force. Loads the first one, rebuilds on every `configChanged` (events
 * arriving during a rebuild coalesce into one more), loads the credential libraries its keys need
 * (credential-libraries.ts), swaps atomically (one assignment), then
 * retires connection pools the new snapshot no longer uses, gracefully, so requests in flight
 * finish on the snapshot and pools they started with. A failed rebuild keeps the old snapshot.
 */
import type { ControlPlaneClient, Unsubscribe } from '../../clients/control-plane.ts';
import type { Limiter } from '../upstream/limiter.ts';
import type { GatewayLogger } from '../logger.ts';
import { PoolRegistry } from '../upstream/pools.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import { compileSnapshot, type SharedResources } from './compile.ts';
import { loadCredentialLibraries } from './credential-libraries.ts';
import { ProviderModelLists } from './model-lists.ts';
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';

/** On close, requests still running after this long are aborted. */
export const CLOSE_GRACE_MS = 5_000;

export class SnapshotStore {
  private snapshot: CompiledSnapshot | undefined;
  private readonly resources: SharedResources;
  private unsubscribe: Unsubscribe | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    private readonly client: ControlPlaneClient,
    private readonly logger: GatewayLogger,
  ) {
    this.resources = {
      pools: new PoolRegistry(),
      limiters: new Map<string, Limiter>(),
      modelLists: new ProviderModelLists(logger),
    };
  }

  static async open(client: ControlPlaneClient, logger: GatewayLogger): Promise<SnapshotStore> {
    const store = new SnapshotStore(client, logger);
    let missed = false;
    // Subscribe first so a change landing while the first snapshot loads is not lost.
    store.unsubscribe = client.onConfigChanged(() => {
      if (store.snapshot === undefined) missed = true;
      else void store.refresh();
    });
    try {
      await store.rebuild();
    } catch (error) {
      store.unsubscribe();
      await store.resources.pools.closeAll(0);
      throw error;
    }
    if (missed) void store.refresh();
    return store;
  }

  get current(): CompiledSnapshot {
    return this.snapshot!;
  }

  /** Rebuilds now (or once more after the rebuild in progress). Resolves when the swap is done. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.rebuild();
      } catch (error) {
        this.logger.error('gateway: config snapshot rebuild failed; keeping the previous one', { error });
      }
    } while (this.again && !this.closed);
  }

  private async rebuild(): Promise<void> {
    const source = await this.client.getSnapshot();
    if (this.closed) return;
    const previous = this.snapshot;
    if (previous && source.version < previous.version) return;
    const warn = (message: string, fields?: object) =>
      this.logger.warn(`gateway: ${message}`, { version: source.version, ...fields });
    const next = compileSnapshot(source, this.resources, warn);
    // Before the swap (and, for the first snapshot, before the gateway listens): an import inside
    // a request would hold the event loop there.
    const started = performance.now();
    const loaded = await loadCredentialLibraries(next, warn);
    if (loaded.length > 0)
      this.logger.info('gateway: credential libraries loaded', {
        libraries: loaded,
        ms: Math.round(performance.now() - started),
      });
    if (this.closed) return;
    this.snapshot = next;
    this.retire(next);
    if (previous)
      this.logger.info('gateway: config snapshot swapped', { from: previous.version, to: next.version });
  }

  private retire(next: CompiledSnapshot): void {
    const inUse = new Set<UpstreamPools>();
    for (const provider of next.providers.values()) inUse.add(provider.pools);
    void this.resources.pools
      .retainOnly(inUse)
      .catch((error: unknown) => this.logger.warn('gateway: closing a retired pool failed', { error }));
    for (const name of [...this.resources.limiters.keys()]) {
      if (!next.providers.has(name)) this.resources.limiters.delete(name);
    }
    next.providerModels.retainOnly(next.providers.values());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    await this.running?.catch(() => undefined);
    await this.resources.pools.closeAll(CLOSE_GRACE_MS);
  }
}
