/**
 * Budgets along customer → team → virtual key, each a bar updated live from `budgetUpdated`
 * (one subscription per budget over the shared socket). Budgets attached elsewhere (provider
 * configs, model configs, provider governance) are listed after the hierarchy.
 */
import { useEffect } from 'preact/hooks';
import { useSession } from '../context.ts';
import { BudgetBar, type BudgetCounters } from '../ui/budget-bar.tsx';
import { Empty, ErrorNote, Loading } from '../ui/parts.tsx';
import { useQuery } from '../ui/use-query.ts';

const BUDGET_FIELDS = 'id maxLimit currentUsage reserved remaining mode resetDuration resetsAt exhausted';

const QUERY = `query DashboardBudgets {
  budgets(first: 200) { edges { node { ${BUDGET_FIELDS} } } }
  customers(first: 200) { edges { node { id name budgetId } } }
  teams(first: 500) { edges { node { id name budgetId customerId } } }
  virtualKeys(first: 500) { edges { node { id name budgetId teamId customerId isActive } } }
}`;

const SUBSCRIPTION = `subscription DashboardBudget($id: ID!) { budgetUpdated(id: $id) { ${BUDGET_FIELDS} } }`;

interface Owner {
  id: string;
  name: string;
  budgetId: string | null;
  customerId?: string | null;
  teamId?: string | null;
}
interface Edges<T> {
  edges: { node: T }[];
}
interface BudgetsData {
  budgets: Edges<BudgetCounters>;
  customers: Edges<Owner>;
  teams: Edges<Owner>;
  virtualKeys: Edges<Owner>;
}

const nodes = <T,>(connection: Edges<T>): T[] => connection.edges.map((edge) => edge.node);

export function Budgets() {
  const { api } = useSession();
  const loaded = useQuery<BudgetsData>(QUERY);
  const ids = loaded.data ? nodes(loaded.data.budgets).map((b) => b.id) : [];
  const idsKey = ids.join('\n');
  useEffect(() => {
    const stops = ids.map((id) =>
      api.subscribe<{ budgetUpdated: BudgetCounters }>(SUBSCRIPTION, { id }, ({ budgetUpdated }) =>
        loaded.setData(
          (current) =>
            current && {
              ...current,
              budgets: {
                edges: current.budgets.edges.map((edge) =>
                  edge.node.id === budgetUpdated.id ? { node: budgetUpdated } : edge,
                ),
              },
            },
        ),
      ),
    );
    return () => stops.forEach((stop) => stop());
  }, [api, idsKey]);

  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const budgets = new Map(nodes(loaded.data.budgets).map((b) => [b.id, b]));
  if (budgets.size === 0)
    return (
      <Empty title="No budgets yet">
        Give a virtual key, team or customer a spending cap: add a <code>budgets</code> entry and a{' '}
        <code>budget_id</code> to the config file, or run the <code>createBudget</code> mutation at{' '}
        <a href="/graphql">/graphql</a>. Strict budgets reserve each request's worst case and never overshoot.
      </Empty>
    );
  const used = new Set<string>();
  const bar = (owner: Owner, kind: string) => {
    const budget = owner.budgetId ? budgets.get(owner.budgetId) : undefined;
    if (!budget) return null;
    used.add(budget.id);
    return <BudgetBar budget={budget} owner={`${kind} ${owner.name}`} />;
  };
  const customers = nodes(loaded.data.customers);
  const teams = nodes(loaded.data.teams);
  const keys = nodes(loaded.data.virtualKeys);
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
