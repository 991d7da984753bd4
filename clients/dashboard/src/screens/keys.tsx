/**
 * Virtual keys: list with their budget usage, create (key-form.tsx), edit allowed providers and
 * models, budget limit and request rate, and deactivate or reactivate.
 */
import { useState } from 'preact/hooks';
import { messageOf, type Api } from '../api.ts';
import { useSession } from '../context.ts';
import { money, number } from '../format.ts';
import {
  DashboardRateLimitsDocument,
  DashboardUpdateBudgetDocument,
  DashboardUpdateRateLimitDocument,
  type DashboardRateLimitsQuery,
} from '../generated/operations.ts';
import { failureOf, type MutationError } from '../ui/mutations.ts';
import { Empty, ErrorNote, Loading } from '../ui/parts.tsx';
import { useLoad } from '../ui/use-query.ts';
import { KeyForm, providerConfigs } from './key-form.tsx';

interface Key {
  id: string;
  name: string;
  isActive: boolean;
  valueHint: string;
  teamId: string | null;
  customerId: string | null;
  budget: { id: string; maxLimit: number; currentUsage: number; resetDuration: string } | null;
  rateLimit: { id: string; requestMaxLimit: string | null; requestResetDuration: string | null } | null;
  providerConfigs: { provider: string; allowedModels: string[] }[];
}
type RateLimitRow = DashboardRateLimitsQuery['rateLimits']['edges'][number]['node'];

/** Keys, budgets and rate limits fetched page by page (one wide query would pass the cost limit), joined here. */
async function load(api: Api): Promise<{ keys: Key[]; teams: { id: string; name: string }[] }> {
  const rateLimits: RateLimitRow[] = [];
  const rates = async () => {
    for (let after: string | null = null; ;) {
      const page: DashboardRateLimitsQuery = await api.request(
        DashboardRateLimitsDocument,
        after ? { after } : {},
      );
      rateLimits.push(...page.rateLimits.edges.map((edge) => edge.node));
      if (!page.rateLimits.pageInfo.hasNextPage || !page.rateLimits.pageInfo.endCursor) return;
      after = page.rateLimits.pageInfo.endCursor;
    }
  };
  const [keys, budgets, teams] = await Promise.all([
    api.sdk.virtualKeys(),
    api.sdk.budgets(),
    api.sdk.teams(),
    rates(),
  ]);
  const budgetById = new Map(budgets.map((b) => [b.id, b]));
  const rateById = new Map(rateLimits.map((r) => [r.id, r]));
  return {
    teams,
    keys: keys.map((key) => ({
      ...key,
      budget: (key.budgetId ? budgetById.get(key.budgetId) : undefined) ?? null,
      rateLimit: (key.rateLimitId ? rateById.get(key.rateLimitId) : undefined) ?? null,
    })),
  };
}

