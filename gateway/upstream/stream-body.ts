/**
 * A streamed upstream exchange through undici's `dispatch`: `send` resolves at the status line
 * with a body that hands each chunk, as undici parses it, to one sink. `request()` built per
 * response an `AsyncResource`, a `BodyReadable` stream every chunk was pushed through (a `push`,
 * a `read`, an `emit('data')` each) and an object of the response headers: with the consumer's
 * listeners, ~10 % of the serving thread on the SSE bench. Here a chunk is one call to the sink.
 *
 * What the caller sees is what `request()` gave: backpressure (the sink's `pause()` makes the next
 * `onData` answer false, which stops undici reading the socket, and with it the body timeout,
 * until `resume()`), a client abort (the AbortWatch) aborting the exchange with its reason, the
 * body timeout or a reset as the sink's error, and `text()`/`dump()` for answers read whole.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, util } from 'undici';
import { AbortableHandler } from './abortable-handler.ts';
import type { BodySink, UpstreamBody, UpstreamResponse } from './types.ts';

/**
 * Bytes kept for a body nobody reads yet before the socket is paused: between the status line
 * and the consumer's `read` only promise continuations run, so this is a bound for a body that
 * is never read, not a delay on one that is.
 */
const UNREAD_HIGH_WATER = 64 * 1024;

/** `dump()` reads this much of an unwanted body to keep the connection, then aborts (as undici). */
const DUMP_LIMIT = 128 * 1024;

/** What a body needs from the exchange it comes from. */
interface BodySource {
  /** Restarts reading the socket after `onData` answered false. */
  resumeSocket(): void;
  /** Aborts the exchange (the sink hears nothing of it: the body was cancelled). */
  abort(reason: Error): void;
}

function decodeUtf8(chunks: Buffer[], length: number): string {
  if (length === 0) return '';
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  // A UTF-8 BOM is skipped, as undici's text() does.
  const bom = length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0, length);
}

/** Gathers a body for `text()`. */
class TextSink implements BodySink {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  constructor(
    private readonly resolve: (text: string) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  onEnd(): void {
    this.resolve(decodeUtf8(this.chunks, this.length));
  }

  onError(error: unknown): void {
    this.reject(error);
  }
}

/** Throws a body away for `dump()`: read to its end when short, so the connection is kept. */
class DumpSink implements BodySink {
  private length = 0;

  constructor(
    private readonly body: UpstreamBody,
    private readonly done: () => void,
  ) {}

  onData(chunk: Buffer): void {
    this.length += chunk.length;
    if (this.length <= DUMP_LIMIT) return;
    this.body.cancel();
    this.done();
  }

  onEnd(): void {
    this.done();
  }

  onError(): void {
    this.done();
  }
}

/**
 * A body, streaming (from `StreamBodyHandler`) or already complete (whole-body.ts, plugin
 * answers). Chunks that arrive while there is no sink, or while it is paused, wait in order.
 */
export class StreamBody implements UpstreamBody {
  private readonly queue: Buffer[];
  private queuedLength: number;
  private sink: BodySink | undefined = undefined;
  /** No more bytes will come: the exchange completed, or failed with `failure`. */
  private complete = false;
  private failure: Error | undefined = undefined;
  /** End or error was delivered, or the body was cancelled: nothing more happens. */
  private closed = false;
  private paused = false;
  /** `push` answered false: undici stopped reading the socket until `resumeSocket`. */
  private socketPaused = false;
  /** Inside `push` (undici's parser): the socket cannot be resumed from here, nor needs to be. */
  private pushing = false;

  constructor(
    private readonly source: BodySource | undefined,
    chunks: Buffer[] = [],
    length = 0,
  ) {
    this.queue = chunks;
    this.queuedLength = length;
  }

  /** A body already in: `chunks` (`length` bytes), cut by `failure` when that is set. */
  static whole(chunks: Buffer[], length: number, failure: Error | undefined): StreamBody {
    const body = new StreamBody(undefined, chunks, length);
    body.complete = true;
    body.failure = failure;
    return body;
  }

  /** A chunk from upstream; false pauses the socket. */
  push(chunk: Buffer): boolean {
    if (this.closed) return true;
    const sink = this.sink;
    if (sink !== undefined && !this.paused && this.queue.length === 0) {
      this.pushing = true;
      sink.onData(chunk);
      this.pushing = false;
      if (!this.paused || this.closed) return true;
      this.socketPaused = true;
      return false;
    }
    this.queue.push(chunk);
    this.queuedLength += chunk.length;
    if (sink === undefined && this.queuedLength < UNREAD_HIGH_WATER) return true;
    this.socketPaused = true;
    return false;
  }

