/**
 * Streamed chat-completion fixtures for the relay tests: chunk events, the usage-only chunk, and
 * an upstream that answers each request with a named SSE body written piece by piece (a pause
 * between pieces, so each tends to reach the gateway as a chunk of its own).
 */
import { formatEvent } from '../../gateway/providers/sse-parser.ts';
import { startHttpMock, type HttpMock } from '../mocks/http-mock.ts';

/** A `chat.completion.chunk` delivering `content`. */
export const contentChunk = (content: string) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });

/** The usage-only chunk that ends a stream when usage was asked for. */
export const USAGE_CHUNK = JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  choices: [],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

/** The events as formatEvent writes them (OpenAI's own framing). */
export const sseOf = (...events: string[]) => events.map((data) => formatEvent(undefined, data)).join('');

/** Answers with `bodies[name]`, `name` being the request body's `user`, one write per piece. */
export function startPiecewiseUpstream(bodies: Record<string, string[]>): Promise<HttpMock> {
  return startHttpMock(async (request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const piece of bodies[String((request.body as { user?: string }).user)]!) {
      // Bytes, not text: a piece may end mid-character on purpose.
      res.write(Buffer.from(piece));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    res.end();
  });
}
