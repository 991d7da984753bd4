/**
 * Issue 13, acceptance: a config made of every values block of the seed documents (their
 * `bifrost:` subtrees merged, as Helm merges values files) starts with no error, and with one
 * warning per accepted-but-unsupported key (plus the notes on chart-only keys and generated key
 * names). Blocks come from the copied seeds where they still parse (002's pasted YAML, 004's
 * config.json); the others were re-indented by hand (seed-values.yaml, seed-cluster-values.yaml).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../db/config/load.ts';
import { fencedBlocks, pastedBlocks, seedDocument } from '../fixtures/seed-documents.ts';
import { SEED_ENV } from '../fixtures/seed-env.ts';
import { startHeimdallChild } from '../support/heimdall-process.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm-style merge of values: objects merge by key, lists (of keys, budgets…) add up. */
function merge(a: unknown, b: unknown): unknown {
  if (isObject(a) && isObject(b)) {
    const out: Json = { ...a };
    for (const [key, value] of Object.entries(b)) out[key] = key in out ? merge(out[key], value) : value;
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return b;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const yamlDocuments = (text: string) => parseAllDocuments(text).map((doc) => doc.toJS() as unknown);

/** Every seed values block, as `bifrost:` subtrees (config.json blocks are that subtree already). */
function seedBlocks(): unknown[] {
  const config004 = fencedBlocks(seedDocument('004'), 'json').map((block) =>
    // The network/proxy example elides its keys as `[...]`; they are the first block's.
    JSON.parse(block.replace('"keys": [...]', '"keys": []')),
  );
  const subtree = (values: unknown) => (isObject(values) ? values.bifrost : undefined);
  return [
    ...yamlDocuments(fixture('seed-values.yaml')).map(subtree), // 000, 001
    ...yamlDocuments(fixture('seed-cluster-values.yaml')).map(subtree), // 001, 003
    ...pastedBlocks(seedDocument('002'), /^bifrost:$/).flatMap((text) => yamlDocuments(text).map(subtree)),
    ...config004,
  ];
}

const ENV = {
  ...SEED_ENV,
  OPENAI_API_KEY: 'sk-seed-004-openai-secret',
  ANTHROPIC_API_KEY: 'sk-ant-seed-004-secret',
};

/** What start-up says about the merged file: each accepted key it does not act on, once. */
const EXPECTED_WARNINGS = [
  'access_profiles: not supported, ignored: access profiles are a Bifrost Enterprise feature',
  "client.initial_pool_size: not supported, ignored: it sizes Bifrost's Go object pools; Heimdall has none",
  'cluster: not supported, ignored: Bifrost Enterprise gossip clustering; Heimdall replicas share state through Postgres (and Redis)',
  'encryption_key_secret: used by the Helm chart only, ignored at runtime',
  'governance.providers[0].send_back_raw_request: not supported, ignored: raw provider requests are never returned',
  'governance.providers[0].send_back_raw_response: not supported, ignored: raw provider responses are never returned',
  'plugins[2] (telemetry): not supported, ignored: Heimdall serves Prometheus metrics at /metrics itself (no push gateway)',
  'provider_secrets: used by the Helm chart only, ignored at runtime',
  'providers.anthropic.keys[2].name: not set; named "anthropic-key-3" from the provider and position (set a name to keep it when keys are reordered)',
  'providers.bedrock.keys[0].bedrock_key_config.batch_s3_config: not supported, ignored: Heimdall has no Batch API',
  'providers.openai.keys[2].use_for_batch_api: not supported, ignored: Heimdall has no Batch API; the key serves normal traffic like the others',
  'providers.openai.keys[3].name: not set; named "openai-key-4" from the provider and position (set a name to keep it when keys are reordered)',
].sort();

describe('a config merged from every seed values block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-seed-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const merged = { bifrost: seedBlocks().reduce(merge, {}) };

  it('validates with one warning per accepted-but-unsupported key', () => {
    const { warnings } = validateConfig(structuredClone(merged), { env: ENV });
    expect([...warnings].sort()).toEqual(EXPECTED_WARNINGS);
  });

  it('starts with no error, logging exactly those warnings', async () => {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(merged));
    const heimdall = await startHeimdallChild({
      ...ENV,
      HEIMDALL_CONFIG: file,
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'seed-merge-test-encryption-key',
    });
    await heimdall.stop();
    const lines = heimdall
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    const configWarnings = lines
      .filter((line) => line.level === 'warn' && line.msg.startsWith('config: '))
      .map((line) => line.msg.slice('config: '.length));
    expect(configWarnings.sort()).toEqual(EXPECTED_WARNINGS);
  });
});
