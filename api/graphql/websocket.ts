/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's upgrade event for /graphql. The
 * connection authenticates once from `connectionParams` (`authorization: "Bearer …"` or
 * `token`); every operation then runs through yoga's envelop pipeline (same validation rules,
 * masking and context as HTTP).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
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

export function attachGraphqlWs(options: {
  server: Server;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, Context>;
  auth: Authenticator;
}): GraphqlWs {
  const { server, yoga, auth } = options;
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?', 1)[0] !== '/graphql') return;
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
