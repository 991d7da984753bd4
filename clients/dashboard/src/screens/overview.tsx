/**
 * Spend today, this calendar month and over the last 30 days (in the viewer's time zone),
 * requests, error rate and tokens; spend over time stacked by a chosen dimension; top spenders.
 * `spendUpdated` events trigger a refetch (at most one a second), so the figures move live.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useSession } from '../context.ts';
import { money, number, percent } from '../format.ts';
import { Empty, ErrorNote, Figure, Loading } from '../ui/parts.tsx';
import { StackedChart } from '../ui/stacked-chart.tsx';
import {
  DashboardOverviewDocument,
  DashboardSpendDocument,
  type DashboardOverviewQuery,
  type DashboardOverviewVariables,
} from '../generated/operations.ts';
import { useQuery } from '../ui/use-query.ts';

type Dimension = 'PROVIDER' | 'MODEL' | 'VIRTUAL_KEY' | 'TEAM';
type Range = '24h' | '7d' | '30d';

const RANGES: Record<Range, { hours: number; bucket: 'HOUR' | 'DAY'; label: string }> = {
  '24h': { hours: 24, bucket: 'HOUR', label: 'Last 24 hours' },
  '7d': { hours: 24 * 7, bucket: 'HOUR', label: 'Last 7 days' },
  '30d': { hours: 24 * 30, bucket: 'DAY', label: 'Last 30 days' },
};
const DIMENSIONS: Record<Dimension, { label: string; field: keyof UsagePoint }> = {
  PROVIDER: { label: 'Provider', field: 'provider' },
  MODEL: { label: 'Model', field: 'model' },
  VIRTUAL_KEY: { label: 'Virtual key', field: 'virtualKeyId' },
  TEAM: { label: 'Team', field: 'teamId' },
};

type UsagePoint = DashboardOverviewQuery['series'][number];

function variables(range: Range, dimension: Dimension): DashboardOverviewVariables {
  const now = new Date();
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const month = new Date(now.getFullYear(), now.getMonth(), 1);
  const hour = 3600_000;
  const to = new Date(Math.ceil(now.getTime() / hour) * hour);
  const { hours, bucket } = RANGES[range];
  return {
    today: today.toISOString(),
    month: month.toISOString(),
    since: new Date(now.getTime() - 30 * 24 * hour).toISOString(),
    from: new Date(to.getTime() - hours * hour).toISOString(),
    to: to.toISOString(),
    groupBy: [bucket, dimension],
  };
}

/** One series per dimension value over every bucket of the range (empty buckets are zero). */
function stack(points: UsagePoint[], dimension: Dimension, from: string, to: string, bucket: 'HOUR' | 'DAY') {
  const field = DIMENSIONS[dimension].field;
  const step = bucket === 'HOUR' ? 3600 : 86_400;
  const start = Math.floor(Date.parse(from) / 1000 / step) * step;
  const times: number[] = [];
  for (let t = start; t < Date.parse(to) / 1000; t += step) times.push(t);
  const byLabel = new Map<string, number[]>();
  for (const point of points) {
    const at = Math.floor(Date.parse(point.bucketStart ?? '') / 1000 / step) * step;
    const index = Math.round((at - start) / step);
    if (index < 0 || index >= times.length) continue;
    const label = String(point[field] ?? '(none)');
    const values = byLabel.get(label) ?? times.map(() => 0);
    values[index]! += point.cost;
    byLabel.set(label, values);
  }
  const series = [...byLabel].map(([label, values]) => ({ label, values }));
  series.sort((a, b) => b.values.reduce((s, v) => s + v, 0) - a.values.reduce((s, v) => s + v, 0));
  return { times, series };
}

export function Overview() {
  const { api } = useSession();
  const [range, setRange] = useState<Range>('24h');
  const [dimension, setDimension] = useState<Dimension>('PROVIDER');
  const [tick, setTick] = useState(0);
  const vars = useMemo(() => variables(range, dimension), [range, dimension, tick]);
  const loaded = useQuery(DashboardOverviewDocument, vars, JSON.stringify(vars));
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const stop = api.subscribe(DashboardSpendDocument, {}, () => {
      pending.current ??= setTimeout(() => {
        pending.current = undefined;
        setTick((n) => n + 1);
      }, 1000);
    });
    return () => {
      stop();
      clearTimeout(pending.current);
      pending.current = undefined;
    };
  }, [api]);
  const chart = useMemo(
    () =>
      loaded.data
        ? stack(loaded.data.series, dimension, vars.from, vars.to, RANGES[range].bucket)
        : undefined,
    [loaded.data, dimension],
  );

  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data || !chart) return <Loading />;
  const { today, month, last30 } = loaded.data;
  const top = [...loaded.data.topKeys].sort((a, b) => b.cost - a.cost).slice(0, 5);
  const topTeams = [...loaded.data.topTeams]
    .filter((t) => t.teamId)
    .sort((a, b) => b.cost - a.cost)
    .slice(0, 5);
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <div class="figures" data-testid="figures">
        <Figure label="Spend today" value={money(today.cost)} testId="spend-today" />
        <Figure label="This month" value={money(month.cost)} testId="spend-month" />
        <Figure label="Last 30 days" value={money(last30.cost)} testId="spend-30d" />
        <Figure label="Requests (30 days)" value={number(last30.count)} testId="requests" />
        <Figure
          label="Error rate (30 days)"
          value={last30.count ? percent(last30.errorCount / last30.count) : '—'}
          testId="error-rate"
        />
        <Figure label="Tokens (30 days)" value={number(last30.totalTokens)} testId="tokens" />
      </div>
      <div class="toolbar">
        <label>
          Range
          <select value={range} onChange={(e) => setRange((e.target as HTMLSelectElement).value as Range)}>
            {Object.entries(RANGES).map(([value, { label }]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          Stack by
          <select
            value={dimension}
            onChange={(e) => setDimension((e.target as HTMLSelectElement).value as Dimension)}
          >
            {Object.entries(DIMENSIONS).map(([value, { label }]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </label>
      </div>
      {chart.series.length === 0 ? (
        <Empty title="No spend in this range">
          Requests through the gateway show up here by {DIMENSIONS[dimension].label.toLowerCase()} once they
          are priced. Try a longer range, or send a request with a virtual key.
        </Empty>
      ) : (
        <StackedChart
          times={chart.times}
          series={chart.series}
          label={`Spend over time by ${DIMENSIONS[dimension].label}`}
        />
      )}
      <div class="columns">
        <TopList
          title="Top virtual keys (30 days)"
          rows={top.map((t) => [t.virtualKeyId ?? '(no key)', t.cost, t.requests])}
        />
        <TopList title="Top teams (30 days)" rows={topTeams.map((t) => [t.teamId!, t.cost, t.requests])} />
      </div>
    </section>
  );
}

function TopList(props: { title: string; rows: [string, number, number][] }) {
  return (
    <div>
      <h3>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p class="muted">Nothing spent yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">
                Spend
              </th>
              <th scope="col" class="num">
                Requests
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map(([name, cost, requests]) => (
              <tr key={name}>
                <td>{name}</td>
                <td class="num">{money(cost)}</td>
                <td class="num">{number(requests)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
