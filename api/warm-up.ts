/**
 * Start-up warm-up: once Heimdall is built and before it listens (api/start.ts,
 * api/start-gateway.ts; `npm start` asks for HEIMDALL_WARMUP_REQUESTS, tests for none), it sends
 * chat requests — whole answers and streams, on the OpenAI route and one in four on the Anthropic
 * one (`/anthropic/v1/messages`, translated) — through Heimdall's HTTP server and gateway code to
 * a loopback upstream held in this process, so V8 has compiled the request path before
 * the first caller arrives. Measured against the reference bench's nginx mock: a freshly started
 * process answers its first ~30 streamed requests' first event about twice as late as a warm one,
 * and keeps improving for a few hundred requests. A replica started by a rolling update or a scale-out would otherwise
 * serve that slow stretch to real traffic.
 *
 * The Anthropic route's streams also load the o200k_base tokenizer tables (gateway/pricing/
 * tokenize.ts): a translated stream's `message_start` carries an input estimate counted with
 * them, and a stream that ends without usage is charged by a count with them. Loaded lazily they
 * took ~0.12 s of the event loop on the first such request, stalling every request in flight with
 * it; here they cost that much start-up and ~40 MB resident, which a replica serving OpenAI-family
 * streams would come to hold anyway.
 *
 * Its requests come as callers send them: without a virtual key, with one under a soft budget or a
 * strict one (a CEL routing rule matching, request logging on), and now and then with an unknown
 * key, refused. The warm-up is sealed off from the real gateway: its own gateway instance with
 * its own snapshot, metrics and upstream pools, its budgets and rate limits counted by the
 * gateway's in-process stand-in for a control plane, which discards request logs
 * (gateway/governance/local-channel.ts), and its own servers on 127.0.0.1 port 0, all closed
 * before start-up goes on. It reaches no provider, opens no database and writes no log, ledger or
 * counter. It warms what is code (node:http, undici, the router, the OpenAI codec, governance's
 * hooks, the JSON and SSE relays, usage capture, pricing); the serving gateway's stores (the
 * counter store, the request-log writer) are not exercised.
 */
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlaneClient } from '../clients/control-plane.ts';
import type { GatewaySnapshot } from '../clients/contract/snapshot.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { createHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';
import {
  loopbackUpstream,
  plan,
  refusedAsUnknownKey,
  relayedWhole,
  requestBody,
  send,
  snapshotFor,
} from './warm-up-traffic.ts';

export interface WarmUpOptions {
  /** Requests to send, half of them streamed; 0 skips the warm-up. */
  requests: number;
  /** Stops early once this much time has passed, however many were sent. @default 3000 */
  maxMs?: number;
  /** Requests in flight at once. @default 4 */
  concurrency?: number;
}

export interface WarmUpReport {
  /** Requests answered completely: status 200 and the upstream's whole answer, relayed. */
  completed: number;
  /** Of those, streams (SSE ending in `data: [DONE]`, or `message_stop` on the Anthropic route). */
  streamed: number;
  /** Of those, answered on the Anthropic route (`/anthropic/v1/messages`). */
  anthropic: number;
  /** Requests with an unknown virtual key refused with a 403, as they must be (one in 20). */
  refused: number;
  /** Requests answered otherwise than planned; the warm-up never fails start-up, so these are only reported. */
  failed: number;
  ms: number;
}

/**
 * Default of HEIMDALL_WARMUP_REQUESTS. Against the reference bench's nginx mock (one core), after
 * 1,000 a fresh process's first streamed event was 0.90–1.02 ms in five restarts, the warm bare
 * proxy's 0.71–0.81; after 400 it was 0.94–3.17 ms in fifteen, after none 1.30–4.35 ms in
 * nineteen (docs/performance.md, "Start-up and first requests"). It costs ~1.1 s of start-up on that core.
 */
export const DEFAULT_WARMUP_REQUESTS = 1000;

/** HEIMDALL_WARMUP_REQUESTS: a whole number ≥ 0 (0 turns the warm-up off); stops start-up otherwise. */
export function warmUpRequestsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.HEIMDALL_WARMUP_REQUESTS?.trim();
  if (!raw) return DEFAULT_WARMUP_REQUESTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(
      `HEIMDALL_WARMUP_REQUESTS: expected a whole number of requests ≥ 0 (0 turns the start-up warm-up off; default ${DEFAULT_WARMUP_REQUESTS}), got "${raw}"`,
    );
  return value;
}

function staticControlPlane(snapshot: GatewaySnapshot): ControlPlaneClient {
  return {
    getSnapshot: () => Promise.resolve(snapshot),
    onConfigChanged: () => () => undefined,
    close: () => Promise.resolve(),
  };
}

async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

export async function warmUp(options: WarmUpOptions): Promise<WarmUpReport> {
  const began = performance.now();
  const report: WarmUpReport = { completed: 0, streamed: 0, anthropic: 0, refused: 0, failed: 0, ms: 0 };
  if (options.requests <= 0) return report;
  const deadline = began + (options.maxMs ?? 3000);
  const concurrency = options.concurrency ?? 4;
  // What is open so far, closed in reverse however the run ends (a failed listen included).
  const opened: Array<() => Promise<void>> = [];
  try {
    const upstream = createServer({ keepAliveTimeout: 5000 }, loopbackUpstream());
    const upstreamUrl = await listenOnLoopback(upstream);
    opened.push(() => closeServer(upstream));
    const gateway = await createGateway({ controlPlane: staticControlPlane(snapshotFor(upstreamUrl)) });
    opened.push(() => gateway.close());
    const server = createHttpServer({ gateway, pingDatabase: () => Promise.resolve() });
    const gatewayUrl = new URL(await listenOnLoopback(server));
    opened.push(() => closeServer(server));
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    opened.push(() => Promise.resolve(agent.destroy()));
    let sent = 0;
    const worker = async () => {
      while (sent < options.requests && performance.now() < deadline) {
        const n = sent++;
        const planned = plan(n);
        const answer = await send(agent, gatewayUrl, planned, requestBody(planned, n));
        if (answer === undefined) report.failed++;
        else if (planned.refused) {
          if (refusedAsUnknownKey(answer, planned.route)) report.refused++;
          else report.failed++;
        } else if (relayedWhole(answer, planned)) {
          report.completed++;
          if (planned.stream) report.streamed++;
          if (planned.route === 'anthropic') report.anthropic++;
        } else report.failed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    for (const close of opened.reverse()) await close();
  }
  report.ms = Math.round(performance.now() - began);
  return report;
}

/**
 * The start functions' step between building and listening: warms up when asked to, and logs what
 * it did. The warm-up only makes the first requests faster, so its failure (no loopback address to
 * bind, say) is a warning, never a reason not to serve.
 */
export async function warmUpBeforeListening(
  requests: number | undefined,
  logger: Logger,
  run: (options: WarmUpOptions) => Promise<WarmUpReport> = warmUp,
): Promise<void> {
  if (!requests) return;
  try {
    const { completed, streamed, anthropic, refused, failed, ms } = await run({ requests });
    // `sent` may fall short of `requests` when the time limit came first (a slow or busy core).
    logger.info('warmed up', {
      sent: completed + refused + failed,
      answered: completed,
      streamed,
      anthropic,
      refused,
      failed,
      ms,
    });
  } catch (error) {
    logger.warn('start-up warm-up failed; serving without it (HEIMDALL_WARMUP_REQUESTS=0 skips it)', {
      error: (error as Error).message,
    });
  }
}
