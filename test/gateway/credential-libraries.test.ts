/**
 * Credential libraries load with the snapshot, not inside a request: an Azure key without a value
 * (@azure/identity), a Vertex key without auth_credentials (google-auth-library) and a Bedrock key
 * without static keys (the AWS chain) each import a library on their first request, which holds the
 * event loop for ~20–150 ms. The gateway must have imported them once it is created (before it
 * listens) or once a new snapshot is in force, and never for keys that do not need them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayLogger } from '../../gateway/create-gateway.ts';
import { createGateway } from '../../gateway/create-gateway.ts';
import { FakeControlPlane, key, provider, snapshotOf } from './harness.ts';

/** Packages in the order they were first imported (vi.mock's factory runs on the first import). */
const imported = vi.hoisted((): string[] => []);

vi.mock('@azure/identity', async (original) => {
  imported.push('@azure/identity');
  return await original();
});
vi.mock('google-auth-library', async (original) => {
  imported.push('google-auth-library');
  return await original();
});
vi.mock('@aws-sdk/credential-providers', async (original) => {
  imported.push('@aws-sdk/credential-providers');
  return await original();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function recordingLogger(): GatewayLogger & { infos: { msg: string; fields?: object }[] } {
  const infos: { msg: string; fields?: object }[] = [];
  return { infos, info: (msg, fields) => infos.push({ msg, fields }), warn: () => {}, error: () => {} };
}

const UPSTREAM = 'http://127.0.0.1:9';

/** Keys that hold their own credentials: none of them needs a library. */
const withOwnCredentials = snapshotOf({
  version: 1,
  providers: [
    provider('azure', undefined, [key({ value: 'azure-api-key', azure_key_config: { endpoint: UPSTREAM } })]),
    provider('vertex', UPSTREAM, [
      key({
        value: '',
        vertex_key_config: {
          project_id: 'p',
          region: 'us-central1',
          auth_credentials: '{"type":"service_account","client_email":"a@b.c","private_key":"x"}',
        },
      }),
    ]),
    provider('bedrock', UPSTREAM, [
      key({ value: '', bedrock_key_config: { region: 'us-east-1', access_key: 'AKIA', secret_key: 's' } }),
      // A Bedrock API key is a bearer token: no signing, no chain.
      key({ value: 'bedrock-api-key', bedrock_key_config: { region: 'us-east-1' } }),
    ]),
  ],
});

describe('credential libraries', () => {
  it('are not imported for keys with their own credentials', async () => {
    const controlPlane = new FakeControlPlane(withOwnCredentials);
    const gateway = await createGateway({ controlPlane });
    closers.push(() => gateway.close());
    expect(imported).toEqual([]);
  });

  it('are imported before createGateway resolves, and when a new snapshot needs one', async () => {
    const logger = recordingLogger();
    const controlPlane = new FakeControlPlane(
      snapshotOf({
        version: 2,
        providers: [
          provider('azure', undefined, [key({ value: '', azure_key_config: { endpoint: UPSTREAM } })]),
          provider('bedrock', UPSTREAM, [key({ value: '', bedrock_key_config: { region: 'us-east-1' } })]),
        ],
      }),
    );
    const gateway = await createGateway({ controlPlane, logger });
    closers.push(() => gateway.close());
    expect([...imported].sort()).toEqual(['@aws-sdk/credential-providers', '@azure/identity']);
    const loadedLine = logger.infos.find((line) => line.msg === 'gateway: credential libraries loaded');
    expect(loadedLine?.fields).toMatchObject({
      libraries: expect.arrayContaining(['@azure/identity', '@aws-sdk/credential-providers']) as unknown,
    });

    // A config change adds a Vertex key on application default credentials.
    controlPlane.publish(
      snapshotOf({
        version: 3,
        providers: [
          provider('vertex', UPSTREAM, [
            key({ value: '', vertex_key_config: { project_id: 'p', region: 'us-central1' } }),
          ]),
        ],
      }),
    );
    await vi.waitFor(() => expect(gateway.snapshotVersion()).toBe(3), { timeout: 5_000 });
    expect(imported).toContain('google-auth-library');
    // Each once per process, whatever the number of snapshots.
    expect(new Set(imported).size).toBe(imported.length);
  });
});
