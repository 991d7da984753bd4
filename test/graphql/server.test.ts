/**
 * The GraphQL transport: POST, GET + GraphiQL, SSE and graphql-ws subscriptions, CSRF
 * prevention, depth/cost limits, introspection switch and error masking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishConfigChanged } from '../../schema/pubsub.ts';
import { createTestControlPlane, nextEvents, nextSubscription, type TestControlPlane } from './harness.ts';

describe('GraphQL server', () => {
  let cp: TestControlPlane;
  let url: string;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', { maxDepth: 6, maxCost: 2000 });
    url = (await cp.listen()).url;
  });
  afterAll(() => cp.close());

  it('answers POST with JSON', async () => {
    expect(await cp.ok('{ configVersion }')).toEqual({ configVersion: 0 });
  });

  it('answers GET queries that carry a preflight header, and serves GraphiQL to browsers', async () => {
    const get = await fetch(`${url}?query=${encodeURIComponent('{ configVersion }')}`, {
      headers: { accept: 'application/json', 'x-heimdall-csrf': '1' },
    });
    expect(await get.json()).toEqual({ data: { configVersion: 0 } });
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
  });

  it('refuses simple (non-preflighted) requests as possible CSRF', async () => {
    const form = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('{ configVersion }')}`,
    });
    expect(form.status).toBe(403);
    expect(
      ((await form.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe('CSRF_PREVENTED');
    const get = await fetch(`${url}?query=${encodeURIComponent('{ configVersion }')}`);
    expect(get.status).toBe(403);
  });

  it('refuses operations past the depth and cost limits before running them', async () => {
    const deep = await cp.exec('{ a: configVersion ... on Query { b: configVersion } }');
    expect(deep.errors).toBeUndefined();
    const nested = await cp.exec(
      '{ __typename q: node(id: "x") { ... on Budget { virtualKeys { team { virtualKeys { team { virtualKeys { id } } } } } } } }',
    );
    expect(nested.errors?.[0]?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
    const wide = await cp.exec('{ virtualKeys(first: 1000) { edges { node { id name description } } } }');
    expect(wide.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  });

  it('masks unexpected errors and keeps expected ones', async () => {
    const unknown = await cp.exec('{ nope }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const broken = await createTestControlPlane('sqlite');
    await broken.database.close();
    const masked = await broken.exec('{ configVersion }');
    expect(masked.errors?.[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    await broken.graphql.close();
  });

  it('streams subscriptions over SSE', async () => {
    const controller = new AbortController();
    const subscribed = nextSubscription(cp.pubsub, 'configChanged');
    const response = await fetch(
      `${url}?query=${encodeURIComponent('subscription { configChanged { version changed } }')}`,
      {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      },
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await subscribed();
    publishConfigChanged(cp.pubsub, { version: 7, changed: ['Budget'] });
    let text = '';
    while (!text.includes('"version":7')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"changed":["Budget"]');
    controller.abort();
  });

  it('delivers configChanged over graphql-ws (graphql-transport-ws)', async () => {
    const client = await cp.wsClient();
    const subscribed = nextSubscription(cp.pubsub, 'configChanged');
    const events = nextEvents<{ configChanged: { version: number } }>(
      client,
      'subscription { configChanged { version changed } }',
      2,
    );
    await subscribed();
    publishConfigChanged(cp.pubsub, { version: 8, changed: ['VirtualKey'] });
    publishConfigChanged(cp.pubsub, { version: 9, changed: ['Team'] });
    expect((await events).map((e) => e.configChanged.version)).toEqual([8, 9]);
    // Queries work over the socket too.
    const result = await new Promise((resolve, reject) => {
      client.subscribe(
        { query: '{ configVersion }' },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    expect(result).toEqual({ data: { configVersion: 0 } });
  });
});

describe('introspection switch', () => {
  it('refuses __schema when introspection is off', async () => {
    const cp = await createTestControlPlane('sqlite', { introspection: false });
    try {
      const result = await cp.exec('{ __schema { queryType { name } } }');
      expect(result.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
      expect(await cp.ok('{ configVersion }')).toEqual({ configVersion: 0 });
    } finally {
      await cp.close();
    }
  });
});
