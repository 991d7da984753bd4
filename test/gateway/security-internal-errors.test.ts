/**
 * Issue 11: every `internal_error` a client sees is in the process log with its cause (and the
 * request id the client got), wherever it was produced: in an attempt (answered by the engine
 * loop, which did not log it before), before the attempts, or while listing models. The client
 * still sees only `internal gateway error`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type GatewayHooks } from '../../gateway/create-gateway.ts';
import { startOpenAIMock, type OpenAIMock } from '../mocks/openai-mock.ts';
import { chatBody, errorOf, FakeControlPlane, key, postJson, provider, snapshotOf } from './harness.ts';

interface Logged {
  msg: string;
  fields: Record<string, unknown>;
}

interface Running {
  url: string;
  errors: Logged[];
  close(): Promise<void>;
}

async function start(hooks: Partial<GatewayHooks>): Promise<Running> {
  const mock: OpenAIMock = await startOpenAIMock();
  const errors: Logged[] = [];
  const gateway: Gateway = await createGateway({
    controlPlane: new FakeControlPlane(snapshotOf({ providers: [provider('openai', mock.url, [key()])] })),
    hooks,
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: (msg, fields) => void errors.push({ msg, fields: (fields ?? {}) as Record<string, unknown> }),
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void gateway.handle(req, res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await mock.close();
    },
  };
}

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function expectLoggedCause(errors: Logged[], cause: string, requestId?: string | null): void {
  const entry = errors.find((logged) =>
    String((logged.fields.error as Error | undefined)?.message).includes(cause),
  );
  expect(entry, `a logged error whose cause is "${cause}"`).toBeDefined();
  expect(entry!.fields.stack).toContain(cause);
  if (requestId !== undefined) expect(entry!.fields.requestId).toBe(requestId);
}

describe('internal errors are logged with their cause', () => {
  it('a bug inside an attempt: 500 internal_error to the client, the cause in the log', async () => {
    running = await start({
      beforeAttempt: () => {
        throw new TypeError('attempt bug: cannot read x of undefined');
      },
    });
    const response = await postJson(`${running.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    expect(response.status).toBe(500);
    expect(errorOf(response)).toMatchObject({ code: 'internal_error', message: 'internal gateway error' });
    expect(response.text).not.toContain('attempt bug');
    expectLoggedCause(running.errors, 'attempt bug', response.headers.get('x-request-id'));
  });

  it('a bug before the attempts (authentication hook)', async () => {
    running = await start({
      authenticate: () => {
        throw new RangeError('auth bug');
      },
    });
    const response = await postJson(`${running.url}/v1/chat/completions`, chatBody('openai/gpt-4o'));
    expect(response.status).toBe(500);
    expectLoggedCause(running.errors, 'auth bug', response.headers.get('x-request-id'));
  });

  it('a bug while listing models', async () => {
    running = await start({
      filterModels: () => {
        throw new Error('models bug');
      },
    });
    const response = await fetch(`${running.url}/v1/models`);
    expect(response.status).toBe(500);
    expectLoggedCause(running.errors, 'models bug');
  });
});
