/**
 * The GraphQL endpoint: graphql-yoga over the Pothos schema at /graphql (POST, GET with
 * GraphiQL, SSE subscriptions), plus graphql-ws (`graphql-transport-ws`) on the same server's
 * upgrade. Parsed and validated documents are cached by yoga (LRU); depth and cost limits, CSRF
 * prevention and error masking run in front of execution.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GovernanceChannel } from '../../clients/contract/governance.ts';
import type { Database, SecretBox } from '../../db/index.ts';
import type { Context } from '../../schema/context.ts';
import { schema } from '../../schema/index.ts';
import { useRoutingExpressionChecker } from '../../schema/cel.ts';
import { checkCelExpression } from '../../gateway/create-gateway.ts';
import type { HeimdallPubSub } from '../../schema/pubsub.ts';
import type { Logger } from '../logger.ts';
import { bearerFrom, type Authenticator } from './auth.ts';
import { createMaskError } from './mask-error.ts';
import { useCostLimit } from './use-cost-limit.ts';
import { boundedParseCaches, GRAPHQL_MAX_BODY_BYTES, useDocumentLimits } from './document-limits.ts';
import { useCsrfPrevention } from './use-csrf-prevention.ts';
import { useDepthLimit } from './use-depth-limit.ts';
import { useDisableIntrospection, useIntrospectionNeedsRead } from './use-introspection.ts';
import { attachGraphqlWs, type GraphqlWs } from './websocket.ts';

export interface GraphqlServerOptions {
  database: Database;
  box: SecretBox;
  pubsub: HeimdallPubSub;
  auth: Authenticator;
  logger: Logger;
  /** For `env.VAR` references in applyConfig documents. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Allow `__schema`/`__type` queries (to READ tokens when auth is on). @default true (HEIMDALL_GRAPHQL_INTROSPECTION=false turns it off) */
  introspection?: boolean;
  /** Serve GraphiQL on GET /graphql from a browser. @default true (HEIMDALL_GRAPHIQL=false turns it off) */
  graphiql?: boolean;
  /** @default 12 (HEIMDALL_GRAPHQL_MAX_DEPTH) */
  maxDepth?: number;
  /** @default 50000 (HEIMDALL_GRAPHQL_MAX_COST) */
  maxCost?: number;
  /** Lexical tokens per document. @default 10000 (HEIMDALL_GRAPHQL_MAX_TOKENS) */
  maxTokens?: number;
  /** Fields per document, aliases and fragments expanded. @default 2000 (HEIMDALL_GRAPHQL_MAX_FIELDS) */
  maxFields?: number;
  /** HTTP body and graphql-ws message size, in bytes. @default 1 MiB (HEIMDALL_GRAPHQL_MAX_BODY_BYTES) */
  maxBodyBytes?: number;
  /**
   * What only the running governance service knows: the in-process gateway's snapshot, live
   * counters, the channel remote gateways report through. Without them `gatewaySnapshot` reads
   * the database alone and budgets show their rows.
   */
  sources?: GovernanceSources;
}

/** Sources that only exist once the governance service runs (api/build-heimdall.ts builds it first). */
export interface GovernanceSources {
  snapshot?: Context['snapshot'];
  budgetCounters?: Context['budgetCounters'];
  rateLimitCounters?: Context['rateLimitCounters'];
  /** Leases, usage and request logs for remote gateways (`acquireLease`, `reportUsage`, `writeRequestLogs`). */
  governance?: GovernanceChannel;
}

/** Fields the HTTP or WebSocket layer adds to yoga's initial context. */
interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  /** Set by the graphql-ws adapter, which authenticates once per connection. */
  wsPrincipal?: Context['principal'];
  wsClient?: string;
}

export interface GraphqlServer {
  yoga: YogaServerInstance<ServerContext, Context>;
  /** Node request handler for /graphql (the `graphql` slot of createHttpServer). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Serves graphql-ws on `server`'s upgrade requests to /graphql. `allowedOrigins` is read per
   * upgrade (client.allowed_origins of the live snapshot); without it only same-origin browsers
   * (and non-browser clients, which send no Origin) may connect.
   */
  attach(server: Server, allowedOrigins?: () => readonly string[]): GraphqlWs;
  close(): Promise<void>;
}

const flag = (value: string | undefined, fallback: boolean) =>
  value === undefined ? fallback : !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
const int = (value: string | undefined) =>
  value && Number.isInteger(Number(value)) ? Number(value) : undefined;

export function createGraphqlServer(options: GraphqlServerOptions): GraphqlServer {
  useRoutingExpressionChecker(checkCelExpression);
  const env = options.env ?? process.env;
  const introspection = options.introspection ?? flag(env.HEIMDALL_GRAPHQL_INTROSPECTION, true);
  const { database, box, pubsub, auth } = options;
  const sources = options.sources ?? {};
  const maxBodyBytes =
    options.maxBodyBytes ?? int(env.HEIMDALL_GRAPHQL_MAX_BODY_BYTES) ?? GRAPHQL_MAX_BODY_BYTES;

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // api/cors.ts answers CORS for every route from client.allowed_origins; yoga's own default
    // would reflect any Origin (with credentials) on /graphql responses.
    cors: false,
    graphiql: options.graphiql ?? flag(env.HEIMDALL_GRAPHIQL, true),
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(options.logger) },
    // 413 from the Content-Length alone, or once a chunked body passes the limit.
    maxRequestBodySize: maxBodyBytes,
    parserAndValidationCache: boundedParseCaches(),
    plugins: [
      useCsrfPrevention(),
      useDocumentLimits({
        maxTokens: options.maxTokens ?? int(env.HEIMDALL_GRAPHQL_MAX_TOKENS),
        maxFields: options.maxFields ?? int(env.HEIMDALL_GRAPHQL_MAX_FIELDS),
      }),
      useDepthLimit({ maxDepth: options.maxDepth ?? int(env.HEIMDALL_GRAPHQL_MAX_DEPTH) }),
      useCostLimit({ maxCost: options.maxCost ?? int(env.HEIMDALL_GRAPHQL_MAX_COST) }),
      introspection ? useIntrospectionNeedsRead() : useDisableIntrospection(),
    ],
    context: async (initial): Promise<Context> => {
      const principal =
        'wsPrincipal' in initial
          ? initial.wsPrincipal
          : await auth.authenticate(bearerFrom(initial.request.headers.get('authorization')));
      const client = initial.wsClient ?? initial.req?.socket.remoteAddress ?? 'unknown';
      return { database, box, pubsub, env, auth, principal, client, logger: options.logger, ...sources };
    },
  });

  const sockets = new Set<GraphqlWs>();
  return {
    yoga,
    handle: (req, res) => void yoga(req, res),
    attach(server, allowedOrigins = () => []) {
      const ws = attachGraphqlWs({ server, yoga, auth, maxPayload: maxBodyBytes, allowedOrigins });
      sockets.add(ws);
      return ws;
    },
    async close() {
      await Promise.all([...sockets].map((ws) => ws.close()));
      await yoga.dispose();
    },
  };
}
