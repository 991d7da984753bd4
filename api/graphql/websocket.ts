/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's upgrade event for /graphql. The
 * connection authenticates once from `connectionParams` (`authorization: "Bearer …"` or
 * `token`); every operation then runs through yoga's envelop pipeline (same validation rules,
 * masking and context as HTTP).
 *
 * Browsers open WebSockets cross-site without a preflight, so with auth off (the default) any
 * page a developer visits could otherwise drive the control plane: an upgrade whose `Origin` is
 * neither this server's nor in client.allowed_origins is refused with 403 before the handshake.
 * Clients outside a browser send no Origin and are not affected.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { isOriginAllowedToConnect } from '../cors.ts';
import type { Context, Principal } from '../../schema/context.ts';
import { bearerFrom, type Authenticator } from './auth.ts';

export interface GraphqlWs {
  close(): Promise<void>;
}

type Extra = {
  request: IncomingMessage;
  principal?: Principal | undefined;
};

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

function tokenFrom(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return bearerFrom(params?.authorization ?? params?.Authorization ?? params?.token);
}

/** Answers an upgrade request with a plain HTTP error (the OpenAI-style envelope) and closes. */
function refuseUpgrade(socket: Duplex, status: 403 | 404, code: string, message: string): void {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', code, param: null } });
  const reason = status === 403 ? 'Forbidden' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function attachGraphqlWs(options: {
  server: Server;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, Context>;
  auth: Authenticator;
  /** Largest message accepted, in bytes; a bigger one closes the socket (1009). */
  maxPayload: number;
  /** client.allowed_origins now (read per upgrade, so config changes apply at once). */
  allowedOrigins: () => readonly string[];
}): GraphqlWs {
  const { server, yoga, auth, allowedOrigins } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?', 1)[0];
    // Node hands every upgrade socket to this listener and never times it out: one we do not
    // serve is answered and closed, not left open.
    if (path !== '/graphql')
      return refuseUpgrade(socket, 404, 'not_found', `no WebSocket endpoint at ${path}; use /graphql`);
    const origin = req.headers.origin;
    if (origin !== undefined && !isOriginAllowedToConnect(origin, req.headers.host, allowedOrigins()))
      return refuseUpgrade(
        socket,
        403,
        'origin_not_allowed',
        `origin ${origin} is neither this server's origin nor in client.allowed_origins`,
      );
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onConnect: async (ctx) => {
        const token = tokenFrom(ctx.connectionParams);
        const principal = await auth.authenticate(token);
        // A token that was sent but is not valid closes the socket (4403); no token is allowed
        // to connect, and each operation then answers UNAUTHENTICATED.
        if (token && !principal) return false;
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          req: ctx.extra.request,
          wsPrincipal: ctx.extra.principal,
          wsClient: ctx.extra.request.socket.remoteAddress ?? 'unknown',
          params: payload,
        });
        const document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        return args;
      },
    },
    wss,
  );

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((done) => wss.close(() => done()));
    },
  };
}
