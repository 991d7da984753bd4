/**
 * Test harness: an in-memory ControlPlaneClient (static snapshot, can publish a new one), snapshot
 * builders with defaults, and a gateway behind a node:http server on port 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ControlPlaneClient } from '../../clients/control-plane.ts';
import {
  noGovernance,
  type ClientSnapshot,
  type ConfigChangedEvent,
  type GatewaySnapshot,
  type PluginSnapshot,
  type ProviderKeySnapshot,
  type ProviderSnapshot,
} from '../../clients/contract/snapshot.ts';
import { afterAll, beforeAll } from 'vitest';
import { createGateway, type Gateway, type GatewayHooks } from '../../gateway/create-gateway.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';

export class FakeControlPlane implements ControlPlaneClient {
  private readonly listeners = new Set<(event: ConfigChangedEvent) => void>();
  constructor(public snapshot: GatewaySnapshot) {}

  getSnapshot(): Promise<GatewaySnapshot> {
    return Promise.resolve(structuredClone(this.snapshot));
  }

  onConfigChanged(listener: (event: ConfigChangedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the snapshot and emits configChanged. */
  publish(snapshot: GatewaySnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener({ version: snapshot.version, changed: ['Provider'] });
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}

let keyCounter = 0;

export function key(partial: Partial<ProviderKeySnapshot> = {}): ProviderKeySnapshot {
  keyCounter++;
  return {
    id: `key-${keyCounter}`,
    name: `key-${keyCounter}`,
    value: 'sk-test',
    weight: 1,
    models: [],
    blacklisted_models: [],
    enabled: true,
    use_for_batch_api: false,
    ...partial,
  };
}

export function provider(
  name: string,
  baseUrl: string | undefined,
  keys: ProviderKeySnapshot[],
  extra: Partial<ProviderSnapshot> = {},
): ProviderSnapshot {
  const network = { ...(baseUrl ? { base_url: baseUrl } : {}), ...extra.network_config };
  return { name, keys, ...extra, network_config: network };
}

export const DEFAULT_CLIENT: ClientSnapshot = {
  drop_excess_requests: false,
  enable_logging: false,
  disable_content_logging: false,
  enforce_auth_on_inference: false,
  allow_direct_keys: false,
  allowed_origins: [],
  max_request_body_size_mb: 10,
  log_retention_days: 30,
  send_extra_fields: true,
  unpriced_model_policy: 'allow',
};

export function snapshotOf(options: {
  providers: ProviderSnapshot[];
  client?: Partial<ClientSnapshot>;
  plugins?: PluginSnapshot[];
  version?: number;
}): GatewaySnapshot {
  return {
    version: options.version ?? 1,
    client: { ...DEFAULT_CLIENT, ...options.client },
    providers: options.providers,
    governance: noGovernance(),
    plugins: options.plugins ?? [],
  };
}

export interface RunningGateway {
  url: string;
  /** `${url}/v1`, for the OpenAI SDK. */
  baseURL: string;
  gateway: Gateway;
  controlPlane: FakeControlPlane;
  close(): Promise<void>;
}

export async function startGateway(
  snapshot: GatewaySnapshot,
  hooks?: Partial<GatewayHooks>,
): Promise<RunningGateway> {
  const controlPlane = new FakeControlPlane(snapshot);
  const gateway = await createGateway({ controlPlane, ...(hooks ? { hooks } : {}) });
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (!gateway.handle(req, res)) {
      res.writeHead(418, { 'content-type': 'text/plain' });
      res.end('not a gateway route');
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    gateway,
    controlPlane,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/** POSTs JSON (or raw text) to the gateway with global fetch (tests only). */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: leave empty, the text is there
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export function errorOf(response: JsonResponse): {
  message: string;
  type: string;
  code: string | null;
  param: string | null;
} {
  return response.body.error as { message: string; type: string; code: string | null; param: string | null };
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

/**
 * The usual suite set-up: one OpenAI mock and a gateway in front of it, started before the
 * suite's tests (inside a `describe` when called there) and closed after them. Read `mock` and
 * `gw` from the returned object inside tests: they are set by the time tests run.
 */
export function useMockedGateway(
  snapshotFor: (mockUrl: string) => GatewaySnapshot,
  hooks?: Partial<GatewayHooks>,
): { readonly mock: OpenAIMock; readonly gw: RunningGateway } {
  const suite = {} as { mock: OpenAIMock; gw: RunningGateway };
  beforeAll(async () => {
    suite.mock = await startOpenAIMock();
    suite.gw = await startGateway(snapshotFor(suite.mock.url), hooks);
  });
  afterAll(async () => {
    await suite.gw?.close();
    await suite.mock?.close();
  });
  return suite;
}
