/**
 * Budgets along customer → team → virtual key, each a bar updated live from `budgetUpdated`
 * (one subscription per budget over the shared socket). Budgets attached elsewhere (provider
 * configs, model configs, provider governance) are listed after the hierarchy.
 */
import { useEffect } from 'preact/hooks';
import type { Api } from '../api.ts';
import { useSession } from '../context.ts';
import { BudgetBar, type BudgetCounters } from '../ui/budget-bar.tsx';
import { Empty, ErrorNote, Loading } from '../ui/parts.tsx';
import { useLoad } from '../ui/use-query.ts';

interface Owner {
  id: string;
  name: string;
  budgetId?: string | null;
  customerId?: string | null;
  teamId?: string | null;
}

async function load(api: Api) {
  const [budgets, customers, teams, keys] = await Promise.all([
    api.sdk.budgets(),
    api.sdk.customers(),
    api.sdk.teams(),
    api.sdk.virtualKeys(),
  ]);
  return {
    budgets: budgets as BudgetCounters[],
    customers: customers as Owner[],
    teams: teams as Owner[],
    keys: keys as Owner[],
  };
}

export function Budgets() {
  const { api } = useSession();
  const loaded = useLoad(load);
  const idsKey = loaded.data ? loaded.data.budgets.map((b) => b.id).join('\n') : '';
  useEffect(() => {
    const stops = idsKey
      .split('\n')
      .filter(Boolean)
      .map((id) =>
        api.sdk.budgetUpdated(
          { id },
          {
            next: ({ budgetUpdated }) =>
              loaded.setData(
                (current) =>
                  current && {
                    ...current,
                    budgets: current.budgets.map((b) =>
                      b.id === budgetUpdated.id ? { ...b, ...budgetUpdated } : b,
                    ),
                  },
              ),
          },
        ),
      );
    // A settle between the first load and these subscriptions would be missed: load once more
    // now that they are open.
    if (stops.length > 0) loaded.reload();
    return () => stops.forEach((stop) => stop());
  }, [api, idsKey]);

  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const budgets = new Map(loaded.data.budgets.map((b) => [b.id, b]));
  if (budgets.size === 0)
    return (
      <Empty title="No budgets yet">
        Give a virtual key, team or customer a spending cap: add a <code>budgets</code> entry and a{' '}
        <code>budget_id</code> to the config file, create a key with a budget on the Virtual keys screen, or
        run the <code>createBudget</code> mutation at <a href="/graphql">/graphql</a>. Strict budgets reserve
        each request's worst case and never overshoot.
      </Empty>
    );
  const used = new Set<string>();
  const bar = (owner: Owner, kind: string) => {
    const budget = owner.budgetId ? budgets.get(owner.budgetId) : undefined;
    if (!budget) return <div class="owner">{`${kind} ${owner.name}`} (no budget of its own)</div>;
    used.add(budget.id);
    return <BudgetBar budget={budget} owner={`${kind} ${owner.name}`} />;
  };
  const { customers, teams, keys } = loaded.data;
  const keysOf = (pick: (key: Owner) => boolean) =>
    keys.filter((key) => pick(key) && key.budgetId).map((key) => <li key={key.id}>{bar(key, 'Key')}</li>);
  const teamTree = (team: Owner) => (
    <li key={team.id}>
      {bar(team, 'Team')}
      <ul>{keysOf((key) => key.teamId === team.id)}</ul>
    </li>
  );
  const tree = (
    <ul class="tree">
      {customers.map((customer) => (
        <li key={customer.id}>
          {bar(customer, 'Customer')}
          <ul>
            {teams.filter((team) => team.customerId === customer.id).map(teamTree)}
            {keysOf((key) => key.customerId === customer.id)}
          </ul>
        </li>
      ))}
      {teams.filter((team) => !team.customerId).map(teamTree)}
      {keysOf((key) => !key.teamId && !key.customerId)}
    </ul>
  );
  const others = [...budgets.values()].filter((budget) => !used.has(budget.id));
  return (
    <section aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      <p class="muted">Spent is settled cost; reserved is what requests in flight hold. Updated live.</p>
      {tree}
      {others.length > 0 ? (
        <>
          <h3>Other budgets</h3>
          <p class="muted">Attached to providers, models or a key's provider config.</p>
          <ul class="tree">
            {others.map((budget) => (
              <li key={budget.id}>
                <BudgetBar budget={budget} owner={`Budget ${budget.id}`} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
