/**
 * Every values-examples/ file, and a few edge settings, through the real helm: `helm lint --strict`
 * passes, every rendered manifest is a valid Kubernetes object of its kind, and the chart's
 * invariants hold (see invariants.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envOf, heimdallWorkloads, violations } from './invariants.ts';
import { at, CHART, helm, ofKind, render, schemaErrors } from './render.ts';

const EXAMPLES = join(CHART, 'values-examples');
const CASES: Array<[string, string[]]> = [
  ...readdirSync(EXAMPLES)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name): [string, string[]] => [name, ['-f', join(EXAMPLES, name)]]),
  ['values.yaml defaults', ['--set', 'image.tag=0.1.0']],
  ['SQLite without persistence', ['--set', 'image.tag=0.1.0', '--set', 'storage.persistence.enabled=false']],
  [
    'SQLite on an existing claim',
    ['--set', 'image.tag=0.1.0', '--set', 'storage.persistence.existingClaim=old'],
  ],
  [
    'evaluation Postgres and Redis',
    [
      '--set',
      'image.tag=0.1.0',
      '--set',
      'storage.mode=postgres',
      '--set',
      'postgresql.enabled=true',
      '--set',
      'redis.enabled=true',
      '--set',
      'redis.embedded=true',
    ],
  ],
  [
    'a ServiceMonitor and a PDB',
    [
      '--set',
      'image.tag=0.1.0',
      '--set',
      'serviceMonitor.enabled=true',
      '--set',
      'podDisruptionBudget.enabled=true',
    ],
  ],
];

const serviceMonitorEnabled = (args: string[]) =>
  args.includes('serviceMonitor.enabled=true') ||
  args.some(
    (arg) => arg.endsWith('.yaml') && at(parse(readFileSync(arg, 'utf8')), 'serviceMonitor.enabled') === true,
  );

describe('Helm chart: examples and edge settings', () => {
  it.each(CASES)('%s: lint --strict, Kubernetes schemas, invariants', (_name, args) => {
    const lint = helm(['lint', '--strict', CHART, ...args]);
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
    const r = render(args);
    expect(r.stderr).toBe('');
    expect(schemaErrors(r.docs)).toEqual([]);
    expect(violations(r, serviceMonitorEnabled(args))).toEqual([]);
  });

  it('SQLite without persistence is a Deployment on an emptyDir; with it, a StatefulSet', () => {
    const demo = render(['--set', 'image.tag=0.1.0', '--set', 'storage.persistence.enabled=false']);
    expect(ofKind(demo, 'StatefulSet')).toHaveLength(0);
    expect(at(ofKind(demo, 'Deployment')[0], 'spec.replicas')).toBe(1);
    const kept = render(['--set', 'image.tag=0.1.0']);
    expect(ofKind(kept, 'StatefulSet')).toHaveLength(1);
    expect(ofKind(kept, 'Deployment')).toHaveLength(0);
  });

  it('secrets-from-k8s takes every secret from a secretKeyRef and renders no Secret itself', () => {
    const r = render(['-f', join(EXAMPLES, 'secrets-from-k8s.yaml')]);
    expect(ofKind(r, 'Secret')).toHaveLength(0);
    const env = envOf(heimdallWorkloads(r)[0]!);
    const literal = Object.entries(env)
      .filter(([, entry]) => entry.value !== undefined)
      .map(([name]) => name)
      .sort();
    // Only the chart's own settings and the password-less DATABASE_URL are literal values.
    expect(literal).toEqual([
      'DATABASE_URL',
      'HEIMDALL_CONFIG',
      'HEIMDALL_DATA_DIR',
      'HEIMDALL_SHUTDOWN_DELAY_SECONDS',
      'HEIMDALL_SHUTDOWN_GRACE_SECONDS',
      'LOG_LEVEL',
      'NODE_OPTIONS',
      'PORT',
    ]);
    for (const name of [
      'PGPASSWORD',
      'REDIS_URL',
      'HEIMDALL_ENCRYPTION_KEY',
      'HEIMDALL_ADMIN_PASSWORD',
      'OPENAI_API_KEY',
      'AZURE_ENDPOINT',
    ])
      expect(at(env[name], 'valueFrom.secretKeyRef'), name).toBeTruthy();
  });
});
