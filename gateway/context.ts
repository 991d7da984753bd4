/**
 * The per-request context: everything one inference request carries from parse to log. It holds
 * the snapshot the request started on (a config change mid-request does not affect it), the
 * parsed body (parsed once), the targets, one record per upstream attempt, and the abort signal
 * fired when the client goes away. Governance (issue 5) stores its principal and reservations here.
 */
import { REQUEST_ID_HEADER } from './http/respond.ts';
import { newRequestId, usableClientRequestId } from './request-id.ts';
import { ClientAbort } from './util/client-abort.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from './errors.ts';
import type { ClientCodec } from './http/client-codec.ts';
import type { Target } from './routing/targets.ts';
import type { CompiledSnapshot } from './snapshot/types.ts';
import type { JsonObject, Operation, Usage } from './types.ts';

/** One try against one provider: the primary's first call, a retry, or a fallback. */
export interface AttemptRecord {
  provider: string;
  /** Logical model name (what the client addressed). */
  model: string;
  /** Id sent upstream after aliases/deployments. */
  upstreamModel: string | undefined;
  keyId: string | undefined;
  keyName: string | undefined;
  /** 0 for the primary target. */
  fallbackIndex: number;
  /** 0 for the first call on this target. */
  retry: number;
  /** Answered by a plugin (mocker) instead of the provider. */
  mocked: boolean;
  /** Upstream HTTP status, or the gateway status of the failure (502, 504, 499…). */
  status: number;
  error: { type: string; code: string; message: string } | undefined;
  usage: Usage | undefined;
  /** From sending the request to the end of the response body. */
  latencyMs: number;
}

/** What a request log row needs; built once when the request finishes. */
export interface RequestLog {
  /** Heimdall's own id: the key of the log row and ledger entries, whatever the caller sent. */
  id: string;
  /** The caller's own `x-request-id`, when usable (request-id.ts). */
  clientRequestId: string | undefined;
  operation: Operation;
  stream: boolean;
  requestedModel: string;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  /** Status the client saw (499 when it left; 502/504 for a stream that failed mid-way). */
  status: number;
  provider: string | undefined;
  model: string | undefined;
  fallbackIndex: number | undefined;
  usage: Usage | undefined;
  attempts: readonly AttemptRecord[];
  error: { type: string; code: string; message: string } | undefined;
}

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

  /** The client's format when it is not the canonical one (the Anthropic route). */
  client: ClientCodec | undefined = undefined;

  /** Set by governance (issue 5): the authenticated virtual key and what it resolved to. */
  principal: unknown = undefined;
  /** Provider → key names a virtual key pins (`key_ids`); key choice stays within them. */
  keyNames: ReadonlyMap<string, readonly string[]> | undefined = undefined;
  /** A caller's own provider key (`client.allow_direct_keys`), used instead of configured keys. */
  directKey: string | undefined = undefined;
  /**
   * What the governance hooks remember about this request (governance/request-state.ts owns its
   * shape). A field rather than a WeakMap keyed by the context: every request would otherwise
   * add a short-lived key to a long-lived WeakMap, which each scavenge must process specially.
   */
  governanceState: object | undefined = undefined;
  /**
   * Sees every stream event before it is forwarded; an error returned ends the stream with that
   * error event (governance's strict-budget cut-off).
   */
  streamGuard: ((event: string | undefined, data: string) => GatewayError | undefined) | undefined =
    undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly snapshot: CompiledSnapshot,
    readonly operation: Operation,
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
