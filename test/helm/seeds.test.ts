/**
 * Every values block of the seed documents 000–003, given to the chart unchanged (see
 * seed-values/README.md): `helm lint --strict` passes, `helm template` renders manifests that are
 * valid Kubernetes objects and keep the chart's invariants (or the chart refuses the values with a
 * guard rail the README documents), and the rendered config.json loads with the env the pod gets.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../db/config/load.ts';
import { SEED_ENV } from '../fixtures/seed-env.ts';
import { envOf, heimdallWorkloads, violations } from './invariants.ts';
import { at, CHART, helm, isObject, ofKind, render, schemaErrors, type Json } from './render.ts';

const HERE = new URL('./', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const SEED_DIR = join(HERE, 'seed-values');

/** The re-indented seed-cluster-values.yaml holds one values block per YAML document. */
function clusterBlocks(): Array<[string, string]> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-seed-cluster-'));
  const text = readFileSync(join(FIXTURES, 'seed-cluster-values.yaml'), 'utf8');
  return text.split(/^---$/m).map((block, i): [string, string] => {
    const title = /^# (00\d.*)$/m.exec(block)?.[1] ?? `block ${i}`;
    const file = join(dir, `block-${i}.yaml`);
    writeFileSync(file, block);
    return [`seed-cluster-values.yaml: ${title}`, file];
  });
}

const SEEDS: Array<[string, string]> = [
  ...readdirSync(SEED_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name): [string, string] => [name, join(SEED_DIR, name)]),
  ['seed-values.yaml (000 + 001, merged)', join(FIXTURES, 'seed-values.yaml')],
  ...clusterBlocks(),
];

/** Values the chart refuses on purpose, with the guard rail's message (README: "Guard rails"). */
const REFUSED: Record<string, string> = {
  '002-02.yaml': 'autoscaling.enabled with storage.mode=sqlite',
};

/**
 * seed-values.yaml merges the 000/001 blocks but keeps only one of their providerSecrets entries;
 * the others' variables reach the pod from one Secret through extraEnvFrom (holding SEED_ENV).
 */
const ENV_FROM_SECRET = 'seed-provider-keys';
const EXTRA_ARGS: Record<string, string[]> = {
  'seed-values.yaml (000 + 001, merged)': ['--set', `extraEnvFrom[0].secretRef.name=${ENV_FROM_SECRET}`],
};
const SECRET_CONTENTS: Record<string, Record<string, string>> = { [ENV_FROM_SECRET]: SEED_ENV };

const readValues = (file: string): Json => {
  const value: unknown = parse(readFileSync(file, 'utf8'));
  return isObject(value) ? value : {};
};

/** Blocks that are fragments of a larger file carry no image tag; the test pins one for them. */
const argsFor = (file: string) => [
  '-f',
  file,
  ...(at(readValues(file), 'image.tag') ? [] : ['--set', 'image.tag=0.1.0']),
];

describe('Helm chart: the seed documents’ values', () => {
  it('covers every seed block there is', () => {
    expect(SEEDS.length).toBeGreaterThanOrEqual(5 + 2 + 1 + 11);
  });

  it.each(SEEDS)('%s: lint --strict, render, Kubernetes schemas, invariants, config loads', (name, file) => {
    const args = [...argsFor(file), ...(EXTRA_ARGS[name] ?? [])];
    const r = render(args, CHART, 'bifrost');
    const refusal = REFUSED[name];
    if (refusal) {
      expect(r.ok).toBe(false);
      expect(r.stderr).toContain(refusal);
      return;
    }
    expect(r.stderr).toBe('');
    const lint = helm(['lint', '--strict', CHART, ...args]);
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
    expect(schemaErrors(r.docs)).toEqual([]);
    expect(violations(r, at(readValues(file), 'serviceMonitor.enabled') === true)).toEqual([]);
    for (const workload of heimdallWorkloads(r)) {
      // The env the pod gets: envFrom Secrets' keys, then literal values as rendered and
      // secretKeyRef entries as stand-in values.
      const envFrom = (at(workload, 'spec.template.spec.containers') as Json[])[0]!.envFrom as
        Json[] | undefined;
      const env: Record<string, string> = Object.assign(
        {},
        ...(envFrom ?? []).map((source) => SECRET_CONTENTS[String(at(source, 'secretRef.name'))] ?? {}),
        Object.fromEntries(
          Object.entries(envOf(workload)).map(([key, entry]) => [
            key,
            typeof entry.value === 'string' ? entry.value : `from-a-kubernetes-secret-${key}`,
          ]),
        ),
      );
      const configMap = ofKind(r, 'ConfigMap')[0]!;
      const config: unknown = JSON.parse(String((configMap.data as Json)['config.json']));
      expect(() => validateConfig(config, { env })).not.toThrow();
    }
  });

  it('the HA values spread the pods by their own selector, under the names Bifrost runbooks use', () => {
    const r = render(['-f', join(SEED_DIR, '003-ha-production-values.yaml')], CHART, 'bifrost');
    const deployment = ofKind(r, 'Deployment')[0]!;
    expect(at(deployment, 'metadata.name')).toBe('bifrost'); // kubectl ... deployment/bifrost
    expect(ofKind(r, 'Service').map((s) => at(s, 'metadata.name'))).toContain('bifrost'); // svc/bifrost
    expect(at(ofKind(r, 'HorizontalPodAutoscaler')[0], 'metadata.name')).toBe('bifrost'); // kubectl get hpa bifrost
    const labels = at(deployment, 'spec.template.metadata.labels') as Json;
    expect(labels['app.kubernetes.io/name']).toBe('bifrost'); // the anti-affinity's matchLabels
  });
});
