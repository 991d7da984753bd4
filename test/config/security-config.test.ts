/**
 * Config validation under hostile or careless input (issue 11, Low): custom providers based on
 * themselves or on each other, YAML alias bombs, and messages that never show a secret's value.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../db/config/issues.ts';
import { loadConfigFile, validateConfig } from '../../db/config/load.ts';
import { runToExit } from '../support/heimdall-process.ts';

function issuesOf(work: () => unknown): ConfigIssue[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const custom = (base?: string) => ({
  network_config: { base_url: 'http://127.0.0.1:9/v1' },
  ...(base === undefined ? {} : { custom_provider_config: { base_provider_type: base } }),
});

describe('custom providers name a built-in base', () => {
  it('refuses a custom provider based on itself, naming its path', () => {
    const issues = issuesOf(() => validateConfig({ providers: { loop: custom('loop') } }, { env: {} }));
    expect(issues).toEqual([
      {
        path: 'providers.loop.custom_provider_config.base_provider_type',
        message: expect.stringMatching(
          /cannot be based on itself or on another custom provider, got "loop"$/,
        ),
      },
    ]);
  });

  it('refuses custom providers based on each other (a cycle)', () => {
    const issues = issuesOf(() =>
      validateConfig({ providers: { a: custom('b'), b: custom('a') } }, { env: {} }),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'providers.a.custom_provider_config.base_provider_type',
      'providers.b.custom_provider_config.base_provider_type',
    ]);
  });

  it('accepts a built-in base or none', () => {
    const { config } = validateConfig(
      { providers: { plain: custom(), claude: custom('anthropic'), groq2: custom('groq') } },
      { env: {} },
    );
    expect(Object.keys(config.providers)).toEqual(['plain', 'claude', 'groq2']);
  });
});

const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => {
    const prev = 'abcdefgh'[i];
    return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

describe('YAML alias bombs', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'heimdall-yaml-')), 'config.yaml');
  writeFileSync(file, BILLION_LAUGHS);

  it('are a config error naming the file and the line where aliases start to multiply', () => {
    const issues = issuesOf(() => loadConfigFile(file, {}));
    expect(issues).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^invalid YAML at line 3, column 8: aliases expand past 100/),
      },
    ]);
  });

  it('stop start-up with the config message, not "start-up failed"', async () => {
    const { code, output } = await runToExit({
      HEIMDALL_CONFIG: file,
      HEIMDALL_DATA_DIR: join(file, '..', 'data'),
    });
    expect(code).toBe(1);
    expect(output).toContain(`heimdall: ${file} is invalid:\n  - invalid YAML at line 3, column 8`);
    expect(output).not.toContain('start-up failed');
  });

  it('leave a few ordinary aliases alone', () => {
    const text = 'budgets: &b []\ngovernance:\n  budgets: *b\n  rate_limits: *b\n';
    writeFileSync(`${file}.ok.yaml`, text);
    expect(loadConfigFile(`${file}.ok.yaml`, {}).config.governance.budgets).toEqual([]);
  });
});

describe('config errors never show a secret value', () => {
  const SECRET = 'sk-live-0123456789';
  const messagesFor = (document: unknown) => issuesOf(() => validateConfig(document, { env: {} }));

  it.each([
    ['encryption_key', { encryption_key: 4242424242 }],
    [
      'providers.openai.keys[0].value',
      { providers: { openai: { keys: [{ name: 'a', value: 4242424242 }] } } },
    ],
    ['providers.openai.keys', { providers: { openai: { keys: SECRET } } }],
    ['providers.openai.keys[0]', { providers: { openai: { keys: [SECRET] } } }],
    [
      'providers.bedrock.keys[0].bedrock_key_config',
      { providers: { bedrock: { keys: [{ name: 'a', value: 'x', bedrock_key_config: SECRET }] } } },
    ],
    [
      'providers.openai.network_config.extra_headers.authorization',
      {
        providers: { openai: { keys: [], network_config: { extra_headers: { authorization: 4242424242 } } } },
      },
    ],
    [
      'governance.auth_config.admin_password',
      { governance: { auth_config: { admin_password: 4242424242 } } },
    ],
    [
      'governance.virtual_keys[0].value',
      { governance: { virtual_keys: [{ id: 'v', name: 'v', value: 4242424242 }] } },
    ],
    [
      'config_store.config.password',
      { config_store: { type: 'postgres', config: { password: 4242424242 } } },
    ],
  ])('%s: names the path and the expected shape, not the value', (path, document) => {
    const issues = messagesFor(document);
    const issue = issues.find((i) => i.path === path);
    expect(issue?.message).toMatch(/expected .*, got a (string|number) \(not shown: it may be a secret\)$/);
    expect(JSON.stringify(issues)).not.toMatch(/4242424242|sk-live/);
  });

  it('still shows a non-secret value, as the README example does', () => {
    const issues = messagesFor({
      providers: { openai: { keys: [{ name: 'a', value: 'x', weight: 'two' }] } },
    });
    expect(issues).toContainEqual({
      path: 'providers.openai.keys[0].weight',
      message: 'expected a number ≥ 0, got "two"',
    });
  });

  it("leaves out JSON.parse's excerpt of the file, which may be part of a secret", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'heimdall-json-')), 'config.json');
    writeFileSync(file, `{\n  "encryption_key": ${SECRET}\n}`);
    const issues = issuesOf(() => loadConfigFile(file, {}));
    expect(issues).toEqual([{ path: '', message: "invalid JSON: Unexpected token 's'" }]);
    writeFileSync(file, `{\n  "encryption_key": "${SECRET}" "x": 1\n}`);
    expect(issuesOf(() => loadConfigFile(file, {}))).toEqual([
      { path: '', message: "invalid JSON at line 2, column 42: Expected ',' or '}' after property value" },
    ]);
  });
});
