/**
 * The chart's termination budget holds for the default values and every shipped example:
 * Kubernetes counts terminationGracePeriodSeconds from the start of the preStop hook, so it must
 * cover the preStop sleep + shutdown.delaySeconds (still serving after SIGTERM) +
 * shutdown.graceSeconds (streams finishing); otherwise pods are killed mid-stream. The template
 * itself refuses delay + grace above the period (checked when a helm binary renders it, in
 * test/helm/values.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const CHART = new URL('../../helm/heimdall/', import.meta.url).pathname;
type Values = Record<string, unknown>;
const read = (file: string) => parse(readFileSync(file, 'utf8')) as Values;
const DEFAULTS = read(join(CHART, 'values.yaml'));

/** Seconds of a `sh -c 'sleep N'` preStop hook; 0 without one. */
function preStopSleep(values: Values): number {
  const lifecycle = values.lifecycle as { preStop?: { exec?: { command?: string[] } } } | undefined;
  const script = lifecycle?.preStop?.exec?.command?.join(' ') ?? '';
  return Number(/sleep (\d+)/.exec(script)?.[1] ?? 0);
}

const CASES: Array<[string, Values]> = [
  ['values.yaml', DEFAULTS],
  ...readdirSync(join(CHART, 'values-examples'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name): [string, Values] => [name, { ...DEFAULTS, ...read(join(CHART, 'values-examples', name)) }]),
];

describe('chart termination budget', () => {
  it('defaults: 5 s delay, 40 s grace, 15 s preStop within the 60 s period', () => {
    expect(DEFAULTS.shutdown).toEqual({ delaySeconds: 5, graceSeconds: 40 });
    expect(preStopSleep(DEFAULTS)).toBe(15);
    expect(DEFAULTS.terminationGracePeriodSeconds).toBe(60);
  });

  it.each(CASES)('%s: terminationGracePeriodSeconds ≥ preStop + delay + grace', (_name, values) => {
    const shutdown = values.shutdown as { delaySeconds: number; graceSeconds: number };
    const needed = preStopSleep(values) + shutdown.delaySeconds + shutdown.graceSeconds;
    expect(Number(values.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(needed);
  });

  it('the pod gets the settings as HEIMDALL_SHUTDOWN_DELAY_SECONDS / _GRACE_SECONDS', () => {
    const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    expect(helpers).toMatch(/name: HEIMDALL_SHUTDOWN_DELAY_SECONDS\n\s+value: \{\{ \.delaySeconds/);
    expect(helpers).toMatch(/name: HEIMDALL_SHUTDOWN_GRACE_SECONDS\n\s+value: \{\{ \.graceSeconds/);
  });
});
