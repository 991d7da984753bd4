/**
 * A non-streamed upstream exchange read whole through undici's `dispatch`: the body's chunks are
 * gathered as they arrive and decoded once. `request()` + `.text()` builds, per response, an
 * `AsyncResource`, a `BodyReadable` stream that every chunk is pushed through, a consumer on it,
 * and an object of the response headers; on the pass-through path that was ~6 % of the serving
 * thread. What the caller sees is the same: `send` resolves once the body is in (or failed after
 * the status line), `text()` answers the body (a UTF-8 BOM skipped, as undici does) or rejects
 * with the error that cut it, and the headers are parsed only when read (a successful answer's
 * never are).
 */
import { AbortableHandler } from './abortable-handler.ts';
import { DispatchedResponse, StreamBody } from './stream-body.ts';

/** undici's dispatch handler that gathers the body (the shared parts: abortable-handler.ts). */
export class WholeBodyHandler extends AbortableHandler {
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private length = 0;

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers are not the response.
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return true;
  }

  protected get answered(): boolean {
    return this.status !== 0;
  }

  protected ended(failure: Error | undefined): void {
    this.resolve(
      new DispatchedResponse(
        this.status,
        this.rawHeaders,
        StreamBody.whole(this.chunks, this.length, failure),
      ),
    );
  }
}
