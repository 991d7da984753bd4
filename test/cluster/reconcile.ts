/**
 * The money check after a fault, from SQL (and Redis): per budget, the ledger's settles in the
 * window = the database counter = the Redis counter; Σ reserve − Σ release = reserved on both,
 * never negative; a strict budget never above its limit. Per request, its log row's cost = its
 * settles, and every request answered 200 has a log row. What a SIGKILL may lose is reported
 * apart (`lostOnKilled`): requests that were in flight, or not yet flushed, on a killed process.
 */
import type { Cluster } from './harness.ts';
import type { Outcome } from './load.ts';

export interface BudgetCheck {
  id: string;
  mode: string;
  limit: number;
  ledgerSettled: number;
  ledgerOutstanding: number;
  database: { used: number; reserved: number };
  redis: { used: number; reserved: number } | undefined;
}

export interface Reconciliation {
  budgets: BudgetCheck[];
  /** Human-readable violations; empty when the money is right. */
  problems: string[];
  /** Requests with a settle but no log row, or a log row but no settle (ids). */
  unmatched: string[];
  /** Requests answered 200 that have no log row (ids). */
  answeredWithoutLog: string[];
  /** Σ cost of the log rows of the given budget's requests, Σ settles of those requests. */
  logCost: Map<string, number>;
}

const n = (v: unknown) => Number(v ?? 0);

export async function reconcile(
  cluster: Cluster,
  options: {
    outcomes?: readonly Outcome[];
    /** Replicas SIGKILLed during the run: their unflushed requests may be missing (reported). */
    killed?: ReadonlySet<string>;
  } = {},
): Promise<Reconciliation & { lostOnKilled: string[] }> {
  const problems: string[] = [];
  const rows = await cluster.sql<Record<string, unknown>>(
    `select b.id, b.mode, b.max_limit_micros, b.current_usage_micros, b.reserved_micros,
       coalesce(sum(case when l.kind = 'settle' and l.created_at >= b.window_start then l.amount_micros end), 0) as settled,
       coalesce(sum(case when l.kind = 'reserve' then l.amount_micros when l.kind = 'release' then -l.amount_micros end), 0) as outstanding
     from budgets b left join usage_ledger l on l.budget_id = b.id group by b.id order by b.id`,
  );
  const budgets: BudgetCheck[] = [];
  for (const row of rows) {
    const id = String(row.id);
    const check: BudgetCheck = {
      id,
      mode: String(row.mode),
      limit: n(row.max_limit_micros),
      ledgerSettled: n(row.settled),
      ledgerOutstanding: n(row.outstanding),
      database: { used: n(row.current_usage_micros), reserved: n(row.reserved_micros) },
      redis: await cluster.redisBudget(id),
    };
    budgets.push(check);
    const sides = { database: check.database, ...(check.redis ? { redis: check.redis } : {}) };
    for (const [side, c] of Object.entries(sides)) {
      if (c.used !== check.ledgerSettled)
        problems.push(`${id}: ${side} used ${c.used} ≠ ledger Σ settle ${check.ledgerSettled}`);
      if (c.reserved !== check.ledgerOutstanding)
        problems.push(
          `${id}: ${side} reserved ${c.reserved} ≠ ledger Σ reserve − release ${check.ledgerOutstanding}`,
        );
      if (c.reserved < 0) problems.push(`${id}: ${side} reserved is negative (${c.reserved})`);
      if (check.mode === 'strict' && c.used > check.limit)
        problems.push(`${id}: strict budget used ${c.used} > limit ${check.limit}`);
    }
  }

  // Per request: the log row's cost against the settles (per budget, each budget once).
  const perRequest = await cluster.sql<Record<string, unknown>>(
    `with s as (select request_id, budget_id, sum(amount_micros) as settled from usage_ledger
                where kind = 'settle' and request_id not like 'lease:%' group by request_id, budget_id)
     select coalesce(s.request_id, r.id) as id, s.budget_id, s.settled, r.cost_micros, r.id is not null as logged
     from s full outer join request_logs r on r.id = s.request_id`,
  );
  const logCost = new Map<string, number>();
  const unmatched: string[] = [];
  for (const row of perRequest) {
    const id = String(row.id);
    if (row.budget_id !== null)
      logCost.set(String(row.budget_id), (logCost.get(String(row.budget_id)) ?? 0) + n(row.cost_micros));
    const settled = row.settled === null ? 0 : n(row.settled);
    const logged = row.logged === true;
    if (!logged || n(row.cost_micros) !== settled) unmatched.push(id);
  }
  const logged = new Set((await cluster.sql<{ id: string }>('select id from request_logs')).map((r) => r.id));
  const answered = (options.outcomes ?? []).filter((o) => o.status === 200 && o.requestId !== undefined);
  const answeredWithoutLog = answered.filter((o) => !logged.has(o.requestId!)).map((o) => o.requestId!);

  // What a SIGKILL may lose: only requests served by a killed replica.
  const killed = options.killed ?? new Set<string>();
  const byId = new Map(
    (options.outcomes ?? []).flatMap((o) => (o.requestId ? [[o.requestId, o] as const] : [])),
  );
  const onKilled = (id: string) => {
    const outcome = byId.get(id);
    // A request never answered (the connection died with the replica) has no outcome id.
    return outcome === undefined ? killed.size > 0 : killed.has(outcome.replica);
  };
  const lostOnKilled = [...new Set([...unmatched, ...answeredWithoutLog])].filter(onKilled);
  for (const id of unmatched) if (!onKilled(id)) problems.push(`request ${id}: log cost ≠ Σ settle`);
  for (const id of answeredWithoutLog)
    if (!onKilled(id)) problems.push(`request ${id}: answered 200 without a log row`);
  return { budgets, problems, unmatched, answeredWithoutLog, logCost, lostOnKilled };
}
