/** The nginx mock's config and the checks that compare what a target relays with what it sent. */
import { describe, expect, it } from 'vitest';
import { sseMatches } from './checks.ts';
import { agentRequest, completionBody, streamBody, streamEvents } from './fixtures.ts';
import { nginxConfig, nginxQuoted, splitForNginx } from './nginx-mock.ts';

describe('bench mock upstream', () => {
  it('splits a long body into quoted pieces under nginx’s 4 KiB token limit that join back', () => {
    const pieces = splitForNginx(streamBody);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(streamBody);
    for (const piece of pieces) expect(nginxQuoted(piece).length).toBeLessThan(4096);
  });

  it('quotes backslashes, quotes and newlines, and refuses a "$"', () => {
    expect(nginxQuoted(`a'b\\c\n`)).toBe(`'a\\'b\\\\c\\n'`);
    expect(() => nginxQuoted('costs $5')).toThrow(/nginx variable/);
  });

  it('serves the JSON completion on one port and the stream on the other', () => {
    const config = nginxConfig({ jsonPort: 18080, ssePort: 18081 });
    expect(config).toContain('listen 127.0.0.1:18080');
    expect(config).toContain(nginxQuoted(completionBody));
    expect(config).toMatch(/listen 127\.0\.0\.1:18081[^}]*text\/event-stream; return 200 "\$sse_0\$sse_1/);
  });

  it('streams as OpenAI does with include_usage: "usage":null in every chunk, the usage in the last', () => {
    const events = streamEvents()
      .slice(0, -1)
      .map((event) => JSON.parse(event) as { usage?: unknown; choices: unknown[] });
    const last = events.pop()!;
    expect(last).toMatchObject({ choices: [], usage: { total_tokens: 53 } });
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) expect(event).toHaveProperty('usage', null);
  });

  it('accepts the mock’s stream, also re-serialised, and refuses a cut or altered one', () => {
    expect(sseMatches(streamBody)).toBeUndefined();
    const respaced = streamEvents()
      .map((event) => `data: ${event === '[DONE]' ? event : JSON.stringify(JSON.parse(event), null, 0)}\n\n`)
      .join('');
    expect(sseMatches(respaced)).toBeUndefined();
    const events = streamEvents();
    expect(sseMatches(streamBody.slice(0, streamBody.lastIndexOf('data: [DONE]')))).toMatch(/expected/);
    const altered = streamBody.replace(events[1]!, events[1]!.replace('"content":"A"', '"content":"B"'));
    expect(sseMatches(altered)).toMatch(/event 2 differs/);
  });

  it('sends an agent-sized request: 40 messages, ~370 KB, some of it not ASCII, the same every run', () => {
    const body = JSON.stringify(agentRequest());
    const bytes = Buffer.byteLength(body);
    expect(bytes).toBeGreaterThan(300 * 1024);
    expect(bytes).toBeLessThan(450 * 1024);
    expect(bytes).toBeGreaterThan(body.length); // multi-byte characters
    expect(agentRequest().messages).toHaveLength(40);
    expect(JSON.stringify(agentRequest())).toBe(body);
  });
});
