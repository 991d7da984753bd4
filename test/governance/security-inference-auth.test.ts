/**
 * Issue 11, medium 7: admin auth on inference (Bifrost's `disable_auth_on_inference: false`).
 * The gateway half (a snapshot with `inference_auth_required`, an injected admin check) in front
 * of the loopback OpenAI mock, and the api half (the cached admin-credential check, the
 * start-up warning) on their own.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewaySnapshot } from '../../clients/contract/snapshot.ts';
import {
  createAdminCredentialCheck,
  inferenceAuthRequired,
  warnIfInferenceOpen,
} from '../../api/inference-auth.ts';
import type { Logger } from '../../api/logger.ts';
import { createGateway, type Gateway } from '../../gateway/create-gateway.ts';
import {
  chatBody,
  errorOf,
  FakeControlPlane,
  key,
  postJson,
  provider,
  snapshotOf,
} from '../gateway/harness.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';

const VK = 'sk-bf-inference-auth-test-key-0001';
const ADMIN_TOKEN = 'hd_admin-token-for-inference';

function snapshot(mockUrl: string, extra: Partial<GatewaySnapshot> = {}, client = {}): GatewaySnapshot {
  const base = snapshotOf({
    providers: [provider('openai', mockUrl, [key({ value: 'sk-operator' })])],
    client,
  });
  base.governance.virtual_keys = [
    {
      id: 'vk-1',
      name: 'one',
      valueHash: createHash('sha256').update(VK).digest('hex'),
      is_active: true,
      provider_configs: [],
    },
  ];
  return { ...base, inference_auth_required: true, ...extra };
}

interface Running {
  url: string;
  gateway: Gateway;
  checks: number;
  close(): Promise<void>;
}

/** The admin check as a test double: `hd_admin…` Bearer is the admin; `fail` rejects. */
async function start(snap: GatewaySnapshot, withCheck = true): Promise<Running> {
  const running = { checks: 0 } as Running;
  const check = (req: IncomingMessage) => {
    running.checks++;
    const header = req.headers.authorization ?? '';
    if (header === 'Bearer fail') return Promise.reject(new Error('database down'));
    return Promise.resolve(header === `Bearer ${ADMIN_TOKEN}`);
  };
  const gateway = await createGateway({
    controlPlane: new FakeControlPlane(snap),
    ...(withCheck ? { adminCredentials: check } : {}),
  });
  const server = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  running.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  running.gateway = gateway;
  running.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await gateway.close();
  };
  return running;
}

const chat = (gw: Running, headers: Record<string, string> = {}) =>
  postJson(`${gw.url}/v1/chat/completions`, chatBody('openai/gpt-4o-mini'), headers);

let mock: OpenAIMock;
beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterAll(async () => {
  await mock.close();
});

