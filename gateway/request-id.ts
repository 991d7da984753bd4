/**
 * Request ids as time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, a 12-bit
 * counter that keeps ids from one process increasing within a millisecond, then 62 random bits.
 * Request logs and ledger entries are keyed by request id, so ids that grow with time land at the
 * right edge of those indexes instead of on a random page each: the SQLite writer touches a few
 * pages per batch rather than one page per row. Node 20 has no randomUUIDv7, and the `uuid`
 * package draws fresh entropy per id; this one reads random bytes from a pooled buffer.
 */
import { randomFillSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** The request's id, as in its request log row and ledger entries (GraphQL `requestLogs`). */
export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * The caller's own `x-request-id`, echoed back when it was usable: the caller's id cannot stay
 * in `x-request-id`, which names Heimdall's log row.
 */
export const CLIENT_REQUEST_ID_HEADER = 'x-client-request-id';

/** Where a response keeps its request-id headers until its head is written (engine/respond.ts). */
const REQUEST_ID_HEADERS = Symbol('heimdall.requestIdHeaders');
type Named = ServerResponse & { [REQUEST_ID_HEADERS]?: readonly string[] };

/**
 * Names the request in every answer (JSON, stream, error): Heimdall's id and the caller's. They
 * are not `setHeader`s: a header set ahead of `writeHead` sends Node down its slow path (each
 * of the head's headers through `setHeader` again), so the answer writers of engine/respond.ts
 * put them into the head's one header list (`requestIdHeaders`); every answer of an inference
 * route is written there.
 */
export function setRequestIdHeaders(
  res: ServerResponse,
  id: string,
  clientRequestId: string | undefined,
): void {
  (res as Named)[REQUEST_ID_HEADERS] =
    clientRequestId === undefined
      ? [REQUEST_ID_HEADER, id]
      : [REQUEST_ID_HEADER, id, CLIENT_REQUEST_ID_HEADER, clientRequestId];
}

/** The headers `setRequestIdHeaders` gave this response as a flat name, value list, if any. */
export function requestIdHeaders(res: ServerResponse): readonly string[] | undefined {
  return (res as Named)[REQUEST_ID_HEADERS];
}

const POOL_IDS = 512;
const RANDOM_BYTES = 8;
const pool = Buffer.alloc(POOL_IDS * RANDOM_BYTES);
let poolAt = pool.length;
let lastMs = 0;
let counter = 0;

/**
 * The id is written as ASCII into this buffer and read out as one flat string: five
 * `toString(16).padStart()` calls (the 48-bit tail is a double, printed by V8's slow radix path)
 * and a nine-part template cost ~1.5 % of the serving thread under load. Each byte is written
 * as its two hex digits from a table (one lookup a byte, not a division a digit), and the
 * millisecond's digits only when the millisecond changed.
 */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
const HEX_PAIRS = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const pair = Buffer.from(byte.toString(16).padStart(2, '0'), 'latin1');
  HEX_PAIRS[byte] = (pair[0]! << 8) | pair[1]!;
}
/** The millisecond whose digits `text` holds. */
let writtenMs = -1;

/** Writes `byte` (0–255) as two hex digits at `at`. */
function writeByte(byte: number, at: number): void {
  const pair = HEX_PAIRS[byte]!;
  text[at] = pair >> 8;
  text[at + 1] = pair & 0xff;
}

/** Writes the 48-bit millisecond as `xxxxxxxx-xxxx`. */
function writeMs(ms: number): void {
  const high = Math.floor(ms / 0x1000000);
  const low = ms - high * 0x1000000;
  writeByte((high >> 16) & 0xff, 0);
  writeByte((high >> 8) & 0xff, 2);
  writeByte(high & 0xff, 4);
  writeByte(low >> 16, 6);
  writeByte((low >> 8) & 0xff, 9);
  writeByte(low & 0xff, 11);
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
  // xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx: 48-bit milliseconds, version 7 + 12-bit counter,
  // variant 10 + 14 random bits, 48 random bits.
  if (ms !== writtenMs) {
    writeMs(ms);
    writtenMs = ms;
  }
  writeByte(0x70 | (counter >> 8), 14);
  writeByte(counter & 0xff, 16);
  writeByte(0x80 | (pool[at]! & 0x3f), 19);
  writeByte(pool[at + 1]!, 21);
  for (let i = 0; i < 6; i++) writeByte(pool[at + 2 + i]!, 24 + 2 * i);
  return text.toString('latin1', 0, 36);
}

/**
 * The longest caller `x-request-id` kept. Ids callers commonly send fit easily: UUIDs (36),
 * W3C trace ids (32) and traceparents (55), AWS X-Amzn-Trace-Id (~80).
 */
export const CLIENT_REQUEST_ID_MAX_CHARS = 128;

const USABLE_CLIENT_ID = new RegExp(`^[\\x20-\\x7e]{1,${CLIENT_REQUEST_ID_MAX_CHARS}}$`);

/**
 * The caller's own `x-request-id` as stored on its log row and echoed in `x-client-request-id`,
 * or undefined. It is tenant input written to every row, so it is bounded: 1–128 printable
 * ASCII characters, else ignored whole. Not truncated: a cut-off id would match no id the
 * caller knows, and could match another request's. (Node's parser already answers 400 to
 * control characters other than tab; what reaches here is length, tabs and bytes above 0x7e.)
 */
export function usableClientRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && USABLE_CLIENT_ID.test(header) ? header : undefined;
}
