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
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlaneClient } from '../clients/control-plane.ts';
import { noGovernance, type GatewaySnapshot, type VirtualKeySnapshot } from '../clients/contract/snapshot.ts';
import { clientSnapshot, hashVirtualKey } from '../db/index.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { createHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';

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
 * nineteen (README, Benchmark). It costs ~1.1 s of start-up on that core.
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

const MODEL = 'gpt-4o-mini';
const WORDS = ['Warm', '-up', ' answer', ' from', ' the', ' loopback', ' upstream', '.'];
const USAGE = { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length };

function answerJson(): string {
  return JSON.stringify({
    id: 'chatcmpl-warmup',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: WORDS.join(''), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
  });
}

/** OpenAI's stream with usage requested: a role chunk, content deltas, a finish, a usage-only chunk, [DONE]. */
function answerEvents(): string[] {
  const chunk = (delta: object, finish: string | null, usage: object | null = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-warmup',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: MODEL,
      choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage,
    })}\n\n`;
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...WORDS.map((word) => chunk({ content: word }, null)),
    chunk({}, 'stop'),
    chunk({}, null, USAGE),
    'data: [DONE]\n\n',
  ];
}

/**
 * The loopback upstream: OpenAI's wire format for POST /v1/chat/completions, whole or streamed.
 * Its answers are built once per warm-up; the gateway's side is what is being warmed.
 */
function loopbackUpstream(): (req: IncomingMessage, res: ServerResponse) => void {
  const json = answerJson();
  const events = answerEvents();
  const half = events.length >> 1;
  // Two writes, as a real upstream's events arrive in more than one read.
  const firstWrite = events.slice(0, half).join('');
  const secondWrite = events.slice(half).join('');
  return (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"error":{"message":"warm-up upstream"}}');
        return;
      }
      if (!Buffer.concat(parts).toString('utf8').includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(firstWrite);
      setImmediate(() => res.end(secondWrite));
    });
  };
}

/** Virtual keys of the warm-up's own snapshot, one per budget mode; they exist nowhere else. */
const VIRTUAL_KEYS = {
  soft: 'sk-bf-warm-up-soft-budget-key',
  strict: 'sk-bf-warm-up-strict-budget-key',
} as const;

/** Callers in turn: none (pass-through), then a virtual key under a soft budget, then a strict one. */
const CALLERS = [undefined, VIRTUAL_KEYS.soft, VIRTUAL_KEYS.strict] as const;

/** Every REFUSAL_EVERY-th request carries a key the snapshot does not know, to be refused (403 virtual_key_not_found, as Bifrost answers). */
const REFUSAL_EVERY = 20;
const UNKNOWN_KEY = 'sk-bf-warm-up-unknown-key';

/** The route a request takes: OpenAI's chat completions, or Anthropic's messages translated to it. */
type Route = 'openai' | 'anthropic';

/** Every ANTHROPIC_EVERY-th pair of requests (one whole, one streamed) goes to the Anthropic route. */
const ANTHROPIC_EVERY = 4;

interface PlannedRequest {
  route: Route;
  stream: boolean;
  virtualKey: string | undefined;
  /** The unknown key's request must be refused; every other one answered whole. */
  refused: boolean;
}

/**
 * Request `n` of the warm-up: streamed every other one, callers in turn, one pair in four on the
 * Anthropic route (4 and 3 callers are coprime: every caller meets both routes), now and then a
 * refusal.
 */
function plan(n: number): PlannedRequest {
  const refused = n % REFUSAL_EVERY === REFUSAL_EVERY - 1;
  const pair = Math.floor(n / 2);
  return {
    route: pair % ANTHROPIC_EVERY === ANTHROPIC_EVERY - 1 ? 'anthropic' : 'openai',
    stream: n % 2 === 1,
    virtualKey: refused ? UNKNOWN_KEY : CALLERS[pair % CALLERS.length],
    refused,
  };
}

function virtualKey(mode: 'soft' | 'strict'): VirtualKeySnapshot {
  return {
    id: `warm-up-${mode}`,
    name: `warm-up ${mode}`,
    valueHash: hashVirtualKey(VIRTUAL_KEYS[mode]),
    is_active: true,
    budget_id: `warm-up-${mode}`,
    rate_limit_id: 'warm-up',
    provider_configs: [{ provider: 'openai', weight: 1, allowed_models: ['*'], key_ids: [] }],
  };
}

/**
 * One provider at the loopback upstream, and governance as a governed deployment has it: virtual
 * keys, soft and strict budgets, a rate limit, a CEL routing rule and request logging. Budgets and
 * rate limits are counted by the gateway's in-process stand-in (no channel to a control plane),
 * and request logs are discarded there (gateway/governance/local-channel.ts).
 */
function snapshotFor(upstreamUrl: string): GatewaySnapshot {
  const day = { reset_duration: '1d', calendar_aligned: false, max_limit_micros: 1e15 };
  return {
    version: 1,
    // The config model's defaults, with request logging on and a 1 MB body limit.
    client: clientSnapshot({
      enable_logging: true,
      disable_content_logging: true,
      max_request_body_size_mb: 1,
      log_retention_days: 1,
    }),
    providers: [
      {
        name: 'openai',
        keys: [
          {
            id: 'warm-up',
            name: 'warm-up',
            value: 'sk-warm-up',
            weight: 1,
            models: ['*'],
            blacklisted_models: [],
            enabled: true,
            use_for_batch_api: false,
          },
        ],
        network_config: { base_url: upstreamUrl },
      },
    ],
    governance: {
      ...noGovernance(),
      budgets: [
        { id: 'warm-up-soft', mode: 'soft', ...day },
        { id: 'warm-up-strict', mode: 'strict', ...day },
      ],
      rate_limits: [
        {
          id: 'warm-up',
          request_max_limit: 1e9,
          request_reset_duration: '1h',
          token_max_limit: 1e12,
          token_reset_duration: '1h',
        },
      ],
      virtual_keys: [virtualKey('soft'), virtualKey('strict')],
      routing_rules: [
        {
          id: 'warm-up',
          name: 'gpt models to openai',
          enabled: true,
          cel_expression: "model.startsWith('gpt-')",
          targets: [{ provider: 'openai', model: '', weight: 1 }],
          fallbacks: [],
          scope: 'global',
          priority: 0,
        },
      ],
    },
    plugins: [],
  };
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

/**
 * The body as each route's SDK sends it. Every other round of callers names the model as
 * Bifrost's `provider/model`, as callers do.
 */
function requestBody({ route, stream }: PlannedRequest, n: number): string {
  const model = Math.floor(n / (2 * CALLERS.length)) % 2 === 0 ? MODEL : `openai/${MODEL}`;
  if (route === 'anthropic')
    return JSON.stringify({
      model,
      system: 'You are a helpful assistant.',
      messages: [{ role: 'user', content: `Warm-up request ${n}: say hello.` }],
      max_tokens: 64,
      ...(stream ? { stream: true } : {}),
    });
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: `Warm-up request ${n}: say hello.` },
    ],
    max_tokens: 64,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** One request to the gateway, as an SDK sends it; its status and text, undefined when it failed. */
function send(
  agent: Agent,
  url: URL,
  { route, stream, virtualKey }: PlannedRequest,
  body: string,
): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        path: route === 'anthropic' ? '/anthropic/v1/messages' : '/v1/chat/completions',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: stream ? 'text/event-stream' : 'application/json',
          ...(route === 'anthropic'
            ? { 'x-api-key': 'sk-warm-up-caller', 'anthropic-version': '2023-06-01' }
            : { authorization: 'Bearer sk-warm-up-caller' }),
          'user-agent': 'heimdall-warm-up',
          ...(virtualKey === undefined ? {} : { 'x-bf-vk': virtualKey }),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }),
        );
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/**
 * Whether an unknown key was refused as Bifrost refuses it, in the route's error envelope: OpenAI's
 * with code `virtual_key_not_found`, Anthropic's as a `permission_error`.
 */
function refusedAsUnknownKey({ status, text }: { status: number; text: string }, route: Route): boolean {
  if (status !== 403) return false;
  return route === 'anthropic'
    ? text.includes('"type":"permission_error"') && text.includes('virtual key not found')
    : text.includes('"code":"virtual_key_not_found"');
}

/**
 * Whether the gateway relayed the loopback upstream's whole answer: its text (for a stream, every
 * delta in the route's format) and a stream's last event (`[DONE]`, or Anthropic's `message_stop`).
 */
function relayedWhole(
  { status, text }: { status: number; text: string },
  { route, stream }: PlannedRequest,
): boolean {
  if (status !== 200) return false;
  if (!stream) return text.includes(WORDS.join(''));
  const deltaField = route === 'anthropic' ? '"text":' : '"content":';
  const end = route === 'anthropic' ? 'data: {"type":"message_stop"}' : 'data: [DONE]';
  return (
    WORDS.every((word) => text.includes(`${deltaField}${JSON.stringify(word)}`)) &&
    text.trimEnd().endsWith(end)
  );
}

/** Runs the warm-up and closes everything it opened; never throws for a failed request. */
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
