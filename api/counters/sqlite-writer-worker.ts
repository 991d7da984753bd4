/**
 * The SQLite writer thread (see sqlite-writer.ts): opens its own connection to the same file and
 * applies each batch of write operations in order, acknowledging it when committed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/index.ts';
import { applyPackedWrite, type PackedOp } from './packing.ts';

const { file, dataDir } = workerData as { file: string; dataDir: string };
const db = await openDatabase({
  store: { enabled: true, type: 'sqlite', config: { path: file } },
  dataDir,
  migrate: false,
});

let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (message: { id: number; ops: PackedOp[] }) => {
  queue = queue.then(async () => {
    try {
      for (const op of message.ops) await applyPackedWrite(db, op);
      parentPort?.postMessage({ id: message.id });
    } catch (error) {
      parentPort?.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
});