  /** The exchange is over: complete, or cut by `failure`. */
  finish(failure: Error | undefined): void {
    if (this.closed || this.complete) return;
    this.complete = true;
    this.failure = failure;
    if (this.sink !== undefined) this.drain();
  }

  read(sink: BodySink): void {
    if (this.sink !== undefined || this.closed) throw new Error('the response body was already read');
    this.sink = sink;
    this.drain();
    this.resumeSocket();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.sink === undefined) return;
    this.drain();
    this.resumeSocket();
  }

  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink = undefined;
    this.queue.length = 0;
    if (!this.complete) this.source?.abort(new errors.RequestAbortedError());
  }

  text(): Promise<string> {
    let now: string | undefined;
    try {
      now = this.textNow();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<string>((resolve, reject) => this.read(new TextSink(resolve, reject)));
  }

  textNow(): string | undefined {
    if (this.sink !== undefined || this.closed || !this.complete) return undefined;
    if (this.failure !== undefined) throw this.failure;
    return decodeUtf8(this.queue, this.queuedLength);
  }

  dump(): Promise<void> {
    if (this.closed || this.sink !== undefined) return Promise.resolve();
    if (this.complete) {
      this.cancel();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.read(new DumpSink(this, resolve)));
  }

  /** Hands over what waits (chunks, then the end or an error) while the sink is not paused. */
  private drain(): void {
    const queue = this.queue;
    // An error is reported at once, chunks still waiting dropped (as a destroyed Readable does).
    if (this.failure === undefined) {
      while (queue.length > 0 && !this.paused) {
        const chunk = queue.shift()!;
        this.queuedLength -= chunk.length;
        this.sink!.onData(chunk);
        if (this.closed) return;
      }
      if (queue.length > 0 || this.paused) return;
    }
    if (!this.complete || this.closed) return;
    this.closed = true;
    const sink = this.sink!;
    this.sink = undefined;
    if (this.failure === undefined) sink.onEnd();
    else sink.onError(this.failure);
  }

  private resumeSocket(): void {
    if (!this.socketPaused || this.pushing || this.paused || this.queue.length > 0) return;
    this.socketPaused = false;
    if (!this.closed) this.source?.resumeSocket();
  }
}

/** An answer whose headers are parsed only when read (a successful JSON answer's never are). */
export class DispatchedResponse implements UpstreamResponse {
  private parsed: IncomingHttpHeaders | undefined = undefined;

  constructor(
    readonly status: number,
    private readonly rawHeaders: Buffer[],
    readonly body: UpstreamBody,
  ) {}

  get headers(): IncomingHttpHeaders {
    return (this.parsed ??= util.parseHeaders(this.rawHeaders) as IncomingHttpHeaders);
  }

  get contentType(): string | undefined {
    if (this.parsed !== undefined) {
      const type = this.parsed['content-type'];
      return typeof type === 'string' ? type : undefined;
    }
    const raw = this.rawHeaders;
    let found: string | undefined = undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!isContentType(raw[i]!)) continue;
      if (found !== undefined) return undefined;
      found = raw[i + 1]!.toString('latin1');
    }
    return found;
  }
}

const CONTENT_TYPE = Buffer.from('content-type');

/** A raw header name is `content-type`, in any case (`| 0x20` lowers letters, keeps `-`). */
function isContentType(name: Buffer): boolean {
  if (name.length !== 12) return false;
  for (let i = 0; i < 12; i++) if ((name[i]! | 0x20) !== CONTENT_TYPE[i]) return false;
  return true;
}

/**
 * The dispatch handler of a streamed exchange (the shared parts, abort included:
 * abortable-handler.ts). An abort after the status line reaches the body's sink as its error.
 */
export class StreamBodyHandler extends AbortableHandler implements BodySource {
  private resumeUndici: (() => void) | undefined = undefined;
  private body: StreamBody | undefined = undefined;

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational answers are not the response.
    if (statusCode < 200) return true;
    this.resumeUndici = resume;
    this.body = new StreamBody(this);
    this.resolve(new DispatchedResponse(statusCode, rawHeaders, this.body));
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body!.push(chunk);
  }

  resumeSocket(): void {
    this.resumeUndici?.();
  }

  abort(reason: Error): void {
    this.abortExchange(reason);
  }

  protected get answered(): boolean {
    return this.body !== undefined;
  }

  protected ended(failure: Error | undefined): void {
    this.body!.finish(failure);
  }
}
