/**
 * A streaming chat client that hangs up: it reads Heimdall's SSE, keeps the content and tool-call
 * argument deltas it received, and aborts the request (closing the connection) after `hangUpAfter`
 * content chunks. Also the text used to size streams: prose split at o200k token boundaries, so a
 * chunk is exactly the tokens a provider would have generated for it.
 */
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

export interface StreamRead {
  status: number;
  requestId: string | null;
  /** Content deltas received, in order. */
  contents: string[];
  toolArgs: string[];
  /** The stream ended with an error event (budget cut-off, upstream failure). */
  errorCode: string | undefined;
  hungUp: boolean;
}

export async function readStream(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  hangUpAfter = Infinity,
): Promise<StreamRead> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const read: StreamRead = {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    contents: [],
    toolArgs: [],
    errorCode: undefined,
    hungUp: false,
  };
  if (response.status !== 200 || !response.body) {
    await response.text();
    return read;
  }
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data === '' || data === '[DONE]') continue;
        const payload = JSON.parse(data) as {
          error?: { code?: string };
          choices?: Array<{
            delta?: { content?: string; tool_calls?: Array<{ function?: { arguments?: string } }> };
          }>;
        };
        if (payload.error) read.errorCode = payload.error.code;
        const delta = payload.choices?.[0]?.delta;
        const args = delta?.tool_calls?.[0]?.function?.arguments;
        if (args) read.toolArgs.push(args);
        if (delta?.content) read.contents.push(delta.content);
        if (read.contents.length + read.toolArgs.length >= hangUpAfter) {
          read.hungUp = true;
          controller.abort();
          return read;
        }
      }
    }
  } catch (error) {
    if (!read.hungUp) throw error;
  }
  return read;
}

const PROSE =
  'Budgets hold only if every stream is charged for what it delivered. A gateway that relays ' +
  'tokens to a client, then sees the client hang up, still owes the provider for 2,048 tokens ' +
  'of output; it must count them (with the same tokenizer the model uses) and settle the ' +
  'reservation to that figure. Otherwise a caller could stop reading one chunk early, and a ' +
  'strict $1.00 key would serve $4.40 of completions. ';

/** `chunks` texts of exactly `tokensPerChunk` o200k tokens each, cut at token boundaries. */
export function tokenChunks(chunks: number, tokensPerChunk: number): string[] {
  const perProse = encode(PROSE).length;
  const tokens = encode(PROSE.repeat(Math.ceil((chunks * tokensPerChunk) / perProse) + 1));
  return Array.from({ length: chunks }, (_, i) =>
    decode(tokens.slice(i * tokensPerChunk, (i + 1) * tokensPerChunk)),
  );
}
