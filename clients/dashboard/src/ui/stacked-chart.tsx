/**
 * A stacked area chart with uPlot: each series is drawn as the running sum of the series below
 * it, largest first so the smaller areas paint over it; the legend shows each series' own value.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { money } from '../format.ts';

export interface StackedSeries {
  label: string;
  values: number[];
}

const COLORS = ['#1f4fd1', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#0b7285', '#e67700', '#5c940d'];

export function StackedChart(props: { times: number[]; series: StackedSeries[]; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const sums: number[][] = [];
    props.series.forEach((series, i) =>
      sums.push(series.values.map((value, t) => value + (i > 0 ? sums[i - 1]![t]! : 0))),
    );
    const order = props.series.map((_, i) => i).reverse();
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 260,
        series: [
          {},
          ...order.map((i) => ({
            label: props.series[i]!.label,
            stroke: COLORS[i % COLORS.length],
            fill: `${COLORS[i % COLORS.length]}55`,
            value: (_u: uPlot, _v: number, _s: number, idx: number | null) =>
              idx == null ? '—' : money(props.series[i]!.values[idx] ?? 0),
          })),
        ],
        axes: [{}, { values: (_u, ticks) => ticks.map((tick) => money(tick)), size: 90 }],
      },
      [props.times, ...order.map((i) => sums[i]!)],
      element,
    );
    const resize = () => chart.setSize({ width: Math.max(280, element.clientWidth), height: 260 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.destroy();
    };
  }, [props.times, props.series]);
  return <div ref={host} class="chart" role="img" aria-label={props.label} />;
}
