/**
 * The start-up warm-up's traffic (api/warm-up.ts runs it): what its callers send and how their
 * answers are checked, the loopback upstream that answers in OpenAI's wire format, and the
 * throwaway snapshot — one OpenAI provider at that upstream, virtual keys under soft and strict
 * budgets, a rate limit and a CEL routing rule — the warm-up's gateway serves from.
 */
import { request, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { noGovernance, type GatewaySnapshot, type VirtualKeySnapshot } from '../clients/contract/snapshot.ts';
import { clientSnapshot, hashVirtualKey } from '../db/index.ts';

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
export function loopbackUpstream(): (req: IncomingMessage, res: ServerResponse) => void {
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
export type Route = 'openai' | 'anthropic';

/** Every ANTHROPIC_EVERY-th pair of requests (one whole, one streamed) goes to the Anthropic route. */
const ANTHROPIC_EVERY = 4;

export interface PlannedRequest {
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
export function plan(n: number): PlannedRequest {
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
export function snapshotFor(upstreamUrl: string): GatewaySnapshot {
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

/**
 * The body as each route's SDK sends it. Every other round of callers names the model as
 * Bifrost's `provider/model`, as callers do.
 */
export function requestBody({ route, stream }: PlannedRequest, n: number): string {
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
export function send(
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
export function refusedAsUnknownKey(
  { status, text }: { status: number; text: string },
  route: Route,
): boolean {
  if (status !== 403) return false;
  return route === 'anthropic'
    ? text.includes('"type":"permission_error"') && text.includes('virtual key not found')
    : text.includes('"code":"virtual_key_not_found"');
}

/**
 * Whether the gateway relayed the loopback upstream's whole answer: its text (for a stream, every
 * delta in the route's format) and a stream's last event (`[DONE]`, or Anthropic's `message_stop`).
 */
export function relayedWhole(
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