export function Keys() {
  const loaded = useLoad(load);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const { keys, teams } = loaded.data;
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Virtual keys</h2>
      <KeyForm teams={teams} onCreated={loaded.reload} />
      {keys.length === 0 ? (
        <Empty title="No virtual keys yet">
          Create one above: applications send it as <code>x-bf-vk</code> (or{' '}
          <code>Authorization: Bearer</code>), and its budget and rate limit apply to every request made with
          it.
        </Empty>
      ) : (
        <table class="keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Team</th>
              <th scope="col">Providers</th>
              <th scope="col" class="num">
                Budget use
              </th>
              <th scope="col">Rate</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <KeyRow
                key={key.id}
                item={key}
                editing={editing === key.id}
                setEditing={setEditing}
                onSaved={loaded.reload}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function describeProviders(key: Key): string {
  if (key.providerConfigs.length === 0) return 'all';
  return key.providerConfigs
    .map((pc) => `${pc.provider}${pc.allowedModels.includes('*') ? '' : ` (${pc.allowedModels.join(', ')})`}`)
    .join('; ');
}

function KeyRow(props: {
  item: Key;
  editing: boolean;
  setEditing(id: string | undefined): void;
  onSaved(): void;
}) {
  const { api } = useSession();
  const [error, setError] = useState<string | undefined>(undefined);
  const key = props.item;
  const check = (result: MutationError, wanted: string) => {
    const failed = failureOf(result, wanted);
    if (failed) throw new Error(failed);
  };
  async function save(event: Event) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    try {
      await api.sdk.updateVirtualKey(key.id, {
        providerConfigs: providerConfigs(text('providers'), text('models')),
      });
      if (key.budget && text('budget'))
        check(
          (
            await api.request(DashboardUpdateBudgetDocument, {
              id: key.budget.id,
              patch: { maxLimit: Number(text('budget')) },
            })
          ).updateBudget,
          'Budget',
        );
      if (key.rateLimit && text('rpm'))
        check(
          (
            await api.request(DashboardUpdateRateLimitDocument, {
              id: key.rateLimit.id,
              patch: { requestMaxLimit: text('rpm') },
            })
          ).updateRateLimit,
          'RateLimit',
        );
      setError(undefined);
      props.setEditing(undefined);
      props.onSaved();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  async function toggleActive() {
    try {
      await api.sdk.updateVirtualKey(key.id, { isActive: !key.isActive });
      props.onSaved();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  const models = [...new Set(key.providerConfigs.flatMap((pc) => pc.allowedModels))].filter((m) => m !== '*');
  return (
    <>
      <tr data-key={key.id} class={key.isActive ? undefined : 'inactive'}>
        <td>{key.name}</td>
        <td>
          <code>{key.valueHint}</code>
        </td>
        <td>{key.teamId ?? key.customerId ?? '—'}</td>
        <td>{describeProviders(key)}</td>
        <td class="num">
          {key.budget ? `${money(key.budget.currentUsage)} / ${money(key.budget.maxLimit)}` : 'no budget'}
        </td>
        <td>
          {key.rateLimit?.requestMaxLimit
            ? `${number(key.rateLimit.requestMaxLimit)} / ${key.rateLimit.requestResetDuration}`
            : '—'}
        </td>
        <td>
          <span class={`badge ${key.isActive ? 'ok' : 'danger'}`}>
            {key.isActive ? 'active' : 'inactive'}
          </span>
        </td>
        <td class="row-actions">
          <button
            type="button"
            class="secondary"
            aria-expanded={props.editing}
            onClick={() => props.setEditing(props.editing ? undefined : key.id)}
          >
            Edit<span class="sr-only"> {key.name}</span>
          </button>
          <button type="button" class="secondary" onClick={() => void toggleActive()}>
            {key.isActive ? 'Deactivate' : 'Activate'}
            <span class="sr-only"> {key.name}</span>
          </button>
        </td>
      </tr>
      {props.editing || error ? (
        <tr class="details">
          <td colSpan={8}>
            {props.editing ? (
              <form class="grid-form" onSubmit={(event) => void save(event)} aria-label={`Edit ${key.name}`}>
                <label>
                  Providers (empty allows all)
                  <input
                    name="providers"
                    defaultValue={key.providerConfigs.map((pc) => pc.provider).join(', ')}
                  />
                </label>
                <label>
                  Models (empty allows all)
                  <input name="models" defaultValue={models.join(', ')} />
                </label>
                {key.budget ? (
                  <label>
                    Budget (USD per {key.budget.resetDuration})
                    <input
                      name="budget"
                      type="number"
                      min="0"
                      step="0.01"
                      defaultValue={String(key.budget.maxLimit)}
                    />
                  </label>
                ) : null}
                {key.rateLimit ? (
                  <label>
                    Requests per {key.rateLimit.requestResetDuration ?? 'window'}
                    <input
                      name="rpm"
                      type="number"
                      min="1"
                      defaultValue={key.rateLimit.requestMaxLimit ?? ''}
                    />
                  </label>
                ) : null}
                <div class="actions">
                  <button type="submit">Save</button>
                </div>
              </form>
            ) : null}
            <ErrorNote error={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
