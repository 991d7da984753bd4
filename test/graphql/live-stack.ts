/**
 * Heimdall as `npm start` runs it (startHeimdall on port 0) in front of the loopback OpenAI mock,
 * with a small config: one provider, one virtual key limited to one model, one budget.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../api/logger.ts';
import { startHeimdall, type RunningHeimdallWithControlPlane } from '../../api/start.ts';
import { subscriptionsStarted, type TopicName } from '../../schema/pubsub.ts';
import { nextSubscription, settle } from './harness.ts';

export const VK_TOKEN = 'vk-sync-secret-token';

export function liveConfig(mockUrl: string): Record<string, unknown> {
  return {
    providers: {
      openai: {
        keys: [{ name: 'main', value: 'sk-first-key-value', models: ['*'] }],
        network_config: { base_url: mockUrl },
      },
    },
    plugins: [{ name: 'governance', enabled: true, config: { is_vk_mandatory: true } }],
    governance: {
      budgets: [{ id: 'budget-sync', max_limit: 100, reset_duration: '1d' }],
      virtual_keys: [
        {
          id: 'vk-sync',
          name: 'Sync',
          value: VK_TOKEN,
          budget_id: 'budget-sync',
          provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o-mini'] }],
        },
      ],
    },
  };
}

/** A started Heimdall whose event bus the test can see. */
export type LiveHeimdall = RunningHeimdallWithControlPlane;

/**
 * Resolves once `heimdall` has started a subscription to `topic` made after this call, so an event
 * published from then on reaches it (graphql-ws acknowledges no subscription). Over Postgres or
 * Redis the pub/sub cannot tell, and a fixed 300 ms stands in.
 */
export function untilSubscribed(heimdall: LiveHeimdall, topic: TopicName): () => Promise<void> {
  if (subscriptionsStarted(heimdall.pubsub, topic) === undefined) return async () => void (await settle(300));
  return nextSubscription(heimdall.pubsub, topic);
}

export async function startLive(
  config: Record<string, unknown>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<LiveHeimdall> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-live-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return startHeimdall({
    logger: createLogger('error', process.env.GQL_DEBUG ? undefined : () => undefined),
    port: 0,
    host: '127.0.0.1',
    cwd: dir,
    env: {
      HEIMDALL_CONFIG: join(dir, 'config.json'),
      HEIMDALL_DATA_DIR: join(dir, 'data'),
      HEIMDALL_ENCRYPTION_KEY: 'graphql-live-test-key',
      ...extraEnv,
    },
  });
}

export async function chat(url: string, model: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bf-vk': VK_TOKEN },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: Date.now() - started };
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables = {},
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

/** Polls `probe` until it returns true; resolves with the milliseconds it took. */
export async function until(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
