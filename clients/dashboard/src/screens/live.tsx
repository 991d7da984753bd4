/**
 * A live tail of `requestLogged`: the last requests first, newest on top, with filters (key,
 * team, provider, model, status) and pause/resume. While paused, new rows wait in a buffer and
 * are shown on resume. A row opens its details: attempts, routing, tokens, cost, timings, error.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../context.ts';
import { clock, money, ms, number, when } from '../format.ts';
import { Empty, ErrorNote, Loading } from '../ui/parts.tsx';
import {
  DashboardLogsDocument,
  DashboardTailDocument,
  type DashboardLogsQuery,
  type DashboardTailSubscription,
} from '../generated/operations.ts';
import { useQuery } from '../ui/use-query.ts';

/** One row of the tail: the same fields from the first page and from the subscription. */
export type LogRow = DashboardTailSubscription['requestLogged'];

interface Filters {
  virtualKey: string;
  team: string;
  provider: string;
  model: string;
  status: '' | 'SUCCESS' | 'ERROR';
}

const KEEP = 200;
const list = (value: string) => (value.trim() ? [value.trim()] : undefined);

function spendFilter(f: Filters) {
  const filter = {
    virtualKeyIds: list(f.virtualKey),
    teamIds: list(f.team),
    providers: list(f.provider),
    models: list(f.model),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

export function Live() {
  const { api } = useSession();
  const [filters, setFilters] = useState<Filters>({
    virtualKey: '',
    team: '',
    provider: '',
    model: '',
    status: '',
  });
  const [paused, setPaused] = useState(false);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const buffer = useRef<LogRow[]>([]);
  const [buffered, setBuffered] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const filter = spendFilter(filters);
  const queryFilter = { ...filter, ...(filters.status ? { statuses: [filters.status] } : {}) };
  const key = JSON.stringify(queryFilter);
  const loaded = useQuery(DashboardLogsDocument, { filter: queryFilter }, key);

  useEffect(() => {
    buffer.current = [];
    setBuffered(0);
    return api.subscribe(DashboardTailDocument, { filter }, ({ requestLogged: row }) => {
      if (filters.status && row.status !== filters.status) return;
      if (pausedRef.current) {
        buffer.current = [row, ...buffer.current].slice(0, KEEP);
        setBuffered(buffer.current.length);
        return;
      }
      loaded.setData((current) => current && prepend(current, [row]));
    });
  }, [api, key]);

  const resume = () => {
    const rows = buffer.current;
    buffer.current = [];
    setBuffered(0);
    setPaused(false);
    loaded.setData((current) => current && prepend(current, rows));
  };
  const field = (name: keyof Filters, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        value={filters[name]}
        placeholder={placeholder}
        onChange={(event) => setFilters({ ...filters, [name]: (event.target as HTMLInputElement).value })}
      />
    </label>
  );
  const rows = loaded.data?.requestLogs.edges.map((edge) => edge.node) ?? [];
  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live requests</h2>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        {field('virtualKey', 'Virtual key id', 'any')}
        {field('team', 'Team id', 'any')}
        {field('provider', 'Provider', 'any')}
        {field('model', 'Model', 'any')}
        <label>
          Status
          <select
            value={filters.status}
            onChange={(event) =>
              setFilters({
                ...filters,
                status: (event.target as HTMLSelectElement).value as Filters['status'],
              })
            }
          >
            <option value="">any</option>
            <option value="SUCCESS">success</option>
            <option value="ERROR">error</option>
          </select>
        </label>
        <button type="button" onClick={() => (paused ? resume() : setPaused(true))} aria-pressed={paused}>
          {paused ? `Resume${buffered ? ` (${buffered} new)` : ''}` : 'Pause'}
        </button>
      </form>
      <ErrorNote error={loaded.error} />
      {!loaded.data && !loaded.error ? <Loading /> : null}
      {loaded.data && rows.length === 0 ? (
        <Empty title="No requests yet">
          Send an inference request through this gateway, e.g. <code>POST /v1/chat/completions</code> with a
          virtual key in <code>x-bf-vk</code>; it appears here as soon as it is logged.
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <table class="tail">
          <caption class="sr-only">Most recent requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Model</th>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                Cost
              </th>
              <th scope="col" class="num">
                Latency
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <Row
                key={row.id}
                row={row}
                open={open === row.id}
                toggle={() => setOpen(open === row.id ? undefined : row.id)}
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function prepend(current: DashboardLogsQuery, rows: LogRow[]): DashboardLogsQuery {
  const seen = new Set(rows.map((row) => row.id));
  const kept = current.requestLogs.edges.filter((edge) => !seen.has(edge.node.id));
  return { requestLogs: { edges: [...rows.map((node) => ({ node })), ...kept].slice(0, KEEP) } };
}

function Row(props: { row: LogRow; open: boolean; toggle(): void }) {
  const { row } = props;
  return (
    <>
      <tr class={row.status === 'ERROR' ? 'failed' : undefined} data-request={row.id}>
        <td>
          <button type="button" class="link" aria-expanded={props.open} onClick={props.toggle}>
            {clock(row.createdAt)}
          </button>
        </td>
        <td>
          {row.providerName}/{row.model}
        </td>
        <td>{row.virtualKeyId ?? '—'}</td>
        <td>
          <span class={`badge ${row.status === 'ERROR' ? 'danger' : 'ok'}`}>
            {row.statusCode ?? row.status}
          </span>
        </td>
        <td class="num">{number(row.inputTokens + row.outputTokens)}</td>
        <td class="num">{money(row.cost)}</td>
        <td class="num">{ms(row.latencyMs)}</td>
      </tr>
      {props.open ? (
        <tr class="details">
          <td colSpan={7}>
            <dl>
              <dt>Request id</dt>
              <dd>{row.id}</dd>
              <dt>At</dt>
              <dd>{when(row.createdAt)}</dd>
              <dt>Endpoint</dt>
              <dd>
                {row.endpoint ?? '—'}
                {row.stream ? ' (stream)' : ''}
              </dd>
              <dt>Provider key</dt>
              <dd>{row.providerKeyName ?? '—'}</dd>
              <dt>Attempts</dt>
              <dd>
                {row.retries + 1} ({row.retries} retries, fallback #{row.fallbackIndex})
              </dd>
              <dt>Routing rule</dt>
              <dd>{row.routingRuleId ?? 'none'}</dd>
              <dt>Team / customer</dt>
              <dd>
                {row.teamId ?? '—'} / {row.customerId ?? '—'}
              </dd>
              <dt>Tokens</dt>
              <dd>
                {number(row.inputTokens)} in ({number(row.cachedTokens)} cached), {number(row.outputTokens)}{' '}
                out
                {row.usageEstimated ? ' (estimated by the gateway)' : ''}
              </dd>
              <dt>Cost</dt>
              <dd>
                {row.unpriced ? 'unpriced model' : money(row.cost)} (price book {row.priceBookVersion ?? '—'})
              </dd>
              <dt>Latency / first token</dt>
              <dd>
                {ms(row.latencyMs)} / {ms(row.ttftMs)}
              </dd>
              <dt>Error</dt>
              <dd>{row.error ?? 'none'}</dd>
            </dl>
          </td>
        </tr>
      ) : null}
    </>
  );
}
