/**
 * Benchmark: spend queries over 100,000 request logs, on SQLite and on Postgres, through the
 * GraphQL server in process (yoga.fetch: parsing, validation, resolvers and SQL, no socket).
 * Prints the median and worst of 20 runs per query. Needs Postgres at TEST_PG_URL (default
 * the local server). Run: npx tsx test/bench/graphql-usage.ts [rows]
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createLogger } from '../../api/logger.ts';
import { createAuthenticator } from '../../api/graphql/auth.ts';
import { createGraphqlServer } from '../../api/graphql/server.ts';
import { insertRequestLogsBulk } from '../../db/repositories/bulk.ts';
import { createSecretBox, type Database, type RequestLogInput } from '../../db/index.ts';
import { createHeimdallPubSub } from '../../schema/pubsub.ts';
import { openTestDatabase, type DialectName } from '../graphql/harness.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const DAY = 86_400_000;
const END = Date.UTC(2025, 5, 1);
const START = END - 30 * DAY;
const PROVIDERS = ['openai', 'anthropic', 'groq', 'mistral', 'gemini'];

function logs(count: number): RequestLogInput[] {
  return Array.from({ length: count }, (_, i) => {
    const provider = PROVIDERS[i % PROVIDERS.length]!;
    const createdAt = START + Math.floor(((i * 7919) % count) * ((END - START) / count));
    return {
      id: `bench-${i}`,
      createdAt,
      completedAt: createdAt + 200 + (i % 900),
      provider,
      model: `${provider}-model-${i % 4}`,
      status: i % 20 === 0 ? 'error' : 'success',
      statusCode: i % 20 === 0 ? 500 : 200,
      latencyMs: 200 + ((i * 31) % 900),
      inputTokens: 100 + (i % 500),
      outputTokens: 50 + (i % 300),
      costMicros: i % 50 === 0 ? null : 100 + (i % 5000),
      unpriced: i % 50 === 0,
      usageEstimated: false,
      clientRequestId: null,
      virtualKeyId: `vk-${i % 200}`,
      teamId: `team-${i % 20}`,
      customerId: `customer-${i % 5}`,
      endpoint: '/v1/chat/completions',
      stream: i % 3 === 0,
      ttftMs: null,
      cachedTokens: 0,
      priceBookVersion: 'bench',
      providerKeyName: 'main',
      retries: 0,
      fallbackIndex: 0,
      routingRuleId: null,
      error: null,
    };
  });
}

const QUERIES: Record<string, string> = {
  'usage by day × model (30 days)': `{ usage(range: { from: ${START}, to: ${END} }, groupBy: [DAY, MODEL]) { bucketStart model requests costMicros } }`,
  'usage by hour (30 days)': `{ usage(range: { from: ${START}, to: ${END} }, groupBy: [HOUR]) { bucketStart requests costMicros } }`,
  'usage by team (7 days)': `{ usage(range: { from: ${END - 7 * DAY}, to: ${END} }, groupBy: [TEAM]) { teamId cost } }`,
  'stats (30 days, with p99)': `{ requestLogStats(filter: { from: ${START}, to: ${END} }) { count successRate avgLatencyMs p99LatencyMs cost } }`,
  'log search, one key, first 50':
    '{ requestLogs(first: 50, filter: { virtualKeyIds: ["vk-7"] }) { edges { node { id cost } } } }',
};

async function seed(database: Database): Promise<number> {
  const started = performance.now();
  const rows = logs(ROWS);
  for (let i = 0; i < rows.length; i += 5000) await insertRequestLogsBulk(database, rows.slice(i, i + 5000));
  // Postgres plans from statistics that autovacuum refreshes after bulk inserts; refresh them
  // now rather than measure the minute before it runs. SQLite gets no ANALYZE: the queries do
  // not rely on it.
  if (database.dialect === 'postgres')
    await database.run(({ orm }) => orm.execute(sql`ANALYZE request_logs`));
  return performance.now() - started;
}

async function run(dialect: DialectName): Promise<void> {
  const { database, drop } = await openTestDatabase(dialect);
  try {
    const seeded = await seed(database);
    const logger = createLogger('error', () => undefined);
    const graphql = createGraphqlServer({
      database,
      box: createSecretBox('bench'),
      pubsub: createHeimdallPubSub(),
      auth: createAuthenticator({ database, env: {} }),
      logger,
      env: {},
    });
    console.log(
      `\n${dialect}: ${ROWS.toLocaleString('en')} request logs (inserted in ${(seeded / 1000).toFixed(1)} s)`,
    );
    for (const [name, query] of Object.entries(QUERIES)) {
      const times: number[] = [];
      for (let i = 0; i < 22; i++) {
        const started = performance.now();
        const response = await graphql.yoga.fetch('http://bench/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        const body = (await response.json()) as { errors?: unknown };
        if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
        if (i >= 2) times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      const worst = times[times.length - 1]!;
      console.log(
        `  ${name.padEnd(34)} median ${median.toFixed(1).padStart(6)} ms   worst ${worst.toFixed(1).padStart(6)} ms`,
      );
    }
    await graphql.close();
  } finally {
    await database.close();
    await drop();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) await run(dialect);
