/**
 * Request ids as time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, a 12-bit
 * counter that keeps ids from one process increasing within a millisecond, then 62 random bits.
 * Request logs and ledger entries are keyed by request id, so ids that grow with time land at the
 * right edge of those indexes instead of on a random page each: the SQLite writer touches a few
 * pages per batch rather than one page per row. Node 20 has no randomUUIDv7, and the `uuid`
 * package draws fresh entropy per id; this one reads random bytes from a pooled buffer.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const RANDOM_BYTES = 8;
const pool = Buffer.alloc(POOL_IDS * RANDOM_BYTES);
let poolAt = pool.length;
let lastMs = 0;
let counter = 0;

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** A new version-7 UUID, e.g. `019a8f3e-5c1b-7000-8a3f-1c2d3e4f5a6b`. */
export function newRequestId(now: number = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    counter += 1;
    // 4,096 ids in one millisecond: borrow the next millisecond rather than repeat an id.
    if (counter > 0xfff) {
      ms += 1;
      counter = 0;
    }
  } else counter = 0;
  lastMs = ms;
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += RANDOM_BYTES;
  const high = Math.floor(ms / 0x10000);
  const low = ms % 0x10000;
  const variant = 0x8000 | (pool.readUInt16BE(at) & 0x3fff);
  const tail = pool.readUIntBE(at + 2, 6);
  return `${hex(high, 8)}-${hex(low, 4)}-${hex(0x7000 | counter, 4)}-${hex(variant, 4)}-${hex(tail, 12)}`;
}