describe('inference when admin auth covers it', () => {
  let gw: Running;
  beforeAll(async () => {
    gw = await start(snapshot(mock.url, {}, { allow_direct_keys: true }));
  });
  afterAll(() => gw.close());

  it('refuses a caller without credentials with 401 in the OpenAI envelope, naming both ways in', async () => {
    const reply = await chat(gw);
    expect(reply.status).toBe(401);
    const error = errorOf(reply);
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ type: 'authentication_error', code: 'credentials_required', param: null });
    expect(error.message).toMatch(/virtual key.*admin/);
  });

  it('serves a virtual key without asking the admin check', async () => {
    const before = gw.checks;
    expect((await chat(gw, { 'x-bf-vk': VK })).status).toBe(200);
    expect((await chat(gw, { authorization: `Bearer ${VK}` })).status).toBe(200);
    expect(gw.checks).toBe(before);
  });

  it('serves admin credentials, and never forwards them to the provider as a direct key', async () => {
    mock.reset();
    expect((await chat(gw, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    expect(mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-operator');
  });

  it('refuses credentials the check rejects (401 invalid_credentials) and a provider key alone', async () => {
    const wrong = await chat(gw, { authorization: 'Basic YWRtaW46bm9wZQ==' });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('invalid_credentials');
    // allow_direct_keys is on, yet a provider key is no credential of Heimdall's.
    expect((await chat(gw, { 'x-api-key': 'sk-my-own-provider-key' })).status).toBe(401);
  });

  it('answers 503 when the credentials cannot be checked', async () => {
    const reply = await chat(gw, { authorization: 'Bearer fail' });
    expect(reply.status).toBe(503);
    expect(errorOf(reply).code).toBe('credentials_unverifiable');
  });

  it('guards GET /v1/models and the Anthropic route the same way', async () => {
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${gw.url}/v1/models`, { headers: { 'x-bf-vk': VK } })).status).toBe(200);
    const anthropic = await postJson(`${gw.url}/anthropic/v1/messages`, {
      model: 'openai/gpt-4o-mini',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(anthropic.status).toBe(401);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('reports that inference does not accept anonymous callers', () => {
    expect(gw.gateway.acceptsAnonymousInference()).toBe(false);
  });
});

describe('inference auth variants', () => {
  it('accepts only virtual keys on a gateway without an admin check (split from its control plane)', async () => {
    const gw = await start(snapshot(mock.url), false);
    try {
      const reply = await chat(gw, { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(reply.status).toBe(401);
      expect(errorOf(reply).message).toMatch(/cannot check admin credentials/);
      expect((await chat(gw, { 'x-bf-vk': VK })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('keeps virtual keys mandatory over admin credentials, without running the check', async () => {
    const gw = await start(snapshot(mock.url, {}, { enforce_auth_on_inference: true }));
    try {
      const reply = await chat(gw, { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(reply.status).toBe(401);
      expect(errorOf(reply).code).toBe('virtual_key_required');
      expect(gw.checks).toBe(0);
    } finally {
      await gw.close();
    }
  });

  it('serves anonymous callers when admin auth does not cover inference', async () => {
    const gw = await start(snapshot(mock.url, { inference_auth_required: false }));
    try {
      expect((await chat(gw)).status).toBe(200);
      expect(gw.gateway.acceptsAnonymousInference()).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('follows Bifrost: covered when auth is on unless disable_auth_on_inference', () => {
    expect(inferenceAuthRequired(undefined)).toBe(false);
    expect(inferenceAuthRequired({ is_enabled: false })).toBe(false);
    expect(inferenceAuthRequired({ is_enabled: true })).toBe(true);
    expect(inferenceAuthRequired({ is_enabled: true, disable_auth_on_inference: false })).toBe(true);
    expect(inferenceAuthRequired({ is_enabled: true, disable_auth_on_inference: true })).toBe(false);
  });
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const reqWith = (authorization: string, address = '10.0.0.1') =>
  ({ headers: { authorization }, socket: { remoteAddress: address } }) as unknown as IncomingMessage;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the admin-credential check api/ injects', () => {
  const settings = { is_enabled: true, admin_username: 'admin', admin_password: 'correct horse battery' };

  it('asks the authenticator once per token and then answers from memory until the TTL passes', async () => {
    let clock = 1_000;
    let lookups = 0;
    let valid = true;
    const check = createAdminCredentialCheck({
      auth: {
        authenticate: (token) => {
          lookups++;
          return Promise.resolve(
            valid && token === 'good' ? { kind: 'token', scopes: new Set() } : undefined,
          );
        },
      },
      settings,
      env: {},
      logger: quiet,
      now: () => clock,
    });
    // Concurrent first uses share one lookup.
    const first = await Promise.all([check(reqWith('Bearer good')), check(reqWith('Bearer good'))]);
    expect(first).toEqual([true, true]);
    expect(lookups).toBe(1);
    // Cached: a plain boolean (no promise, no lookup), even after the token was revoked...
    valid = false;
    expect(check(reqWith('Bearer good'))).toBe(true);
    expect(lookups).toBe(1);
    // ...until its 30 s are up.
    clock += 30_001;
    expect(await check(reqWith('Bearer good'))).toBe(false);
    expect(lookups).toBe(2);
    // A refused token is remembered too.
    expect(check(reqWith('Bearer good'))).toBe(false);
    expect(lookups).toBe(2);
  });

  it('takes Basic for the configured admin only, without the database, and throttles guessing', () => {
    const check = createAdminCredentialCheck({
      auth: { authenticate: () => Promise.reject(new Error('not used for Basic')) },
      settings,
      env: {},
      logger: quiet,
    });
    expect(check(reqWith(basic('admin', 'correct horse battery')))).toBe(true);
    expect(check(reqWith(basic('admin', 'wrong')))).toBe(false);
    expect(check(reqWith(basic('alice', 'correct horse battery')))).toBe(false);
    expect(check(reqWith('Token abc'))).toBe(false);
    for (let i = 0; i < 5; i++) check(reqWith(basic('admin', `guess-${i}`), '10.0.0.9'));
    // Locked for that client, even with the right password; another client is not.
    expect(check(reqWith(basic('admin', 'correct horse battery'), '10.0.0.9'))).toBe(false);
    expect(check(reqWith(basic('admin', 'correct horse battery'), '10.0.0.8'))).toBe(true);
  });
});

describe('the start-up warning', () => {
  async function warningsFor(host: string, anonymous: boolean): Promise<string[]> {
    const warnings: string[] = [];
    const logger = { ...quiet, warn: (message: string) => void warnings.push(message) };
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(0, host, done));
    const gateway = { acceptsAnonymousInference: () => anonymous } as unknown as Gateway;
    warnIfInferenceOpen(server, gateway, logger);
    await new Promise<void>((done) => server.close(() => done()));
    return warnings;
  }

  it('warns once when anonymous inference listens beyond loopback, and only then', async () => {
    const open = await warningsFor('0.0.0.0', true);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(/\/v1\/\*.*without credentials/);
    expect(await warningsFor('127.0.0.1', true)).toEqual([]);
    expect(await warningsFor('0.0.0.0', false)).toEqual([]);
  });
});
