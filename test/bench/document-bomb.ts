/**
 * The GraphQL document-bomb figures of SECURITY.md: how long Heimdall takes to refuse a document of
 * 300,000 aliases (unauthenticated, as an attacker would send it; stopped by the body limit) and
 * one of 30,000 (under the body limit, stopped by the parser's token limit), and how slow `/livez`
 * gets meanwhile. Reported, never asserted: a timed test would only measure the CI machine.
 */
import { request } from 'undici';

const ROUNDS = 5;

function bomb(aliases: number): string {
  const fields = Array.from({ length: aliases }, (_, i) => `v${i}: viewer { authEnabled }`);
  return JSON.stringify({ query: `{ ${fields.join(' ')} }` });
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function measure(origin: string, aliases: number): Promise<string> {
  const body = bomb(aliases);
  const refusals: number[] = [];
  const statuses = new Set<number>();
  const livez: number[] = [];
  let sending = true;
  const probe = (async () => {
    while (sending) {
      const { ms } = await timed(async () => (await request(`${origin}/livez`)).body.dump());
      livez.push(ms);
    }
  })();
  for (let round = 0; round < ROUNDS; round++) {
    const { ms, value } = await timed(async () => {
      const response = await request(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body,
      });
      await response.body.dump();
      return response.statusCode;
    });
    refusals.push(ms);
    statuses.add(value);
  }
  sending = false;
  await probe;
  return (
    `GraphQL document of ${aliases.toLocaleString('en')} aliases (${(body.length / 1e6).toFixed(1)} MB): ` +
    `refused with ${[...statuses].join('/')} in ${median(refusals).toFixed(1)} ms (median of ${ROUNDS}, ` +
    `upload included); /livez meanwhile: ${livez.length} answers, slowest ${Math.max(...livez).toFixed(1)} ms`
  );
}

export async function measureDocumentBomb(origin: string): Promise<string> {
  return [await measure(origin, 300_000), await measure(origin, 30_000)].join('\n');
}
