/** A complete in-memory body behaving like an upstream one (for plugin-made responses). */
import type { InterceptedResponse } from '../core/interceptor.ts';
import { StreamBody } from '../upstream/stream-body.ts';
import type { UpstreamResponse } from '../upstream/types.ts';

export function staticResponse(intercepted: InterceptedResponse): UpstreamResponse {
  const bytes = Buffer.from(intercepted.body);
  return {
    status: intercepted.status,
    headers: { 'content-type': intercepted.contentType },
    contentType: intercepted.contentType,
    body: StreamBody.whole([bytes], bytes.length, undefined),
  };
}
