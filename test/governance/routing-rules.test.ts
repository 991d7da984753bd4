/**
 * The seed documents' routing rules route as stated: `model.startsWith('gpt-')` → azure with
 * fallback openai; `model == 'gpt-4o' && request_body.max_tokens > 4000` → groq (its own
 * priority — in the seed set the azure rule, priority 0, is evaluated first and wins for
 * gpt-4o); the team-scoped rule sends team-ml to bedrock, falling back to openai. Scope order
 * virtual_key → team → customer → global; CEL variables from headers and the body; an invalid
 * expression is reported with its position and never breaks routing.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeimdall } from '../../api/start.ts';
import { listRequestLogs } from '../../db/index.ts';
import { checkCelExpression } from '../../gateway/create-gateway.ts';
import { post, startStack, type Stack } from './support/stack.ts';
import { startUsageMock, type UsageMock } from './support/usage-mock.ts';

const SEED_RULES = [
  {
    id: 'route-gpt-to-azure',
    name: 'GPT → Azure',
    cel_expression: "model.startsWith('gpt-')",
    targets: [{ provider: 'azure', model: '', weight: 1 }],
    fallbacks: ['openai'],
    scope: 'global',
    priority: 0,
  },
  {
    id: 'route-heavy-to-groq',
    name: 'Large context → Groq',
    cel_expression: "model == 'gpt-4o' && request_body.max_tokens > 4000",
    targets: [{ provider: 'groq', model: 'llama-3.3-70b-versatile', weight: 1 }],
    fallbacks: ['openai'],
    scope: 'global',
    priority: 1,
  },
  {
    id: 'route-ml-team-bedrock',
    name: 'ML Team → Bedrock',
    cel_expression: 'true',
    targets: [{ provider: 'bedrock', model: '', weight: 1 }],
    fallbacks: ['openai'],
    scope: 'team',
    scope_id: 'team-ml',
    priority: 0,
  },
  {
    id: 'route-gold-tier',
    name: 'Gold callers → groq',
    cel_expression: "'x-tier' in headers && headers['x-tier'] == 'gold' && virtual_key_name == 'Gold'",
    targets: [{ provider: 'groq', model: 'llama-3.1-8b-instant', weight: 1 }],
    scope: 'virtual_key',
    scope_id: 'vk-gold',
    priority: 5,
  },
];

function config(mockUrl: string, rules: unknown[]) {
  const network = { network_config: { base_url: mockUrl } };
  return {
    client: { enable_logging: true },
    providers: {
      openai: { keys: [{ name: 'oa', value: 'sk-oa', models: ['*'] }], ...network },
      groq: { keys: [{ name: 'gq', value: 'gsk', models: ['*'] }], ...network },
      azure: {
        keys: [
          {
            name: 'az',
            value: 'az-key',
            models: ['*'],
            azure_key_config: {
              endpoint: mockUrl,
              api_version: '2024-10-21',
              deployments: { 'gpt-4o': 'gpt4o', 'gpt-4o-mini': 'mini' },
            },
          },
        ],
      },
      bedrock: {
        keys: [
          {
            name: 'br',
            value: '',
            models: ['*'],
            bedrock_key_config: { region: 'us-east-1', access_key: 'AKIATEST', secret_key: 'secret' },
          },
        ],
        ...network,
      },
    },
    governance: {
      customers: [{ id: 'acme', name: 'Acme' }],
      teams: [{ id: 'team-ml', name: 'ML Team', customer_id: 'acme' }],
      virtual_keys: [
        { id: 'vk-plain', name: 'Plain', value: 'vk-plain-secret-value-0001' },
        { id: 'vk-ml', name: 'ML', value: 'vk-ml-secret-value-0001', team_id: 'team-ml' },
        { id: 'vk-gold', name: 'Gold', value: 'vk-gold-secret-value-0001' },
      ],
      routing_rules: rules,
    },
  };
}

let mock: UsageMock;
let seed: Stack;
let groqOnly: Stack;

beforeAll(async () => {
  mock = await startUsageMock();
  seed = await startStack(config(mock.url, SEED_RULES));
  groqOnly = await startStack(config(mock.url, [SEED_RULES[1]]));
});

afterAll(async () => {
  await seed?.close();
  await groqOnly?.close();
  await mock?.close();
});

const ask = (stack: Stack, vk: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(stack.url, { messages: [{ role: 'user', content: 'hi' }], ...body }, { 'x-bf-vk': vk, ...headers });

async function lastLog(stack: Stack) {
  await stack.settle();
  return (await listRequestLogs(stack.database, { limit: 1 }))[0]!;
}

describe('seed routing rules', () => {
  it("model.startsWith('gpt-') goes to azure", async () => {
    mock.seen.length = 0;
    const reply = await ask(seed, 'vk-plain-secret-value-0001', { model: 'gpt-4o-mini' });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('x-heimdall-provider')).toBe('azure');
    expect(mock.seen[0]!.path).toContain('/openai/deployments/mini/chat/completions');
    expect(await lastLog(seed)).toMatchObject({
      provider: 'azure',
      routingRuleId: 'route-gpt-to-azure',
      fallbackIndex: 0,
    });
  });

  it('…and falls back to openai when azure fails', async () => {
    const reply = await ask(seed, 'vk-plain-secret-value-0001', {
      model: 'gpt-4o',
      mock: { fault: 'status:503', fault_path: '/openai/deployments' },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('x-heimdall-provider')).toBe('openai');
    expect(await lastLog(seed)).toMatchObject({
      provider: 'openai',
      routingRuleId: 'route-gpt-to-azure',
      fallbackIndex: 1,
    });
  });

  it('priority decides: for gpt-4o with max_tokens > 4000 the azure rule (0) is evaluated before groq (1)', async () => {
    const reply = await ask(seed, 'vk-plain-secret-value-0001', { model: 'gpt-4o', max_tokens: 5000 });
    expect(reply.headers.get('x-heimdall-provider')).toBe('azure');
  });

  it("model == 'gpt-4o' && request_body.max_tokens > 4000 goes to groq's llama", async () => {
    mock.seen.length = 0;
    const heavy = await ask(groqOnly, 'vk-plain-secret-value-0001', {
      model: 'openai/gpt-4o',
      max_tokens: 5000,
    });
    expect(heavy.headers.get('x-heimdall-provider')).toBe('groq');
    expect(mock.seen.at(-1)!.model).toBe('llama-3.3-70b-versatile');
    const light = await ask(groqOnly, 'vk-plain-secret-value-0001', {
      model: 'openai/gpt-4o',
      max_tokens: 100,
    });
    expect(light.headers.get('x-heimdall-provider')).toBe('openai');
    const none = await ask(groqOnly, 'vk-plain-secret-value-0001', { model: 'openai/gpt-4o' });
    expect(none.headers.get('x-heimdall-provider')).toBe('openai');
  });

  it('the team-scoped rule sends team-ml to bedrock (before global rules), falling back to openai', async () => {
    mock.seen.length = 0;
    const reply = await ask(seed, 'vk-ml-secret-value-0001', { model: 'gpt-4o' });
    expect(reply.status, reply.text).toBe(200);
    expect(mock.seen[0]!.path).toContain('/model/');
    expect(reply.headers.get('x-heimdall-provider')).toBe('bedrock');
    expect(await lastLog(seed)).toMatchObject({
      provider: 'bedrock',
      routingRuleId: 'route-ml-team-bedrock',
      teamId: 'team-ml',
      customerId: 'acme',
    });
    mock.failPaths.set('/model/', 503);
    const failing = await ask(seed, 'vk-ml-secret-value-0001', { model: 'gpt-4o' });
    mock.failPaths.clear();
    expect(failing.headers.get('x-heimdall-provider')).toBe('openai');
    expect(await lastLog(seed)).toMatchObject({ routingRuleId: 'route-ml-team-bedrock', fallbackIndex: 1 });
  });

  it('a virtual-key rule reads lower-cased headers and the key name', async () => {
    const gold = await ask(seed, 'vk-gold-secret-value-0001', { model: 'gpt-4o' }, { 'X-Tier': 'gold' });
    expect(gold.headers.get('x-heimdall-provider')).toBe('groq');
    const plain = await ask(seed, 'vk-gold-secret-value-0001', { model: 'gpt-4o' });
    expect(plain.headers.get('x-heimdall-provider')).toBe('azure');
  });
});

describe('CEL validation', () => {
  it('reports an invalid expression with its position', () => {
    expect(checkCelExpression("model.startsWith('gpt-')")).toBeUndefined();
    expect(checkCelExpression('request_body.max_tokens > 4000 && headers["x"] == "y"')).toBeUndefined();
    expect(checkCelExpression("model.startsWith('gpt-'")).toMatchObject({ position: 23 });
    expect(checkCelExpression('model + 1')).toMatchObject({
      message: expect.stringContaining('no such overload'),
    });
    expect(checkCelExpression('unknown_variable == 1')?.message).toContain('unknown_variable');
    expect(checkCelExpression('model')?.message).toContain('bool');
  });

  it('a stored invalid rule is skipped; the rest still route', async () => {
    const stack = await startStack(
      config(mock.url, [
        { ...SEED_RULES[0], id: 'broken', cel_expression: 'model.startsWith(', priority: -1 },
        SEED_RULES[0],
      ]),
    );
    try {
      const reply = await ask(stack, 'vk-plain-secret-value-0001', { model: 'gpt-4o' });
      expect(reply.headers.get('x-heimdall-provider')).toBe('azure');
    } finally {
      await stack.close();
    }
  });
});

describe('config file', () => {
  it('an invalid CEL expression stops start-up with its path and position, before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-cel-'));
    const file = join(dir, 'config.json');
    const bad = { ...SEED_RULES[0], cel_expression: "model.startsWith('gpt-'" };
    writeFileSync(file, JSON.stringify({ governance: { routing_rules: [SEED_RULES[1], bad] } }));
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      debug: () => undefined,
    };
    try {
      await expect(
        startHeimdall({
          env: { HEIMDALL_CONFIG: file, HEIMDALL_DATA_DIR: dir },
          cwd: dir,
          logger: logger as never,
          port: 0,
        }),
      ).rejects.toThrow(
        /governance\.routing_rules\[1\]\.cel_expression: invalid CEL expression at position 23/,
      );
      expect(existsSync(join(dir, 'heimdall.db'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
