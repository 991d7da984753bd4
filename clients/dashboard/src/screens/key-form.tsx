/**
 * Creates a virtual key, with an optional budget and request rate limit of its own, and shows the
 * generated value once (with a copy button): only its hash is stored, it cannot be read again.
 */
import { useState } from 'preact/hooks';
import { messageOf } from '../api.ts';
import { useSession } from '../context.ts';
import { DashboardCreateBudgetDocument, DashboardCreateRateLimitDocument } from '../generated/operations.ts';
import { failureOf } from '../ui/mutations.ts';
import { ErrorNote } from '../ui/parts.tsx';

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'key';

export const providerConfigs = (providers: string, models: string) =>
  providers
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((provider) => ({
      provider,
      allowedModels: models.trim()
        ? models
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
        : ['*'],
    }));

export function KeyForm(props: { teams: { id: string; name: string }[]; onCreated(): void }) {
  const { api } = useSession();
  const [error, setError] = useState<string | undefined>(undefined);
  const [value, setValue] = useState<string | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const id = `vk-${slug(text('name'))}-${Date.now().toString(36)}`;
    setBusy(true);
    setError(undefined);
    try {
      const input: Record<string, unknown> = {
        id,
        name: text('name'),
        providerConfigs: providerConfigs(text('providers'), text('models')),
        ...(text('team') ? { teamId: text('team') } : {}),
      };
      if (text('budget')) {
        const budget = {
          id: `${id}-budget`,
          maxLimit: Number(text('budget')),
          resetDuration: text('reset') || '1M',
          mode: text('mode') === 'SOFT' ? ('SOFT' as const) : ('STRICT' as const),
        };
        const r = await api.request(DashboardCreateBudgetDocument, { input: budget });
        const failed = failureOf(r.createBudget, 'Budget');
        if (failed) throw new Error(`budget: ${failed}`);
        input.budgetId = budget.id;
      }
      if (text('rpm')) {
        const rate = { id: `${id}-rate`, requestMaxLimit: text('rpm'), requestResetDuration: '1m' };
        const r = await api.request(DashboardCreateRateLimitDocument, { input: rate });
        const failed = failureOf(r.createRateLimit, 'RateLimit');
        if (failed) throw new Error(`rate limit: ${failed}`);
        input.rateLimitId = rate.id;
      }
      const created = await api.sdk.createVirtualKey(input as Parameters<typeof api.sdk.createVirtualKey>[0]);
      setValue(created.value ?? undefined);
      setCopied(false);
      props.onCreated();
      element.reset();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="card">
      <h3>Create a virtual key</h3>
      {value ? (
        <div class="secret" role="status">
          <p>
            <strong>Copy this key now.</strong> Only its hash is stored: it is shown this once.
          </p>
          <code data-testid="new-key-value">{value}</code>{' '}
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard?.writeText(value).then(
                () => setCopied(true),
                () => undefined,
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>{' '}
          <button type="button" class="secondary" onClick={() => setValue(undefined)}>
            Done
          </button>
        </div>
      ) : null}
      <form class="grid-form" onSubmit={(event) => void submit(event)}>
        <label>
          Name
          <input name="name" required autoComplete="off" />
        </label>
        <label>
          Team
          <select name="team">
            <option value="">none</option>
            {props.teams.map((team) => (
              <option value={team.id}>{team.name}</option>
            ))}
          </select>
        </label>
        <label>
          Providers (comma-separated; empty allows all)
          <input name="providers" placeholder="openai, anthropic" />
        </label>
        <label>
          Models (comma-separated; empty allows all)
          <input name="models" placeholder="gpt-4o-mini" />
        </label>
        <label>
          Budget (USD, optional)
          <input name="budget" type="number" min="0" step="0.01" inputMode="decimal" />
        </label>
        <label>
          Budget resets every
          <select name="reset">
            <option value="1M">month</option>
            <option value="1w">week</option>
            <option value="1d">day</option>
            <option value="1h">hour</option>
          </select>
        </label>
        <label>
          Budget mode
          <select name="mode">
            <option value="STRICT">strict (never overshoot)</option>
            <option value="SOFT">soft</option>
          </select>
        </label>
        <label>
          Requests per minute (optional)
          <input name="rpm" type="number" min="1" step="1" inputMode="numeric" />
        </label>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
    </div>
  );
}
