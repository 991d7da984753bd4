/** What one request's tries and outcome are, as hooks, metrics and the request log see them. */
import type { Operation, Usage } from './types.ts';

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
