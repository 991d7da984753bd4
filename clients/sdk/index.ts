/**
 * The typed Heimdall SDK: `createHeimdallClient({ endpoint, token })` talks to the public
 * GraphQL API only — queries and mutations over HTTP (`fetch`), subscriptions over graphql-ws —
 * and runs in browsers and on Node 20 (pass `webSocketImpl: WebSocket` from the `ws` package
 * there; browsers and Node 22+ have a global WebSocket). Result and variable types come from
 * schema.graphql through clients/sdk/operations.graphql (`npm run codegen`).
 *
 * ```ts
 * import { createHeimdallClient } from 'heimdall/client';
 * const heimdall = createHeimdallClient({ endpoint: 'http://localhost:8080', token });
 * const byTeam = await heimdall.usage({ range: thisMonth(), groupBy: ['TEAM'] });
 * const stop = heimdall.budgetUpdated({ id: 'budget-dev' }, { next: (b) => show(b.budgetUpdated) });
 * ```
 */
import { expectResult } from './errors.ts';
import * as ops from './generated/operations.ts';
import { postGraphql, type FetchLike } from './http.ts';
import {
  LiveConnection,
  type ConnectionEvent,
  type ConnectionState,
  type SubscriptionHandlers,
} from './live.ts';

export { expectResult, HeimdallError } from './errors.ts';
export type { HeimdallErrorKind } from './errors.ts';
export type { ConnectionEvent, ConnectionState, SubscriptionHandlers } from './live.ts';
export * from './generated/operations.ts';

export interface HeimdallClientOptions {
  /** The server (`http://localhost:8080`) or its GraphQL endpoint (`…/graphql`); relative in a browser. */
  endpoint: string;
  /** A session token (from `login`) or an API token; sent as `Authorization: Bearer …`. */
  token?: string;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /** @default globalThis.WebSocket (Node 20 has none: pass `WebSocket` from the `ws` package). */
  webSocketImpl?: unknown;
  /** Reconnect attempts for the subscription socket. @default Infinity */
  retryAttempts?: number;
}

/** The GraphQL HTTP and WebSocket URLs for an endpoint given as a server or a `/graphql` URL. */
export function endpointUrls(endpoint: string): { http: string; ws: string } {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const url = new URL(endpoint, base);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  const http = url.toString();
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http, ws: url.toString() };
}

/** One page of a connection, as the SDK's list helpers return it. */
interface Page<Node> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: Node }>;
}

/** Page size of the list helpers whose documents take one (operations.graphql says why not all). */
const PAGE = 100;

/** Every node of a paginated query, following `endCursor`. */
async function everyNode<Node>(page: (after: string | undefined) => Promise<Page<Node>>): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | undefined;
  for (;;) {
    const current = await page(after);
    nodes.push(...current.edges.map((edge) => edge.node));
    if (!current.pageInfo.hasNextPage || !current.pageInfo.endCursor) return nodes;
    after = current.pageInfo.endCursor;
  }
}

