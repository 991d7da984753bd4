/**
 * Issue 11, medium 7, end to end: `npm start` in a child process with admin auth on. With
 * `disable_auth_on_inference: false` (Bifrost's default) inference needs a virtual key or the
 * admin's credentials; with `true` it serves anonymous callers, and start-up warns about that
 * because the server listens beyond loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const ADMIN = { username: 'ops-admin', password: 'Inference-auth-e2e-passphrase-7' };
const VK = 'sk-bf-e2e-inference-auth-key-0001';
const WARNING = /accepts callers without credentials on a non-loopback address/;

function config(disableAuthOnInference: boolean) {
  return {
    providers: { openai: { keys: [{ name: 'main', value: 'sk-unused', models: ['*'] }] } },
    plugins: [
      {
        name: 'mocker',
        enabled: true,
        version: 1,
        config: {
          rules: [
            {
              name: 'all-openai',
              conditions: { providers: ['openai'] },
              responses: [{ weight: 1, type: 'success', content: 'hi' }],
            },
          ],
        },
      },
    ],
    governance: {
      virtual_keys: [{ id: 'vk-e2e', name: 'e2e', value: VK }],
      auth_config: {
        is_enabled: true,
        admin_username: ADMIN.username,
        admin_password: ADMIN.password,
        disable_auth_on_inference: disableAuthOnInference,
      },
    },
  };
}

async function startWith(disableAuthOnInference: boolean): Promise<{ heimdall: HeimdallChild; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-inference-auth-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(disableAuthOnInference)));
  const heimdall = await startHeimdallChild(
    {
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'inference-auth-e2e-encryption-key',
    },
    30_000,
  );
  return { heimdall, dir };
}

async function chat(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('admin auth on, disable_auth_on_inference: false', () => {
  let running: { heimdall: HeimdallChild; dir: string };
  beforeAll(async () => {
    running = await startWith(false);
  }, 40_000);
  afterAll(async () => {
    await running?.heimdall.stop();
    if (running) rmSync(running.dir, { recursive: true, force: true });
  });

  it('refuses a request without credentials: 401 in the OpenAI envelope', async () => {
    const reply = await chat(running.heimdall.url);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({
      error: {
        message: expect.stringMatching(/inference requires credentials/),
        type: 'authentication_error',
        code: 'credentials_required',
        param: null,
      },
    });
    expect((await fetch(`${running.heimdall.url}/v1/models`)).status).toBe(401);
  });

  it('serves the admin with Basic auth and refuses a wrong password', async () => {
    expect(
      (await chat(running.heimdall.url, { authorization: basic(ADMIN.username, ADMIN.password) })).status,
    ).toBe(200);
    const wrong = await chat(running.heimdall.url, {
      authorization: basic(ADMIN.username, 'not-the-password'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      error: { type: 'authentication_error', code: 'invalid_credentials' },
    });
  });

  it('serves an admin session token as Bearer', async () => {
    const login = await fetch(`${running.heimdall.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on Session { token } } }',
        variables: { u: ADMIN.username, p: ADMIN.password },
      }),
    });
    const token = ((await login.json()) as { data: { login: { token: string } } }).data.login.token;
    expect((await chat(running.heimdall.url, { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('serves a virtual key', async () => {
    expect((await chat(running.heimdall.url, { 'x-bf-vk': VK })).status).toBe(200);
    expect((await chat(running.heimdall.url, { authorization: `Bearer ${VK}` })).status).toBe(200);
  });

  it('does not warn about anonymous inference', () => {
    expect(running.heimdall.output()).not.toMatch(WARNING);
  });
});

describe('admin auth on, disable_auth_on_inference: true', () => {
  let running: { heimdall: HeimdallChild; dir: string };
  beforeAll(async () => {
    running = await startWith(true);
  }, 40_000);
  afterAll(async () => {
    await running?.heimdall.stop();
    if (running) rmSync(running.dir, { recursive: true, force: true });
  });

  it('serves a request without credentials (virtual keys not mandatory)', async () => {
    expect((await chat(running.heimdall.url)).status).toBe(200);
  });

  it('warns once at start that /v1/* is anonymous on a non-loopback address', () => {
    expect(running.heimdall.output().match(new RegExp(WARNING, 'g'))).toHaveLength(1);
  });
});
