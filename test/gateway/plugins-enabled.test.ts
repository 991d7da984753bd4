/**
 * Issue 13, item 5: the built-in plugins' `enabled` flags, as Bifrost has them. With `logging`
 * disabled no request-log row is stored; with `governance` disabled virtual keys are neither
 * required nor applied (no allow-list, no budget). Both against Heimdall as `npm start` runs it,
 * and both follow a plugin toggled through GraphQL on the next request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger.ts';
import { startHeimdall, type RunningHeimdall } from '../../api/start.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';

const VK = 'vk-plugins-test-secret-token';
const dirs: string[] = [];

function config(mockUrl: string, plugins: unknown[]) {
  return {
    client: { enable_logging: true },
    providers: {
      openai: {
        keys: [{ name: 'main', value: 'sk-plugins-test', models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    plugins,
    governance: {
      // A spent budget: any request charged to it is refused.
      budgets: [{ id: 'budget-none', max_limit: 0, reset_duration: '1d' }],
      virtual_keys: [
        {
          id: 'vk-mini-only',
          name: 'Mini only',
          value: VK,
          budget_id: 'budget-none',
          provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o-mini'] }],
        },
      ],
    },
  };
}

async function start(mockUrl: string, plugins: unknown[]): Promise<RunningHeimdall> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-plugins-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(mockUrl, plugins)));
  return startHeimdall({
    logger: createLogger('error', () => undefined),
    port: 0,
    host: '127.0.0.1',
    cwd: dir,
    env: {
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'plugins-test-key',
    },
  });
}

async function chat(url: string, model: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function graphql<T>(url: string, query: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const loggedModels = async (url: string) =>
  (
    await graphql<{ requestLogs: { edges: Array<{ node: { model: string } }> } }>(
      url,
      '{ requestLogs(first: 50) { edges { node { model } } } }',
    )
  ).requestLogs.edges.map((edge) => edge.node.model);

/** Waits (bounded) until a log row for `model` is stored; rows are written in request order. */
async function untilLogged(url: string, model: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const models = await loggedModels(url);
    if (models.includes(model)) return models;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no request log for ${model}`);
}

const setPlugin = (url: string, name: string, enabled: boolean) =>
  graphql(
    url,
    `mutation { updatePluginConfig(id: "${name}", patch: { enabled: ${enabled} }) { __typename } }`,
  );

describe('plugin enabled flags', () => {
  let mock: OpenAIMock;
  let heimdall: RunningHeimdall | undefined;

  beforeAll(async () => {
    mock = await startOpenAIMock();
  });
  afterEach(async () => {
    await heimdall?.stop();
    heimdall = undefined;
  });
  afterAll(async () => {
    await mock.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('stores no request logs while the logging plugin is disabled', async () => {
    heimdall = await start(mock.url, [{ name: 'logging', enabled: false }]);
    expect(await chat(heimdall.url, 'openai/gpt-4o')).toBe(200);
    // Re-enabled: the next request is logged, and (logs are queued in order) the first is not.
    await setPlugin(heimdall.url, 'logging', true);
    let models: string[] = [];
    await untilReloaded(heimdall.url, async () => {
      expect(await chat(heimdall!.url, 'openai/gpt-4o-mini')).toBe(200);
      models = await loggedModels(heimdall!.url);
      return models.includes('gpt-4o-mini');
    });
    expect(models).not.toContain('gpt-4o');
  });

  it('does not enforce virtual keys while the governance plugin is disabled', async () => {
    heimdall = await start(mock.url, [
      { name: 'governance', enabled: false, config: { is_vk_mandatory: true } },
    ]);
    // No key though one is mandatory; a model outside the key's allow-list; a spent budget.
    expect(await chat(heimdall.url, 'openai/gpt-4o')).toBe(200);
    expect(await chat(heimdall.url, 'openai/gpt-4o', { 'x-bf-vk': VK })).toBe(200);
    expect(await chat(heimdall.url, 'openai/gpt-4o-mini', { authorization: `Bearer ${VK}` })).toBe(200);

    // Enabled again through the API: the same requests are refused.
    await setPlugin(heimdall.url, 'governance', true);
    await untilReloaded(heimdall.url, async () => (await chat(heimdall!.url, 'openai/gpt-4o')) === 401);
    expect(await chat(heimdall.url, 'openai/gpt-4o', { 'x-bf-vk': VK })).toBe(403);
    expect(await chat(heimdall.url, 'openai/gpt-4o-mini', { 'x-bf-vk': VK })).toBe(402);
  });

  it('keeps both plugins on when the config does not list them', async () => {
    heimdall = await start(mock.url, []);
    expect(await chat(heimdall.url, 'openai/gpt-4o', { 'x-bf-vk': VK })).toBe(403);
    expect(await chat(heimdall.url, 'openai/gpt-4o')).toBe(200);
    await untilLogged(heimdall.url, 'gpt-4o');
  });
});

/** A config change reaches the gateway asynchronously: retry a probe (bounded) until it holds. */
async function untilReloaded(url: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}: the configuration change never took effect`);
}