export function createHeimdallClient(options: HeimdallClientOptions) {
  const urls = endpointUrls(options.endpoint);
  let token = options.token;
  const fetcher: FetchLike = options.fetch ?? ((input, init) => (globalThis.fetch as FetchLike)(input, init));
  const live = new LiveConnection({
    url: urls.ws,
    token: () => token,
    webSocketImpl: options.webSocketImpl,
    ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
  });

  /** Any operation of the generated documents, typed by it. */
  const request = <Result, Variables>(
    document: ops.TypedDocument<Result, Variables>,
    ...variables: Variables extends Record<string, never> ? [] : [Variables]
  ): Promise<Result> => postGraphql(fetcher, urls.http, token, document, variables[0]);

  const subscribe = <Result, Variables>(
    document: ops.TypedDocument<Result, Variables>,
    variables: Variables | undefined,
    handlers: SubscriptionHandlers<Result>,
  ): (() => void) => live.subscribe(document, variables, handlers);

  return {
    endpoint: urls,
    request,
    subscribe,

    /** Replaces the token for later requests; an open socket reconnects with it. */
    setToken(next: string | undefined): void {
      token = next;
      live.restart();
    },
    get token(): string | undefined {
      return token;
    },

    // Session
    viewer: async () => (await request(ops.ViewerDocument)).viewer,
    /** Opens an admin session and uses its token from now on; returns the session. */
    async login(username: string, password: string) {
      const result = await request(ops.LoginDocument, { username, password });
      const session = expectResult(result.login, 'Session');
      token = session.token;
      live.restart();
      return session;
    },
    logout: async () => (await request(ops.LogoutDocument)).logout,

    // Spend and traffic
    usage: async (variables: ops.UsageVariables) => (await request(ops.UsageDocument, variables)).usage,
    requestLogStats: async (variables: ops.RequestLogStatsVariables = {}) =>
      (await request(ops.RequestLogStatsDocument, variables)).requestLogStats,
    requestLogs: async (variables: ops.RequestLogsVariables = {}) =>
      (await request(ops.RequestLogsDocument, variables)).requestLogs,

    // Governance entities (every page)
    budgets: (filter?: ops.BudgetsVariables['filter']) =>
      everyNode(
        async (after) => (await request(ops.BudgetsDocument, { first: PAGE, after, filter })).budgets,
      ),
    budgetStatus: async (virtualKeyId: string) =>
      (await request(ops.BudgetStatusDocument, { virtualKeyId })).budgetStatus,
    teams: (filter?: ops.TeamsVariables['filter']) =>
      everyNode(async (after) => (await request(ops.TeamsDocument, { first: PAGE, after, filter })).teams),
    customers: () =>
      everyNode(async (after) => (await request(ops.CustomersDocument, { first: PAGE, after })).customers),
    virtualKeys: (filter?: ops.VirtualKeysVariables['filter']) =>
      everyNode(async (after) => (await request(ops.VirtualKeysDocument, { after, filter })).virtualKeys),
    providers: () => everyNode(async (after) => (await request(ops.ProvidersDocument, { after })).providers),
    routingRules: (filter?: ops.RoutingRulesVariables['filter']) =>
      everyNode(async (after) => (await request(ops.RoutingRulesDocument, { after, filter })).routingRules),

    /** Creates a virtual key; `value` is the key itself, returned only here. */
    async createVirtualKey(input: ops.CreateVirtualKeyVariables['input']) {
      const result = await request(ops.CreateVirtualKeyDocument, { input });
      return expectResult(result.createVirtualKey, 'VirtualKeySecretPayload');
    },
    async updateVirtualKey(id: string, patch: ops.UpdateVirtualKeyVariables['patch']) {
      const result = await request(ops.UpdateVirtualKeyDocument, { id, patch });
      return expectResult(result.updateVirtualKey, 'VirtualKey');
    },
    /** Deactivates a key (kept, refused at the gateway); `updateVirtualKey(id, { isActive: true })` undoes it. */
    deactivateVirtualKey(id: string) {
      return this.updateVirtualKey(id, { isActive: false });
    },
    /** A CEL error comes back as a `result` HeimdallError whose `detail` has line and column. */
    async updateRoutingRule(id: string, patch: ops.UpdateRoutingRuleVariables['patch']) {
      const result = await request(ops.UpdateRoutingRuleDocument, { id, patch });
      return expectResult(result.updateRoutingRule, 'RoutingRule');
    },

    // Config as code
    /** The live config in the config-file shape; secrets masked or as `env.` references. */
    exportConfig: async (secrets: 'MASKED' | 'REFERENCE' = 'MASKED') =>
      (await request(ops.ExportConfigDocument, { secrets })).exportConfig as Record<string, unknown>,
    /**
     * Plans (`dryRun`) or applies a config document in one transaction. The plan comes back either
     * way; a document the server refuses is a `result` HeimdallError (ValidationError issues with
     * their paths, CelExpressionError, NotFoundError…). `target` names the document for
     * `lastAppliedConfig` (drift): one per config file.
     */
    async applyConfig(document: unknown, flags: { dryRun?: boolean; prune?: boolean; target?: string } = {}) {
      const result = await request(ops.ApplyConfigDocument, {
        document,
        dryRun: flags.dryRun ?? false,
        prune: flags.prune ?? false,
        ...(flags.target === undefined ? {} : { target: flags.target }),
      });
      return expectResult(result.applyConfig, 'ConfigPlan');
    },
    planConfig(document: unknown, flags: { prune?: boolean } = {}) {
      return this.applyConfig(document, { ...flags, dryRun: true });
    },
    /**
     * The document the last apply with `target` applied (secrets dropped or masked), or null:
     * planning it again shows what changed in the database since.
     */
    lastAppliedConfig: async (target?: string) =>
      (await request(ops.LastAppliedConfigDocument, target === undefined ? {} : { target }))
        .lastAppliedConfig as {
        target: string;
        hash: string;
        document: Record<string, unknown>;
        appliedAt: string;
        version: number | null;
      } | null,

    // Live
    budgetUpdated: (
      variables: ops.BudgetUpdatedVariables,
      handlers: SubscriptionHandlers<ops.BudgetUpdatedSubscription>,
    ) => subscribe(ops.BudgetUpdatedDocument, variables, handlers),
    spendUpdated: (
      variables: ops.SpendUpdatedVariables,
      handlers: SubscriptionHandlers<ops.SpendUpdatedSubscription>,
    ) => subscribe(ops.SpendUpdatedDocument, variables, handlers),
    requestLogged: (
      variables: ops.RequestLoggedVariables,
      handlers: SubscriptionHandlers<ops.RequestLoggedSubscription>,
    ) => subscribe(ops.RequestLoggedDocument, variables, handlers),

    /** The subscription socket's state; `onConnection` reports every change. */
    get connectionState(): ConnectionState {
      return live.state;
    },
    onConnection: (listener: (event: ConnectionEvent) => void) => live.onState(listener),

    /** Ends every subscription and closes the socket. */
    close: () => live.close(),
  };
}

export type HeimdallClient = ReturnType<typeof createHeimdallClient>;
export type { FetchLike } from './http.ts';
