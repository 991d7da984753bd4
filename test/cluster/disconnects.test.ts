/**
 * Issue 12, Tests (c): clients hanging up mid-stream across Redis-backed replicas, on a strict
 * budget too small for all of them. Every hang-up is charged its delivered estimate (log row
 * status 499, usage_estimated, output tokens ≥ what the client received, counted with the
 * model's tokenizer), the ledger settles exactly that, ledger = counters (DB, Redis) = request-log
 * cost, and the strict budget never ends above its limit.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, tokenChunks, type StreamRead } from '../governance/support/disconnect-client.ts';
import { startCluster, type Cluster } from './harness.ts';
import { type Outcome } from './load.ts';
import { figures, reconcileWhenSettled, strictConfig } from './faults.ts';
import { FAULT_SIZES, FULL, TIMEOUT_MS } from './sizes.ts';

const VK = 'vk-cluster-disconnect-secret-0001';
const CHUNKS = 8;
const TOKENS_PER_CHUNK = 50;
/** The client reads this many content chunks, then closes the connection. */
const HANG_UP_AFTER = 5;
/** gpt-4o output at $10/M: a whole stream is ~$0.004, so the budget fits about half of them. */
const BUDGET_USD = FULL ? 0.6 : 0.12;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    replicas: FAULT_SIZES.replicas,
    config: strictConfig({ id: 'disconnect-strict', usd: BUDGET_USD, vk: VK }),
  });
}, TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

interface LogRow {
  id: string;
  status_code: number | null;
  usage_estimated: boolean;
  output_tokens: number;
  cost_micros: string | null;
}

describe('client disconnects mid-stream across replicas, strict budget', () => {
  it(
    'charges every hang-up its delivered estimate (499, usage_estimated); ledger = counters = logs; budget ≤ limit',
    async () => {
      const [text] = tokenChunks(1, TOKENS_PER_CHUNK);
      const reads: Array<StreamRead & { replica: string }> = [];
      let next = 0;
      const worker = async () => {
        while (next < FAULT_SIZES.streams) {
          const i = next++;
          const replica = cluster.replicas[i % cluster.replicas.length]!;
          // One stream in four is read to the end (provider usage); the others hang up.
          const hangUp = i % 4 === 0 ? Infinity : HANG_UP_AFTER;
          const body = {
            model: 'openai/gpt-4o',
            messages: [{ role: 'user', content: 'Write an essay about budgets.' }],
            max_tokens: CHUNKS * TOKENS_PER_CHUNK,
            stream: true,
            stream_options: { include_usage: true },
            // 200 ms between chunks: the hang-up is seen long before the provider's last chunk.
            mock: {
              chunks: CHUNKS,
              chunk_text: text,
              interval_ms: 200,
              prompt_tokens: 12,
              completion_tokens: CHUNKS * TOKENS_PER_CHUNK,
            },
          };
          const read = await readStream(replica.url, body, { 'x-bf-vk': VK }, hangUp).catch(
            (): StreamRead => ({
              status: 0,
              requestId: null,
              contents: [],
              toolArgs: [],
              errorCode: undefined,
              hungUp: false,
            }),
          );
          reads.push({ ...read, replica: replica.name });
        }
      };
      await Promise.all(Array.from({ length: FAULT_SIZES.streamConcurrency }, worker));

      const outcomes: Outcome[] = reads.map((r) => ({
        status: r.status,
        requestId: r.requestId ?? undefined,
        replica: r.replica,
        complete: !r.hungUp && r.errorCode === undefined,
      }));
      const hungUp = reads.filter((r) => r.hungUp);
      expect(hungUp.length).toBeGreaterThan(FAULT_SIZES.streams / 4);
      expect(reads.filter((r) => r.status === 402).length).toBeGreaterThan(0);

      const report = await reconcileWhenSettled(cluster, { outcomes }, 20);
      const logs = new Map(
        (
          await cluster.sql<LogRow>(
            'select id, status_code, usage_estimated, output_tokens, cost_micros from request_logs where id = any($1)',
            [hungUp.map((r) => r.requestId)],
          )
        ).map((row) => [row.id, row]),
      );
      // Per hang-up: 499, estimated, at least the tokens the client got, at most the whole stream.
      // A client too slow to hang up before the gateway relayed the whole stream (a loaded test
      // machine reads late) was charged the provider's usage for all of it: also correct.
      const completedFirst = (row: LogRow) =>
        row.status_code === 200 && !row.usage_estimated && row.output_tokens === CHUNKS * TOKENS_PER_CHUNK;
      const wrong = hungUp.flatMap((r) => {
        const row = logs.get(r.requestId!);
        const received = countTokens(r.contents.join(''));
        const estimated =
          row !== undefined &&
          row.status_code === 499 &&
          row.usage_estimated &&
          row.output_tokens >= received &&
          row.output_tokens <= CHUNKS * TOKENS_PER_CHUNK;
        const ok = row !== undefined && (estimated || completedFirst(row)) && Number(row.cost_micros) > 0;
        return ok ? [] : [{ id: r.requestId, received, row }];
      });
      const budget = report.budgets.find((b) => b.id === 'disconnect-strict')!;
      console.info('cluster disconnect run', {
        hungUp: hungUp.length,
        charged499: [...logs.values()].filter((r) => r.status_code === 499).length,
        completedBeforeHangUp: [...logs.values()].filter(completedFirst).length,
        receivedTokens: hungUp.reduce((n, r) => n + countTokens(r.contents.join('')), 0),
        chargedOutputTokens: [...logs.values()].reduce((n, r) => n + r.output_tokens, 0),
        ...(await figures(cluster, outcomes, report)),
      });
      expect(wrong).toEqual([]);
      expect([...logs.values()].filter((r) => r.status_code === 499).length).toBeGreaterThan(
        hungUp.length / 2,
      );
      expect(report.problems).toEqual([]);
      expect(report.unmatched).toEqual([]);
      expect(budget.ledgerSettled).toBeLessThanOrEqual(budget.limit);
      expect(budget.ledgerSettled).toBeGreaterThan(budget.limit / 2);
    },
    TIMEOUT_MS,
  );
});
