/**
 * db/ cannot import clients/, so db/live/snapshot-types.ts mirrors GatewaySnapshot. This test
 * (free to import both) stops compiling the moment either side changes shape.
 */
import { describe, expect, it } from 'vitest';
import type { GatewaySnapshot } from '../../clients/snapshot.ts';
import type { SnapshotSource } from '../../db/live/snapshot-types.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Mutual assignability: what the control plane reads is exactly what the gateway receives.
const toGateway = (source: SnapshotSource): GatewaySnapshot => source;
const fromGateway = (snapshot: GatewaySnapshot): SnapshotSource => snapshot;
const sameBudget: Equal<
  SnapshotSource['governance']['budgets'][number],
  GatewaySnapshot['governance']['budgets'][number]
> = true;

describe('snapshot source', () => {
  it('is structurally the gateway snapshot', () => {
    expect([typeof toGateway, typeof fromGateway, sameBudget]).toEqual(['function', 'function', true]);
  });
});
