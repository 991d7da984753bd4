/**
 * A control plane for tests without the gateway: a fresh SQLite file or Postgres database, the
 * yoga server over it, and `exec` running operations in process through `yoga.fetch`.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { expect, vi } from 'vitest';
import { createAuthenticator, ensureAdminUser, type AuthSettings } from '../../api/graphql/auth.ts';
import { createGraphqlServer, type GovernanceSources, type GraphqlServer } from '../../api/graphql/server.ts';
import { createLogger } from '../../api/logger.ts';
import { createSecretBox, openDatabase, type Database, type SecretBox } from '../../db/index.ts';
import {
  createHeimdallPubSub,
  subscriptionsStarted,
  type HeimdallPubSub,
  type TopicName,
} from '../../schema/pubsub.ts';
import { createTestDatabase } from '../support/postgres.ts';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

export interface GraphqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface TestControlPlane {
  database: Database;
  box: SecretBox;
  pubsub: HeimdallPubSub;
  graphql: GraphqlServer;
  env: NodeJS.ProcessEnv;
  exec<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphqlResponse<T>>;
  /** Runs `exec` and fails the test on any GraphQL error. */
  ok<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<T>;
  /** Starts a real HTTP server (for graphql-ws) on port 0. */
  listen(): Promise<{ url: string; wsUrl: string; server: Server }>;
  wsClient(token?: string): Promise<Client>;
  /**
   * Rebuilds the GraphQL server over the same database with the governance service's sources
   * (api/build-heimdall.ts builds them in from the start; tests open the service after seeding
   * through GraphQL). Before `listen` only.
   */
  serveSources(sources: GovernanceSources): Promise<void>;
  close(): Promise<void>;
}

export interface TestControlPlaneOptions {
  auth?: AuthSettings;
  env?: NodeJS.ProcessEnv;
  maxCost?: number;
  maxDepth?: number;
  maxTokens?: number;
  maxFields?: number;
  introspection?: boolean;
}

export async function openTestDatabase(
  dialect: DialectName,
): Promise<{ database: Database; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'heimdall-gql-'));
    return { database: await openDatabase({ dataDir }), drop: async () => undefined };
  }
  const pg = await createTestDatabase('heimdall_gql');
  const database = await openDatabase({ url: pg.url, maxConnections: 4 });
  return { database, drop: () => pg.drop() };
}

export async function createTestControlPlane(
  dialect: DialectName,
  options: TestControlPlaneOptions = {},
): Promise<TestControlPlane> {
  const { database, drop } = await openTestDatabase(dialect);
  const box = createSecretBox('graphql-test-key');
  const pubsub = createHeimdallPubSub();
  const env = options.env ?? {};
  const auth = createAuthenticator({ database, env, settings: options.auth });
  if (options.auth?.is_enabled && options.auth.admin_username && options.auth.admin_password) {
    await ensureAdminUser(database, {
      username: options.auth.admin_username,
      password: options.auth.admin_password,
    });
  }
  const logger = createLogger('error', process.env.GQL_DEBUG ? undefined : () => undefined);
  const { auth: _settings, ...limits } = options;
  const build = (sources?: GovernanceSources) =>
    createGraphqlServer({
      database,
      box,
      pubsub,
      auth,
      logger,
      ...limits,
      env,
      ...(sources ? { sources } : {}),
    });
  let graphql = build();
  const servers: Server[] = [];
  const clients: Client[] = [];

  const exec: TestControlPlane['exec'] = async (query, variables, token) => {
    const response = await graphql.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as never;
  };

  const listen = async () => {
    const server = createServer((req, res) => graphql.handle(req, res));
    graphql.attach(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, server };
  };

  return {
    database,
    box,
    pubsub,
    get graphql() {
      return graphql;
    },
    env,
    exec,
    async ok(query, variables, token) {
      const result = await exec(query, variables, token);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data as never;
    },
    listen,
    async serveSources(sources) {
      if (servers.length > 0) throw new Error('serveSources: call it before listen');
      await graphql.close();
      graphql = build(sources);
    },
    async wsClient(token) {
      const { wsUrl } = servers[0] ? addressOf(servers[0]) : await listen();
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) await client.dispose();
      await graphql.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
      }
      await database.close();
      await drop();
    },
  };
}

function addressOf(server: Server): { wsUrl: string } {
  const port = (server.address() as AddressInfo).port;
  return { wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

/** Collects the next `count` results of a graphql-ws subscription (or fails after `timeoutMs`). */
export function nextEvents<T>(
  client: Client,
  query: string,
  count: number,
  timeoutMs = 5000,
  variables: Record<string, unknown> = {},
): Promise<Array<T & { receivedAt: number }>> {
  const received: Array<T & { receivedAt: number }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${received.length} of ${count} events`)),
      timeoutMs,
    );
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          received.push({ ...(value.data as T), receivedAt: Date.now() });
          if (received.length === count) {
            clearTimeout(timer);
            dispose();
            resolve(received);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => undefined,
      },
    );
  });
}

/** graphql-ws has no "subscribed" acknowledgement; give the server a moment to register. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Call before subscribing, and await what it returns once the subscription is sent: that resolves
 * when the server's pub/sub has started a subscription to `topic` since the call. Where the test
 * can see the pub/sub, this replaces `settle`, whose fixed wait a loaded machine can outlast.
 */
export function nextSubscription(pubsub: HeimdallPubSub, topic: TopicName): () => Promise<void> {
  const before = subscriptionsStarted(pubsub, topic);
  if (before === undefined) throw new Error('nextSubscription() needs an in-memory pub/sub');
  return () =>
    vi.waitFor(
      () =>
        expect(subscriptionsStarted(pubsub, topic), `subscriptions started to ${topic}`).toBeGreaterThan(
          before,
        ),
      { timeout: 5000, interval: 5 },
    );
}
