/**
 * After the governed phases the money must add up: the request logs' costs, the usage ledger's
 * settled entries and the budget's counter are three records of the same spend. The first and
 * last are read through the GraphQL API while Heimdall runs (once they stop moving); the ledger,
 * which GraphQL does not expose, is read from the SQLite file after Heimdall has shut down.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { benchBudgetId } from './config.ts';

export interface ApiSpend {
  logs: number;
  logCostMicros: number;
  budgetUsedMicros: number;
}

const spendQuery = `{ budget(id: "${benchBudgetId}") { currentUsageMicros }
  requestLogStats { count costMicros } }`;

async function readApiSpend(origin: string): Promise<ApiSpend> {
  const response = await request(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: spendQuery }),
  });
  const body = (await response.body.json()) as {
    data?: {
      budget: { currentUsageMicros: string | number } | null;
      requestLogStats: { count: number; costMicros: string | number };
    };
    errors?: unknown;
  };
  if (!body.data?.budget)
    throw new Error(`GraphQL spend query failed: ${JSON.stringify(body).slice(0, 300)}`);
  return {
    logs: body.data.requestLogStats.count,
    logCostMicros: Number(body.data.requestLogStats.costMicros),
    budgetUsedMicros: Number(body.data.budget.currentUsageMicros),
  };
}

/** Polls until two reads 300 ms apart agree (request logs and usage are written behind). */
export async function settledApiSpend(origin: string, timeoutMs = 15_000): Promise<ApiSpend> {
  const deadline = Date.now() + timeoutMs;
  let previous = await readApiSpend(origin);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const current = await readApiSpend(origin);
    const stable = JSON.stringify(current) === JSON.stringify(previous);
    if ((stable && current.logCostMicros === current.budgetUsedMicros) || Date.now() > deadline)
      return current;
    previous = current;
  }
}

export function ledgerSettledMicros(dataDir: string): number {
  const db = new Database(join(dataDir, 'heimdall.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        "SELECT coalesce(sum(amount_micros), 0) AS settled FROM usage_ledger WHERE budget_id = ? AND kind = 'settle'",
      )
      .get(benchBudgetId) as { settled: number | bigint };
    return Number(row.settled);
  } finally {
    db.close();
  }
}

/** A one-line verdict; `ok` false when the three records disagree or nothing was priced. */
export function reconcileSpend(api: ApiSpend, ledgerMicros: number): { ok: boolean; line: string } {
  const ok =
    api.logs > 0 &&
    api.logCostMicros > 0 &&
    api.logCostMicros === api.budgetUsedMicros &&
    api.budgetUsedMicros === ledgerMicros;
  const usd = (micros: number) => `$${(micros / 1e6).toFixed(6)}`;
  return {
    ok,
    line:
      `${ok ? 'reconciles' : 'DOES NOT RECONCILE'}: ${api.logs} request logs costing ${usd(api.logCostMicros)}, ` +
      `budget counter ${usd(api.budgetUsedMicros)}, ledger (settled) ${usd(ledgerMicros)}`,
  };
}
