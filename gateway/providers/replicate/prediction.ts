/**
 * A Replicate prediction → canonical: `output` (a list of tokens or a string) as the text,
 * `metrics.input_token_count` / `output_token_count` as usage. A failed or canceled prediction is
 * an upstream error; one still running when `Prefer: wait` gave up is a timeout.
 */
import { GatewayError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import type { EventSink, StreamDecoder } from '../adapter.ts';
import { chatCompletion, ChunkEmitter, errorEvent, type TokenCounts } from '../translate/canonical.ts';

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return Array.isArray(output) ? output.filter((item) => typeof item === 'string').join('') : '';
}

function counts(payload: JsonObject): TokenCounts {
  const metrics = isJsonObject(payload.metrics) ? payload.metrics : {};
  const n = (value: unknown) => (typeof value === 'number' && value > 0 ? value : 0);
  return { prompt: n(metrics.input_token_count), completion: n(metrics.output_token_count) };
}

/** Undefined when the prediction succeeded; otherwise the error it amounts to. */
export function predictionFailure(payload: JsonObject): GatewayError | undefined {
  const status = payload.status;
  if (status === 'succeeded') return undefined;
  if (status === 'failed' || status === 'canceled') {
    const message = typeof payload.error === 'string' ? payload.error : `prediction ${String(status)}`;
    return new GatewayError(502, 'upstream_error', `prediction_${String(status)}`, `replicate: ${message}`);
  }
  return new GatewayError(
    504,
    'upstream_error',
    'upstream_timeout',
    `replicate: prediction still ${String(status)} after the wait`,
  );
}

export function decodePrediction(payload: JsonObject, model: string): JsonObject {
  const failure = predictionFailure(payload);
  if (failure) throw failure;
  return chatCompletion({
    id: typeof payload.id === 'string' ? payload.id : 'replicate',
    model: typeof payload.model === 'string' ? payload.model : model,
    text: outputText(payload.output),
    toolCalls: [],
    finishReason: 'stop',
    usage: counts(payload),
  });
}

/** Turns the finished prediction (one JSON body) into chat chunks at the end of the body. */
export class PredictionStreamDecoder implements StreamDecoder {
  private readonly chunks: Buffer[] = [];

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  end(sink: EventSink): void {
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
    } catch {
      return errorEvent(sink, 'replicate returned a body that is not JSON', 'upstream_invalid_response');
    }
    if (!isJsonObject(payload))
      return errorEvent(sink, 'replicate returned an unexpected body', 'upstream_invalid_response');
    const failure = predictionFailure(payload);
    if (failure) return errorEvent(sink, failure.message, failure.code);
    const emitter = new ChunkEmitter(
      typeof payload.id === 'string' ? payload.id : 'replicate',
      String(payload.model ?? ''),
    );
    emitter.text(sink, outputText(payload.output));
    emitter.finish(sink, 'stop');
    emitter.end(sink, counts(payload));
  }
}
