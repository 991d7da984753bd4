/**
 * Vertex keys without a service-account JSON use application default credentials through
 * google-auth-library, tested against a loopback GCE / GKE metadata server (GCE_METADATA_HOST),
 * which is what GKE Workload Identity serves to a pod: the token is cached, renewed in the
 * background before expiry, a refusal is a 502 and no credentials at all a 500 naming the options.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokenCache } from '../../gateway/providers/vertex/auth.ts';
import {
  chatBody,
  errorOf,
  key,
  postJson,
  provider,
  snapshotOf,
  startGateway,
  type RunningGateway,
} from '../gateway/harness.ts';
import { startVertexMock, type VertexMock } from '../mocks/vertex-mock.ts';

let mock: VertexMock;
let gw: RunningGateway;
let home = '';
const savedEnv = { ...process.env };

beforeAll(async () => {
  mock = await startVertexMock('', 'unused@example.iam.gserviceaccount.com');
  // No gcloud well-known credentials file: the metadata server is the only source.
  home = await mkdtemp(join(tmpdir(), 'heimdall-adc-'));
  process.env.HOME = home;
  process.env.CLOUDSDK_CONFIG = home;
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.GCE_METADATA_HOST = new URL(mock.url).host;
  const keys = [
    key({ name: 'adc', value: '', vertex_key_config: { project_id: 'my-project', region: 'us-central1' } }),
  ];
  gw = await startGateway(snapshotOf({ providers: [provider('vertex', mock.url, keys)] }));
});

afterAll(async () => {
  process.env = savedEnv;
  await gw?.close();
  await mock?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

beforeEach(() => {
  mock.reset();
  mock.metadataCalls = 0;
  clearTokenCache();
  process.env.METADATA_SERVER_DETECTION = 'assume-present';
});

const chat = () => postJson(`${gw.url}/v1/chat/completions`, chatBody('vertex/gemini-2.0-flash'));
const modelCalls = () => mock.requests.filter((r) => r.path.includes('/publishers/'));

describe('vertex application default credentials (GKE Workload Identity / GCE metadata)', () => {
  it('sends the metadata server token as Bearer, fetched once and cached', async () => {
    expect((await chat()).status).toBe(200);
    expect((await chat()).status).toBe(200);
    expect(mock.metadataCalls).toBe(1);
    for (const call of modelCalls()) expect(call.headers.authorization).toBe('Bearer ya29.adc-token-1');
  });

  it('renews the token in the background before it expires, without a request waiting', async () => {
    // Renewal is due four minutes before expiry: about a second after this token is issued.
    mock.tokenSeconds = 242;
    expect((await chat()).status).toBe(200);
    mock.tokenSeconds = 3600;
    await vi.waitFor(() => expect(mock.metadataCalls).toBe(2), { timeout: 20_000, interval: 50 });
    expect((await chat()).status).toBe(200);
    expect(modelCalls().at(-1)!.headers.authorization).toBe('Bearer ya29.adc-token-2');
    expect(mock.metadataCalls).toBe(2);
  });

  it('answers 502 naming vertex when the metadata server refuses a token', async () => {
    mock.metadataStatus = 403;
    const response = await chat();
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'gcp_credentials_error' });
    expect(errorOf(response).message).toMatch(/^vertex: application default credentials failed/);
    expect(modelCalls()).toHaveLength(0);
  });

  it('answers 500 naming what to configure when there are no credentials at all', async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    const response = await chat();
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'provider_misconfigured' });
    expect(errorOf(response).message).toContain('vertex: no Google credentials');
    expect(errorOf(response).message).toContain('GKE Workload Identity');
  });
});
