/**
 * A streamed answer's finish (finish-json.ts is the plain one): relays one upstream stream to the
 * client, writing only through its codec's encoder. Events pass through the adapter's decoder (SSE
 * pass-through for the OpenAI family) and are written with backpressure: a full socket pauses
 * the upstream until `drain`. Nothing is written before the first complete event, so a stream
 * that fails before its first byte is an ordinary failed attempt (retried, then fallbacks).
 * After that, a failure ends the client stream with an error event, never a clean end. Usage is
 * captured from the usage chunk (chat/completions) or the terminal event (Responses); the
 * usage-only chunk is dropped when Heimdall asked for it and the client did not. A stream that
 * ends without usage after it reached the client (the client hung up, the provider cut it, or it
 * never sends usage) gets usage estimated from what was relayed (delivered.ts), so it is charged
 * what was delivered, never $0; a client that hung up leaves status 499 on the attempt.
 */
import type { RequestContext } from '../context.ts';
import type { StreamEventGuard } from '../hooks.ts';
import type { AttemptRecord } from '../core/attempt.ts';
import { clientClosed, GatewayError } from '../core/errors.ts';
import type { ClientStreamEncoder } from '../core/client-codec.ts';
import { writeStreamHead } from './respond.ts';
import type { EventSink, StreamDecoder } from '../providers/adapter.ts';
import { formatEvent, SseParser, wholeDataEvents } from '../providers/sse-parser.ts';
import { usageFromObject } from '../providers/usage.ts';
import type { Target } from '../core/target.ts';
import { isJsonObject, parseJsonObject, type Usage } from '../core/types.ts';
import { mapTransportError } from '../upstream/error-map.ts';
import { topLevelMemberSpan } from '../util/json-top-level.ts';
import type { BodySink, UpstreamBody } from '../upstream/types.ts';
import { DeliveredOutput, estimateUsage } from './delivered.ts';

