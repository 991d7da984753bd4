/** A complete in-memory body behaving like an upstream one (for plugin-made responses). */
import { Readable } from 'node:stream';
import type { InterceptedResponse } from '../core/interceptor.ts';
import type { UpstreamBody, UpstreamResponse } from '../upstream/types.ts';

export function staticResponse(intercepted: InterceptedResponse): UpstreamResponse {
  const text = intercepted.body;
  const stream = Readable.from([Buffer.from(text)], { objectMode: false });
  const body = Object.assign(stream, {
    text: () => Promise.resolve(text),
    dump: () => {
      stream.destroy();
      return Promise.resolve();
    },
  }) satisfies UpstreamBody;
  return { status: intercepted.status, headers: { 'content-type': intercepted.contentType }, body };
}
