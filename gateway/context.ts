/**
 * The per-request context: everything one inference request carries from parse to log. It holds
 * the snapshot the request started on (a config change mid-request does not affect it), the
 * parsed body (parsed once), the targets, one record per upstream attempt, and the abort signal
 * fired when the client goes away. Hooks keep what they remember about it in `hookState`.
 */
import { newRequestId, REQUEST_ID_HEADER, usableClientRequestId } from './request-id.ts';
import { ClientAbort } from './util/client-abort.ts';
import type { ValueSpan } from './util/json-top-level.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AttemptRecord, RequestLog } from './core/attempt.ts';
import type { GatewayError } from './core/errors.ts';
import type { ClientCodec } from './core/client-codec.ts';
import type { Target } from './core/target.ts';
import type { CompiledSnapshot } from './core/compiled-snapshot.ts';
import type { JsonObject, Operation, Usage } from './core/types.ts';

export class RequestContext {
  /**
   * Heimdall's id, never the caller's: ledger entries are keyed by it, so a caller reusing or
   * guessing an id must not be able to make its request collide with (replay) another's.
   */
  readonly id: string = newRequestId();
  /** The caller's `x-request-id` (bounded, request-id.ts), kept beside `id` and echoed. */
  readonly clientRequestId: string | undefined;
  readonly startedAt: number = performance.now();
  readonly startedAtEpoch: number = Date.now();
  /**
   * Fired when the client goes away. Not an `AbortController`: one is made per request and
   * almost never fires, and its EventTarget machinery showed up on the hot path (see
   * util/client-abort.ts). Pass `ctx.abort` itself where a signal is wanted.
   */
  readonly abort = new ClientAbort();
  clientGone = false;

  body: JsonObject = {};
  /**
   * The client's body text while `body` is its exact parse (OpenAI routes, no gateway-only
   * fields): forwarded as is, or with `model` spliced in, instead of serialising `body` again.
   * Only `model` and `stream_options` of `body` change afterwards (engine/outgoing.ts accounts
   * for both); anything else that changed `body` would have to clear this.
   */
  clientText: string | undefined = undefined;
  /** The bytes `clientText` was decoded from: sent instead of it when they are valid UTF-8. */
  clientBytes: Buffer | undefined = undefined;
  /** Where `model`'s value is in `clientText`; null when the text cannot be spliced safely. */
  clientModelSpan: ValueSpan | null | undefined = undefined;
  stream = false;
  requestedModel = '';
  /** Bifrost's optional `provider` body field. */
  requestedProvider: string | undefined = undefined;
  /** Bifrost's `fallbacks` body field, as sent. */
  requestedFallbacks: readonly unknown[] = [];
  /** The client itself set `stream_options.include_usage`. */
  clientWantsStreamUsage = false;
  /** The client's own `stream_options`, restored per attempt before usage injection. */
  clientStreamOptions: unknown = undefined;
  pinnedKeyName: string | undefined = undefined;

  targets: Target[] = [];
  readonly attempts: AttemptRecord[] = [];
  /** The target whose answer the client got. */
  served: Target | undefined = undefined;
  status = 0;
  error: GatewayError | undefined = undefined;
  usage: Usage | undefined = undefined;
  /** Time spent waiting on providers and on deliberate delays (backoff, mock latency). */
  externalMs = 0;
  /** Lazily built text of the prompt (mocker message_regex). */
  promptText: string | undefined = undefined;

  /**
   * A caller's own provider key (`client.allow_direct_keys`), used instead of configured keys;
   * the data plane sets it from what `hooks.authenticate` answered.
   */
  directKey: string | undefined = undefined;
  /** When the first stream event arrived (time to first token), whichever attempt sent it. */
  firstEventAt: number | undefined = undefined;
  /**
   * The one slot the hooks own (governance/request-state.ts owns its shape: the principal,
   * charges, routing rule). The data plane never reads it; hooks act on the request only through
   * their return values. A field rather than a WeakMap keyed by the context: every request would
   * otherwise add a short-lived key to a long-lived WeakMap, which each scavenge must process
   * specially.
   */
  hookState: object | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly snapshot: CompiledSnapshot,
    readonly operation: Operation,
    /** The wire format of the route the request came in on (OpenAI's or Anthropic's). */
    readonly clientCodec: ClientCodec,
  ) {
    this.clientRequestId = usableClientRequestId(req.headers[REQUEST_ID_HEADER]);
  }

  /**
   * Call on `res` 'close': a close before the response finished is a client disconnect. A method,
   * not an arrow-function field: tsx compiles with keepNames, so a named closure per request
   * also costs an Object.defineProperty of its `name`.
   */
  responseClosed(): void {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.abort.abort();
    }
  }

  toLog(): RequestLog {
    const error = this.error;
    return {
      id: this.id,
      clientRequestId: this.clientRequestId,
      operation: this.operation,
      stream: this.stream,
      requestedModel: this.requestedModel,
      startedAt: this.startedAtEpoch,
      durationMs: performance.now() - this.startedAt,
      status: this.status,
      provider: this.served?.provider.name,
      model: this.served?.model,
      fallbackIndex: this.served?.index,
      usage: this.usage,
      attempts: this.attempts,
      error: error ? { type: error.type, code: error.code, message: error.message } : undefined,
    };
  }
}
