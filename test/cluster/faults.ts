/**
 * What the fault scenarios of test/cluster/ share: waiting for the money to settle after a fault
 * (queues re-send on their own schedule, so a first reconcile may catch a batch in flight), a
 * cluster config with one strict budget, and the figures each scenario prints.
 */
import type { Cluster } from './harness.ts';
import type { Outcome } from './load.ts';
import { reconcile } from './reconcile.ts';

export type Report = Awaited<ReturnType<typeof reconcile>>;

/**
 * Reconciles until nothing is wrong or `seconds` have passed (then returns the last result, for
 * the test to show). `done` may ask for more than "no problems" (e.g. nothing reserved).
 */
export async function reconcileWhenSettled(
  cluster: Cluster,
  options: Parameters<typeof reconcile>[1],
  seconds: number,
  done: (report: Report) => boolean = () => true,
): Promise<Report> {
  let report = await reconcile(cluster, options);
  for (let waited = 0; waited < seconds && (report.problems.length > 0 || !done(report)); waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    report = await reconcile(cluster, options);
  }
  return report;
}

/** One OpenAI provider on the cluster's mock, request logging on, one strict budget behind `vk`. */
export function strictConfig(budget: { id: string; usd: number; vk: string }) {
  return (mockUrl: string): Record<string, unknown> => ({
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [{ name: 'oa', value: 'sk-mock', models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    governance: {
      budgets: [{ id: budget.id, max_limit: budget.usd, reset_duration: '1d', mode: 'strict' }],
      virtual_keys: [{ id: `vk-${budget.id}`, name: budget.id, value: budget.vk, budget_id: budget.id }],
    },
  });
}

/** Status → count, for the figures. */
export function statuses(outcomes: readonly Pick<Outcome, 'status'>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** The per-scenario figures the issue asks for: requests, settles, lost, reconcile deltas. */
export async function figures(
  cluster: Cluster,
  outcomes: readonly Outcome[],
  report: Report,
): Promise<Record<string, unknown>> {
  const [settles] = await cluster.sql<{ n: string }>(
    `select count(*) as n from usage_ledger where kind = 'settle' and request_id not like 'lease:%'`,
  );
  const [logs] = await cluster.sql<{ n: string }>('select count(*) as n from request_logs');
  const logged = new Set((await cluster.sql<{ id: string }>('select id from request_logs')).map((r) => r.id));
  return {
    requests: outcomes.length,
    statuses: statuses(outcomes),
    settles: Number(settles?.n ?? 0),
    logRows: Number(logs?.n ?? 0),
    /** Answers (any status) without a log row, by status; 0 = no answer at all. */
    withoutLogRow: statuses(outcomes.filter((o) => o.requestId === undefined || !logged.has(o.requestId))),
    lost: report.unmatched.length + report.answeredWithoutLog.length,
    lostOnKilled: report.lostOnKilled.length,
    budgets: report.budgets.map((b) => ({
      id: b.id,
      limitMicros: b.limit,
      ledgerSettled: b.ledgerSettled,
      deltaDbUsed: b.database.used - b.ledgerSettled,
      deltaDbReserved: b.database.reserved - b.ledgerOutstanding,
      ...(b.redis
        ? {
            deltaRedisUsed: b.redis.used - b.ledgerSettled,
            deltaRedisReserved: b.redis.reserved - b.ledgerOutstanding,
          }
        : {}),
      logCost: report.logCost.get(b.id) ?? 0,
    })),
    problems: report.problems.slice(0, 10),
  };
}