/** JSON whitespace: space, tab, LF, CR. */
function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Index of the first non-space character of `text` from `at`, at most `end`. */
function skipSpace(text: string, at: number, end: number = text.length): number {
  while (at < end && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** `usage"` at `at` ends a key `"usage"` whose value (before `end`) is an object. */
function usageObjectAt(text: string, at: number, end: number): boolean {
  if (at === 0 || text.charCodeAt(at - 1) !== 34 /* " */) return false;
  const colon = skipSpace(text, at + 6, end);
  if (text.charCodeAt(colon) !== 58 /* : */) return false;
  return text.charCodeAt(skipSpace(text, colon + 1, end)) === 123; /* { */
}

/**
 * `"usage"\s*:\s*\{` anywhere in `data`, by `indexOf` and a few character reads: every event is
 * checked and only the last chunks have usage (the regular expression was ~1 % of the serving
 * thread on the SSE bench, this about a third less per event). The pattern searched is `usage"`,
 * not `"usage"`: V8 sets up a Boyer-Moore table for every search of 7 characters or more, which
 * made that version twice as slow as the regular expression.
 */
function hasUsageObject(data: string): boolean {
  for (let at = data.indexOf('usage"'); at >= 0; at = data.indexOf('usage"', at + 6))
    if (usageObjectAt(data, at, data.length)) return true;
  return false;
}

/** `^\s*\{\s*"error"\s*:`: the event is an error object. */
function isErrorObject(data: string): boolean {
  const brace = skipSpace(data, 0);
  if (data.charCodeAt(brace) !== 123 /* { */) return false;
  const key = skipSpace(data, brace + 1);
  return data.startsWith('"error"', key) && data.charCodeAt(skipSpace(data, key + 7)) === 58; /* : */
}
const RESPONSES_TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** `"error"` */
const ERROR_KEY = [34, 101, 114, 114, 111, 114, 34];

function skipSpaceAt(chunk: Buffer, at: number, end: number): number {
  while (at < end && isSpace(chunk[at]!)) at++;
  return at;
}

/** isErrorObject on the bytes of the payload `chunk[start, end)`. */
function isErrorObjectAt(chunk: Buffer, start: number, end: number): boolean {
  const brace = skipSpaceAt(chunk, start, end);
  if (chunk[brace] !== 123 /* { */) return false;
  const key = skipSpaceAt(chunk, brace + 1, end);
  if (end - key < ERROR_KEY.length) return false;
  for (let i = 0; i < ERROR_KEY.length; i++) if (chunk[key + i] !== ERROR_KEY[i]) return false;
  return chunk[skipSpaceAt(chunk, key + ERROR_KEY.length, end)] === 58; /* : */
}

/** The payload `chunk[start, end)` is the `[DONE]` marker. */
function isDoneMarker(chunk: Buffer, start: number, end: number): boolean {
  return end - start === 6 && chunk.toString('latin1', start, end) === '[DONE]';
}

function eventError(provider: string, data: string): GatewayError {
  const payload = parseJsonObject(data);
  const inner = isJsonObject(payload) ? (isJsonObject(payload.error) ? payload.error : payload) : undefined;
  const message = inner && typeof inner.message === 'string' ? inner.message : 'error event';
  const code = inner && typeof inner.code === 'string' ? inner.code : 'upstream_stream_error';
  return new GatewayError(
    502,
    'upstream_error',
    code,
    `${provider} reported an error in the stream: ${message}`,
  );
}

export class StreamRelay implements EventSink, BodySink {
  private committed = false;
  private terminal = false;
  private upstreamFailed = false;
  private settled = false;
  /**
   * Text of the events of the current upstream chunk, written to the client as one write when the
   * chunk is done (flush): a write per event costs Node's chunked encoding four buffers and the
   * socket a writev entry each, per event.
   */
  private pendingText = '';
  /**
   * With the pass-through encoder, the forwarded events of the current chunk (event, data, …),
   * formatted only if the chunk's own bytes cannot be written instead (see onData).
   */
  private readonly pendingEvents: (string | undefined)[] = [];
  private pendingWrite = false;
  /** Every event of the current chunk was forwarded as it came (none dropped, cut or ignored). */
  private chunkIntact = false;
  /** The client codec writes events exactly as formatEvent does (OpenAI SSE as it is). */
  private readonly passThrough: boolean;
  /** The decoder, when chunks of whole plain events may skip it (relayWholeEvents). */
  private readonly wholeEventsParser: SseParser | undefined;
  private readonly delivered: DeliveredOutput;
  /**
   * A `[DONE]` held while the usage its encoder must report is counted (endWithEstimate): the
   * client's stream ends, and the attempt settles, once it is.
   */
  private heldEnd: Promise<void> | undefined = undefined;
  private resolve: () => void = () => undefined;
  private reject: (error: GatewayError) => void = () => undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly target: Target,
    private readonly record: AttemptRecord,
    private readonly body: UpstreamBody,
    private readonly decoder: StreamDecoder,
    /** Drop the usage-only chunk: Heimdall injected include_usage, the client did not ask. */
    private readonly stripUsageChunk: boolean,
    /** The client codec's encoder (OpenAI SSE as it is, or Anthropic's events). */
    private readonly encoder: ClientStreamEncoder,
    /** What `hooks.beforeAttempt` answered for this attempt (governance's strict-budget cut-off). */
    private readonly guard: StreamEventGuard | undefined,
  ) {
    this.delivered = new DeliveredOutput(ctx.operation);
    this.passThrough = encoder.event === formatEvent;
    this.wholeEventsParser =
      this.passThrough &&
      guard === undefined &&
      !stripUsageChunk &&
      ctx.operation !== 'responses' &&
      decoder instanceof SseParser
        ? decoder
        : undefined;
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.body.read(this);
    });
  }

  onEvent(event: string | undefined, data: string): void {
    if (this.terminal || this.settled || this.ctx.clientGone) {
      this.chunkIntact = false;
      return;
    }
    this.ctx.firstEventAt ??= performance.now();
    const cut = this.guard?.check(event, data);
    if (cut !== undefined) {
      this.chunkIntact = false;
      this.terminal = true;
      this.fail(cut);
      return;
    }
    const forward =
      this.ctx.operation === 'responses' ? this.inspectResponses(event, data) : this.inspectChat(data);
    if (this.upstreamFailed && !this.committed) {
      // The provider's first event is an error: nothing reached the client, so retry/fall back.
      this.fail(eventError(this.target.provider.name, data));
      return;
    }
    if (forward) {
      this.commit();
      if (this.passThrough) this.pendingEvents.push(event, data);
      else if (data === '[DONE]' && this.encoder.finalUsage && this.record.usage === undefined)
        this.endWithEstimate(event, data);
      else this.pendingText += this.encoder.event(event, data);
      this.pendingWrite = true;
      if (!this.upstreamFailed && data !== '[DONE]') this.delivered.add(event, data);
    } else {
      this.chunkIntact = false;
    }
    // A terminal event ends the client stream once its chunk is parsed (onData, onEnd).
  }

  /**
   * `[DONE]` with no provider usage, for an encoder that states usage at the end: the estimate the
   * attempt will be charged (estimateUsage, over everything relayed) is made now and given to the
   * encoder first. A large one is counted a slice per turn of the event loop; `[DONE]` waits for
   * it (heldEnd), so a stream without usage ends a few milliseconds later, with its charge stated.
   */
  private endWithEstimate(event: string | undefined, data: string): void {
    const counting = this.useEstimate(() => {
      this.pendingText += this.encoder.event(event, data);
    });
    if (counting === undefined) return;
    this.heldEnd = counting.then(() => {
      this.heldEnd = undefined;
      this.pendingWrite = true;
      this.finishClient();
    });
  }

  /**
   * The attempt's usage estimated from what was relayed (estimateUsage), given to the encoder too;
   * `then` runs once it is set: at once, or when a large count is done (the promise returned).
   */
  private useEstimate(then: () => void): Promise<void> | undefined {
    const { ctx, record } = this;
    const usage = estimateUsage(ctx.body, this.delivered, record.model, record.upstreamModel);
    const use = (counted: Usage): void => {
      record.usage = counted;
      ctx.usage = counted;
      this.encoder.finalUsage?.(counted);
      then();
    };
    if (usage instanceof Promise) return usage.then(use);
    use(usage);
    return undefined;
  }

  /** Returns whether to forward the event. */
  private inspectChat(data: string): boolean {
    if (data === '[DONE]') {
      this.terminal = true;
      return true;
    }
    if (isErrorObject(data)) {
      this.upstreamFailed = true;
      return true;
    }
    return this.inspectUsage(data);
  }

  /** Captures the usage an event holds; returns whether to forward it (see stripUsageChunk). */
  private inspectUsage(data: string): boolean {
    return hasUsageObject(data) ? this.readUsage(data) : true;
  }

  /** inspectUsage for an event known to hold a `"usage": {`. */
  private readUsage(data: string): boolean {
    if (!this.stripUsageChunk) {
      // Only `usage` is needed: parsing that member's text alone instead of the whole event took
      // a streamed request from ~560k to ~551k instructions (test/bench/instructions.ts --stream,
      // medians of 4 rounds, within the counter's noise; skipping the parse altogether saved
      // ~26k). The event is relayed as the provider sent it either way, so a usage stated beside
      // a malformed member still counts; an ambiguous top level (a key given twice or written
      // with escapes) or a usage that is not an object falls back to the whole parse.
      const span = topLevelMemberSpan(data, 'usage');
      const usage = span && parseJsonObject(data.slice(span.start, span.end));
      if (usage !== undefined) {
        this.captureUsage(usage);
        return true;
      }
    }
    const chunk = parseJsonObject(data);
    if (!isJsonObject(chunk)) return true;
    this.captureUsage(chunk.usage);
    const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
    return !(usageOnly && this.stripUsageChunk);
  }

  private inspectResponses(event: string | undefined, data: string): boolean {
    if (event === 'error') this.upstreamFailed = true;
    else if (event !== undefined && RESPONSES_TERMINAL.has(event)) {
      const payload = parseJsonObject(data);
      if (isJsonObject(payload) && isJsonObject(payload.response)) this.captureUsage(payload.response.usage);
      if (event === 'response.failed') this.upstreamFailed = true;
      this.terminal = true;
    }
    return true;
  }

  private captureUsage(raw: unknown): void {
    const usage = usageFromObject(this.ctx.operation, raw);
    if (usage === undefined) return;
    this.record.usage = usage;
    this.ctx.usage = usage;
  }

  /** The first forwarded event commits the attempt: the head goes out with it. */
  private commit(): void {
    if (this.committed) return;
    this.committed = true;
    this.ctx.served = this.target;
    this.ctx.status = 200;
    writeStreamHead(this.ctx.res, this.target);
  }

  /**
   * Writes what the events so far produced (even nothing: that sends the head), with backpressure:
   * `chunk` itself when it is exactly those events (the decoder says its bytes were formatEvent's
   * of what it emitted and every one was forwarded), which spares formatting them into a string
   * and encoding that back to bytes.
   */
  private flush(chunk?: Buffer): void {
    if (!this.pendingWrite) return;
    const events = this.pendingEvents;
    let out: string | Buffer;
    if (chunk !== undefined) out = chunk;
    else {
      out = this.pendingText;
      for (let i = 0; i < events.length; i += 2) out += formatEvent(events[i], events[i + 1]!);
    }
    events.length = 0;
    this.pendingText = '';
    this.pendingWrite = false;
    const res = this.ctx.res;
    if (res.writableEnded) return;
    if (!res.write(out)) {
      this.body.pause();
      res.once('drain', this.onDrain);
    }
  }

  private readonly onDrain = (): void => {
    this.body.resume();
  };

  /**
   * The pass-through fast path: a chunk of whole `data:` events (wholeDataEvents), met between
   * events, none of them an error object, with `[DONE]` only as the last, gets what onEvent would
   * do to each of them, read off its bytes: the first-event time, the commit, the usage event
   * decoded and parsed alone, `[DONE]` ending the stream, the chunk written as it came and held
   * raw for a delivered-usage estimate. No string per event, no per-event calls: on the SSE
   * bench (20 events in one chunk, profile-stream.ts) ~80 → ~75 CPU µs per request. Returns
   * false, having done nothing, for any other chunk: the decoder reads it.
   */
  private relayWholeEvents(parser: SseParser, chunk: Buffer): boolean {
    if (this.terminal || this.settled || this.upstreamFailed || this.ctx.clientGone || !parser.idle)
      return false;
    const spans = wholeDataEvents(chunk);
    if (spans === undefined) return false;
    const last = spans.length - 2;
    for (let i = 0; i < spans.length; i += 2) {
      const start = spans[i]!;
      const end = spans[i + 1]!;
      if (isErrorObjectAt(chunk, start, end) || (i < last && isDoneMarker(chunk, start, end))) return false;
    }
    const first = chunk.indexOf('usage"');
    if (first >= 0) this.readUsageEvents(chunk, spans, first);
    this.ctx.firstEventAt ??= performance.now();
    this.commit();
    this.pendingWrite = true;
    this.delivered.addChunk(chunk);
    if (isDoneMarker(chunk, spans[last]!, spans[last + 1]!)) {
      this.terminal = true;
      this.finishClient(chunk);
    } else this.flush(chunk);
    return true;
  }

  /**
   * The usage events of a chunk of whole events (relayWholeEvents) whose first `usage"` is at
   * `first`. The search goes on in one latin1 copy of the chunk (a byte's offset is its
   * character's) with V8's own indexOf: Buffer's crosses into C++ per call, and OpenAI puts
   * `"usage":null` in every event of a stream that asked for usage. Only where `"usage": {` is is
   * the event decoded and read. On a 20-event chunk with those nulls ~10 -> ~2 µs (ad hoc
   * micro-benchmark); a chunk without the key is not copied.
   */
  private readUsageEvents(chunk: Buffer, spans: number[], first: number): void {
    const text = chunk.toString('latin1');
    let span = 0;
    for (let at = first; at >= 0;) {
      while (span + 2 < spans.length && spans[span + 1]! <= at) span += 2;
      const end = spans[span + 1]!;
      if (usageObjectAt(text, at, end)) {
        this.readUsage(chunk.toString('utf8', spans[span], end));
        at = text.indexOf('usage"', end + 1);
      } else at = text.indexOf('usage"', at + 6);
    }
  }

  onData(chunk: Buffer): void {
    if (this.wholeEventsParser !== undefined && this.relayWholeEvents(this.wholeEventsParser, chunk)) return;
    this.chunkIntact = true;
    this.decoder.push(chunk, this);
    const verbatim = this.passThrough && this.chunkIntact && this.decoder.verbatim === true;
    if (this.terminal) this.finishClient(verbatim ? chunk : undefined);
    else this.flush(verbatim ? chunk : undefined);
  }

  onEnd(): void {
    if (!this.terminal && !this.ctx.clientGone) this.decoder.end(this);
    this.flush();
    if (this.settled) return;
    if (this.terminal || this.upstreamFailed) {
      if (this.upstreamFailed)
        this.markFailed(
          new GatewayError(
            502,
            'upstream_error',
            'upstream_stream_error',
            `${this.target.provider.name} reported an error inside the stream`,
          ),
        );
      this.finishClient();
      this.settle();
      return;
    }
    const truncated = new GatewayError(
      502,
      'upstream_error',
      'upstream_stream_truncated',
      `${this.target.provider.name}: the stream ended before it was complete`,
    );
    this.fail(truncated);
  }

  onError(error: unknown): void {
    if (this.terminal) {
      this.settle();
      return;
    }
    this.fail(mapTransportError(error, this.target.provider.name));
  }

  /**
   * Before the first byte: a failed attempt. After: an error event ends the client stream. A
   * client that left is what ended the stream, whatever the upstream did next (the abort).
   */
  private fail(upstreamError: GatewayError): void {
    if (this.settled) return;
    const error = this.ctx.clientGone ? clientClosed() : upstreamError;
    if (!this.committed) {
      this.settled = true;
      this.detach();
      this.reject(error);
      return;
    }
    this.markFailed(error);
    this.flush();
    if (!this.ctx.clientGone && !this.ctx.res.writableEnded) this.ctx.res.end(this.encoder.error(error));
    this.settle();
  }

  private markFailed(error: GatewayError): void {
    this.ctx.status = error.status;
    this.ctx.error = error;
    this.record.status = error.status;
    this.record.error = { type: error.type, code: error.code, message: error.message };
  }

  private finishClient(chunk?: Buffer): void {
    const res = this.ctx.res;
    this.flush(chunk);
    if (this.heldEnd !== undefined) return;
    if (this.committed && !res.writableEnded) res.end();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    if (this.heldEnd !== undefined) {
      // The estimate is being counted for the held `[DONE]`: it is the attempt's usage.
      void this.heldEnd.then(() => this.resolve());
      return;
    }
    if (this.committed && this.record.usage === undefined) {
      // Delivered without the provider's usage: the attempt settles on what was relayed, counted
      // a slice per turn of the event loop when large (estimateUsage); the attempt ends after.
      void this.useEstimate(this.resolve);
      return;
    }
    this.resolve();
  }

  private detach(): void {
    this.ctx.res.off('drain', this.onDrain);
    // Aborts the exchange when it is not over (a cut-off, a failure before the first byte, a
    // client that left); the relay hears nothing more from the body.
    this.body.cancel();
  }
}
