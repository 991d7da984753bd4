/**
 * Issue 11, High 2: oversized GraphQL documents are refused before validation, over real HTTP
 * and graphql-ws: the body/message size, the parser's token count, the fields selected (aliases
 * and fragments expanded) and nesting too deep for the parser. Ordinary documents, GraphiQL's
 * introspection query among them, still pass.
 */
import { request } from 'node:http';
import { getIntrospectionQuery, parse } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bracketNesting,
  countSelectedFields,
  GRAPHQL_MAX_BODY_BYTES,
  GRAPHQL_MAX_FIELDS,
  GRAPHQL_MAX_NESTING,
  GRAPHQL_MAX_TOKENS,
} from '../../api/graphql/document-limits.ts';
import { createTestControlPlane, type TestControlPlane } from './harness.ts';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `v${i}: viewer { authEnabled }`).join(' ')} }`;

/** 2^depth fields from a few lines: each fragment spreads the next one twice. */
function fragmentBomb(depth: number): string {
  const fragments = Array.from({ length: depth }, (_, i) =>
    i === depth - 1
      ? `fragment F${i} on Viewer { authEnabled }`
      : `fragment F${i} on Viewer { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ viewer { ...F0 } } ${fragments.join(' ')}`;
}

describe('GraphQL document limits', () => {
  let cp: TestControlPlane;
  let url: string;
  let wsUrl: string;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite');
    ({ url, wsUrl } = await cp.listen());
  });
  afterAll(() => cp.close());

  /** GraphQL-over-HTTP clients get request errors as 400 (legacy application/json ones as 200). */
  const post = async (query: string, accept = 'application/graphql-response+json'): Promise<Answer> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

  it('refuses a 300,000-alias document by its size: 413 before reading it', async () => {
    const query = aliases(300_000);
    expect(query.length).toBeGreaterThan(GRAPHQL_MAX_BODY_BYTES);
    const answer = await post(query);
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"query":"{ viewer { authEnabled } }","variables":{"pad":"`);
      const chunk = 'x'.repeat(64 * 1024);
      for (let sent = 0; sent <= GRAPHQL_MAX_BODY_BYTES; sent += chunk.length) req.write(chunk);
      req.end('"}}');
    });
    expect(status).toBe(413);
  });

  it('refuses a document with more tokens than the parser may read, with 400 and what to do', async () => {
    // Under the body limit: ~12 tokens per alias.
    const answer = await post(aliases(GRAPHQL_MAX_TOKENS / 4));
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('DOCUMENT_TOO_LARGE');
    expect(answer.body.errors?.[0]?.message).toBe(
      `the document has more than ${GRAPHQL_MAX_TOKENS} tokens; split it into smaller operations`,
    );
  });

  it('refuses more fields than allowed, aliases counted, before validation', async () => {
    const query = `{ ${Array.from({ length: GRAPHQL_MAX_FIELDS + 1 }, (_, i) => `a${i}: configVersion`).join(' ')} }`;
    const answer = await post(query);
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('TOO_MANY_FIELDS');
    expect(answer.body.errors?.[0]?.message).toContain(`more than ${GRAPHQL_MAX_FIELDS} fields`);
    const legacy = await post(query, 'application/json');
    expect(legacy.status).toBe(200);
    expect(codeOf(legacy)).toBe('TOO_MANY_FIELDS');
  });

  it('refuses fragments that expand to millions of fields', async () => {
    const answer = await post(fragmentBomb(40));
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('TOO_MANY_FIELDS');
  });

  it('answers nesting too deep for the parser with 400, not an internal error', async () => {
    const answer = await post(`{ ${'viewer { '.repeat(3000)}authEnabled${' }'.repeat(3000)} }`);
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('DOCUMENT_TOO_DEEP');
  });

  it('refuses nesting past the limit the same way on every machine, whatever its stack size', async () => {
    const depth = GRAPHQL_MAX_NESTING + 1;
    const answer = await post(`{ ${'viewer { '.repeat(depth - 1)}authEnabled${' }'.repeat(depth - 1)} }`);
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('DOCUMENT_TOO_DEEP');
  });

  it('counts only brackets that nest: not those in strings, block strings or comments', () => {
    expect(bracketNesting('{ a(b: [1, [2]]) { c } }', 100)).toBe(4);
    expect(bracketNesting('{ a(s: "{{{{ \\" [[[") }', 100)).toBe(2);
    expect(bracketNesting('{ a(s: """{{{ \\""" (((""") } # {{{{{\n', 100)).toBe(2);
    expect(bracketNesting('{'.repeat(10_000), 5)).toBe(6);
    expect(bracketNesting(getIntrospectionQuery(), 100)).toBeLessThanOrEqual(GRAPHQL_MAX_NESTING);
  });

  it('reports a fragment cycle as a validation error instead of recursing without end', async () => {
    const answer = await post('{ viewer { ...A } } fragment A on Viewer { authEnabled ...A }');
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors?.[0]?.message).toContain('Cannot spread fragment "A" within itself');
  });

  it('still serves ordinary documents, the full introspection query and a fragment used twice', async () => {
    const introspection = await post(getIntrospectionQuery());
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
    const wide = await post(aliases(100));
    expect(wide.body.errors).toBeUndefined();
    expect(await cp.ok(fragmentBomb(3))).toEqual({ viewer: { authEnabled: false } });
  });

  it('closes a graphql-ws connection whose message is over the limit (1009)', async () => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('x'.repeat(GRAPHQL_MAX_BODY_BYTES + 1));
    expect(await closed).toBe(1009);
  });
});

describe('countSelectedFields', () => {
  it('counts aliases and expands fragments, each fragment counted once', () => {
    expect(countSelectedFields(parse('{ a: viewer { x } b: viewer { x } }'), 100)).toBe(4);
    expect(countSelectedFields(parse(fragmentBomb(5)), 1_000)).toBe(1 + 16);
  });

  it('stops just past the limit and survives cycles and unknown fragments', () => {
    const partial = countSelectedFields(parse(fragmentBomb(60)), 10);
    expect(partial).toBeGreaterThan(10);
    expect(partial).toBeLessThan(100);
    const cyclic = parse(
      '{ viewer { ...A ...Nope } } fragment A on Viewer { x ...B } fragment B on Viewer { ...A }',
    );
    expect(countSelectedFields(cyclic, 100)).toBe(2);
  });
});
