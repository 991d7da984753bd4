/**
 * Issue 13, item 1, as a newcomer meets it: `npm start` (a child process) with the README's own
 * provider example (`"models": ["*"]`, the key from the environment) pointed at a loopback
 * OpenAI. `client.models.list()` of the official SDK used to get `{"data":[]}`; it now gets the
 * provider's models.
 */
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MOCK_MODELS, startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { startHeimdallChild, type HeimdallChild } from '../support/heimdall-process.ts';

const SECRET = 'sk-models-started-test-0123456789';

let mock: OpenAIMock;
let heimdall: HeimdallChild | undefined;
let dir: string;

beforeAll(async () => {
  mock = await startOpenAIMock();
  dir = mkdtempSync(join(tmpdir(), 'heimdall-models-'));
  const config = {
    providers: {
      openai: {
        keys: [{ name: 'primary', value: 'env.OPENAI_API_KEY', weight: 1, models: ['*'] }],
        network_config: { base_url: mock.url },
      },
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  heimdall = await startHeimdallChild(
    {
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'models-started-test-encryption-key',
      OPENAI_API_KEY: SECRET,
    },
    30_000,
  );
}, 40_000);

afterAll(async () => {
  await heimdall?.stop();
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('lists the provider’s models for the README’s wildcard key', async () => {
  const client = new OpenAI({ apiKey: 'unused', baseURL: `${heimdall!.url}/v1`, maxRetries: 0 });
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  expect(ids).toEqual(MOCK_MODELS.map((id) => `openai/${id}`).sort());
  const listing = mock.requests.find((request) => request.url === '/v1/models');
  expect(listing?.headers.authorization).toBe(`Bearer ${SECRET}`);
  expect(heimdall!.output()).not.toContain(SECRET);
});
