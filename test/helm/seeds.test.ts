/**
 * Every values block of the seed documents 000–003, given to the chart unchanged (see
 * seed-values/README.md): `helm lint --strict` passes, `helm template` renders manifests that are
 * valid Kubernetes objects and keep the chart's invariants (or the chart refuses the values with a
 * guard rail the README documents), and the rendered config.json loads with the env the pod gets
 * (or is refused by a documented config guard rail, with its message).
 *
 * Seeds 000 and 001: each ```yaml block is its own fixture, `<seed>-<block number>-<topic>.yaml`,
 * re-indented by hand (the captured seeds lost their indentation) and otherwise unchanged, which
 * the first test checks line by line. Blocks not committed as fixtures, because they are not chart
 * values on their own:
 * - 000 block 15 (`bedrock_key_config:` with `batch_s3_config`) and 000 block 24
 *   (`ollama_key_config:` plus `providerSecrets:`): pieces of one provider key entry, which have no
 *   place in a values file without inventing the key around them (batch_s3_config is covered by the
 *   merged test/fixtures/seed-values.yaml; an `env.` Ollama URL is not).
 * - The ```bash blocks (kubectl, helm commands) of both pages.
 * 000 block 14 is `providerSecrets:` shown without its parent; like every other providerSecrets
 * block of the page it belongs under `bifrost:`, where its fixture puts it.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, formatIssue } from '../../db/config/issues.ts';
import { validateConfig } from '../../db/config/load.ts';
import { fencedBlocks, seedDocument } from '../fixtures/seed-documents.ts';
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
 * Rendered configs the app refuses on purpose: seed 001's virtual keys "vk-testing-token" and
 * "vk-batch-token" are shorter than the 20 characters a virtual key needs (SECURITY.md). Every
 * issue reported must be that guard rail, so the rest of the block is still checked.
 */
const CONFIG_REFUSED: Record<string, RegExp> = {
  '001-06-virtual-keys.yaml':
    /^governance\.virtual_keys\[\d+\]\.value: a virtual key value needs at least 20 characters/,
};

/**
 * Fragments render on top of the chart defaults; those that name budgets, rate limits or teams
 * another block of the same page defines render together with that block, as the page's values
 * file grows. 000-13 renders with its continuation 000-14, the Secret its env refs come from.
 */
const WITH_BLOCKS: Record<string, string[]> = {
  '000-13-bedrock-assumerole.yaml': ['000-14-bedrock-assumerole-secrets.yaml'],
  '001-05-customers-teams.yaml': ['001-03-budgets.yaml', '001-04-rate-limits.yaml'],
  '001-06-virtual-keys.yaml': [
    '001-03-budgets.yaml',
    '001-04-rate-limits.yaml',
    '001-05-customers-teams.yaml',
  ],
  '001-07-model-configs.yaml': ['001-03-budgets.yaml', '001-04-rate-limits.yaml'],
  '001-08-provider-governance.yaml': ['001-03-budgets.yaml', '001-04-rate-limits.yaml'],
  '001-09-routing-rules.yaml': [
    '001-03-budgets.yaml',
    '001-04-rate-limits.yaml',
    '001-05-customers-teams.yaml',
  ],
};

/**
 * Blocks whose `env.VAR` references the seed backs by a Secret it assumes exists (created on an
 * earlier step, or left to the reader) get their variables from one Secret through extraEnvFrom,
 * holding SEED_ENV; so does seed-values.yaml, which merges the 000/001 blocks but keeps only one
 * of their providerSecrets entries.
 */
const ENV_FROM_SECRET = 'seed-provider-keys';
const ENV_FROM_ARGS = ['--set', `extraEnvFrom[0].secretRef.name=${ENV_FROM_SECRET}`];
const NEEDS_ENV_FROM = [
  'seed-values.yaml (000 + 001, merged)',
  '000-03-openai-network-config.yaml',
  '000-05-anthropic-beta-headers.yaml',
  '000-09-azure-multi-region.yaml',
  '000-22-other-api-key-providers.yaml',
  '000-27-huggingface-replicate.yaml',
];
const SECRET_CONTENTS: Record<string, Record<string, string>> = {
  [ENV_FROM_SECRET]: { ...SEED_ENV, ANTHROPIC_KEY_1: 'sk-ant-seed-primary-secret-llll' },
};

/** Seed blocks that are not chart values on their own (see the list at the top of this file). */
const SKIPPED_BLOCKS = ['000-15-', '000-24-'];

/** The issues of the ConfigError `load` throws, as printed ([] when it loads). */
function configIssues(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

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
    expect(SEEDS.length).toBeGreaterThanOrEqual(26 + 11 + 5 + 2 + 1 + 11);
  });

  it.each(['000', '001'])(
    'seed %s: every yaml block is a fixture, only re-indented (or a listed fragment)',
    (seed) => {
      const fixtures = readdirSync(SEED_DIR).filter((name) => name.startsWith(`${seed}-`));
      const lines = (text: string) =>
        text
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && line !== '|'); // 001 was captured with "|" between lines
      const blocks = fencedBlocks(seedDocument(seed), 'yaml');
      const committed = blocks.flatMap((block, i) => {
        const prefix = `${seed}-${String(i + 1).padStart(2, '0')}-`;
        if (SKIPPED_BLOCKS.includes(prefix)) return [];
        const fixture = fixtures.find((name) => name.startsWith(prefix));
        expect(fixture, `fixture ${prefix}*.yaml`).toBeDefined();
        const parent = fixture === '000-14-bedrock-assumerole-secrets.yaml' ? ['bifrost:'] : [];
        expect(lines(readFileSync(join(SEED_DIR, fixture!), 'utf8'))).toEqual([...parent, ...lines(block)]);
        return [fixture];
      });
      expect(committed.sort()).toEqual(fixtures.sort());
    },
  );

  it.each(SEEDS)('%s: lint --strict, render, Kubernetes schemas, invariants, config loads', (name, file) => {
    const args = [
      ...(WITH_BLOCKS[name] ?? []).flatMap((block) => ['-f', join(SEED_DIR, block)]),
      ...argsFor(file),
      ...(NEEDS_ENV_FROM.includes(name) ? ENV_FROM_ARGS : []),
    ];
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
      const refusal = CONFIG_REFUSED[name];
      if (!refusal) {
        expect(() => validateConfig(config, { env })).not.toThrow();
        continue;
      }
      const issues = configIssues(() => validateConfig(config, { env }));
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.filter((issue) => !refusal.test(issue))).toEqual([]);
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
