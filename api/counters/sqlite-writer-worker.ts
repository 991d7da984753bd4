/**
 * The SQLite writer thread (see sqlite-writer.ts): opens its own connection to the same file and
 * applies each batch of write operations in order, acknowledging it when committed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, prepareBulkWrites } from '../../db/index.ts';
import { applyPackedWrite, type PackedOp } from './packing.ts';

const { file, dataDir } = workerData as { file: string; dataDir: string };
const db = await openDatabase({
  store: { enabled: true, type: 'sqlite', config: { path: file } },
  dataDir,
  migrate: false,
});
await prepareBulkWrites(db);

let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (message: { id: number; ops: PackedOp[] }) => {
  queue = queue.then(async () => {
    try {
      // One transaction per message: a flush carries hundreds of rate-limit deltas, ledger and
      // log batches, and each on its own committed separately (every delta an autocommit UPDATE),
      // so the writer spent most of its time committing — on the serving thread's core. The ops'
      // own transactions become savepoints. All or nothing also makes the sender's retry of a
      // failed batch safe: rate deltas are not idempotent, and a half-applied batch resent whole
      // counted its first half twice.
      if (message.ops.length > 0)
        await db.transaction(async (tx) => {
          for (const op of message.ops) await applyPackedWrite(tx, op);
        });
      parentPort?.postMessage({ id: message.id });
    } catch (error) {
      parentPort?.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
});
