/**
 * A worker thread that owns a second connection to the SQLite file and performs governance
 * writes there (WAL lets it write while the main thread reads). Messages are applied in order;
 * each batch is acknowledged once committed. If the worker cannot start, writes stay on the
 * main thread (DirectWriter).
 */
import { Worker } from 'node:worker_threads';
import type { Database } from '../../db/index.ts';
import type { Logger } from '../logger.ts';
import { packOp } from './packing.ts';
import { DirectWriter, type WriteOp, type Writer } from './writes.ts';

interface Ack {
  id: number;
  error?: string;
}

/** `.ts` when run from the sources (tsx), `.js` when run from the compiled dist/. */
const ownExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * Worker threads do not inherit tsx's loader hooks, so from the sources the worker starts in
 * worker-entry.mjs, which registers tsx before loading the entry; compiled JavaScript loads as is
 * (and the production install has no tsx to register).
 */
function workerEntry(): URL {
  return ownExtension === '.ts'
    ? new URL('./worker-entry.mjs', import.meta.url)
    : new URL('./sqlite-writer-worker.js', import.meta.url);
}

/**
 * Sums the rate-limit deltas of each run of consecutive `rate` ops per limit and dimension: a
 * flush carries one delta per request and limit (hundreds a second), and each costs the writer
 * thread — on the serving thread's core — a query built and run. Deltas add, so their order
 * within a run does not matter; runs are never merged across another op (a window roll-over
 * between two deltas must still come between them).
 */
export function coalesceRateDeltas(ops: readonly WriteOp[]): WriteOp[] {
  const out: WriteOp[] = [];
  let run = new Map<string, WriteOp & { op: 'rate' }>();
  for (const op of ops) {
    if (op.op !== 'rate') {
      run = new Map();
      out.push(op);
      continue;
    }
    const key = `${op.dim}\u0000${op.id}`;
    const merged = run.get(key);
    if (merged) merged.delta += op.delta;
    else {
      const copy = { ...op };
      run.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

export class WorkerWriter implements Writer {
  private next = 0;
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (ack: Ack) => {
      const entry = this.waiting.get(ack.id);
      this.waiting.delete(ack.id);
      if (ack.error) entry?.reject(new Error(ack.error));
      else entry?.resolve();
    });
    worker.on('error', (error) => {
      for (const entry of this.waiting.values()) entry.reject(error);
      this.waiting.clear();
    });
  }

  /** Starts the worker on the same SQLite file; resolves once it has opened the database. */
  static async start(file: string, dataDir: string): Promise<WorkerWriter> {
    const worker = new Worker(workerEntry(), {
      workerData: {
        entry: new URL(`./sqlite-writer-worker${ownExtension}`, import.meta.url).href,
        file,
        dataDir,
      },
    });
    const writer = new WorkerWriter(worker);
    await writer.write([]);
    return writer;
  }

  write(ops: readonly WriteOp[]): Promise<void> {
    const id = ++this.next;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ops: coalesceRateDeltas(ops).map(packOp) });
    });
  }

  async close(): Promise<void> {
    await this.write([{ op: 'logs', rows: [] }]).catch(() => undefined);
    await this.worker.terminate();
  }
}

/** The writer for this database: a worker thread on SQLite, direct on Postgres. */
export async function openWriter(db: Database, logger: Logger): Promise<Writer> {
  if (db.dialect !== 'sqlite') return new DirectWriter(db);
  try {
    return await WorkerWriter.start(db.description.replace(/^sqlite:/, ''), db.dataDir);
  } catch (error) {
    logger.warn('governance: SQLite writer thread unavailable; writing on the main thread', { error });
    return new DirectWriter(db);
  }
}
