/**
 * What the mock upstream answers and what the load generator sends: one OpenAI-shaped request,
 * one fixed `chat.completion` (usage included, so governed targets price every request) and one
 * fixed SSE stream of `chat.completion.chunk` events ending in a usage chunk and `[DONE]`.
 * Generated here so the nginx config, the wrk script and the SSE check agree byte for byte.
 */
export const completionId = 'chatcmpl-heimdall-bench';

export const chatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You answer in one short paragraph.' },
    { role: 'user', content: 'What does an API gateway do for an AI application?' },
  ],
  temperature: 0.3,
  max_tokens: 200,
};

export const streamRequest = { ...chatRequest, stream: true, stream_options: { include_usage: true } };

/** Words of the agent-sized prompt: code, logs and prose; every 97th from NON_ASCII_WORDS. */
const AGENT_WORDS = [
  'function',
  'return',
  'budget',
  'the',
  'request',
  'const',
  'await',
  'gateway',
  'provider',
  'token',
  'stream',
  '{',
  '}',
  '(',
  ');',
  '=>',
  'error:',
  'at',
  'line',
  '42,',
  'and',
  'of',
  'to',
  'if',
  'else',
  'null',
  'true',
  '/usr/lib',
  'x-bf-vk',
  '\\n',
];
const NON_ASCII_WORDS = ['naïve', '—', '✓', '東京', '“quoted”'];

/**
 * A coding agent's request: 40 alternating user and assistant messages of ~9,000 characters each
 * (~370 KB in all, about one word in a hundred not ASCII), the size of context such clients send
 * on every turn. Deterministic, so runs compare.
 */
export function agentRequest(): typeof chatRequest {
  let state = 7;
  let count = 0;
  const messages = Array.from({ length: 40 }, (_, index) => {
    const words: string[] = [];
    for (let chars = 0; chars < 9_000;) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      const list = ++count % 97 === 0 ? NON_ASCII_WORDS : AGENT_WORDS;
      const word = list[state % list.length]!;
      words.push(word);
      chars += word.length + 1;
    }
    return { role: index % 2 === 0 ? 'user' : 'assistant', content: words.join(' ') };
  });
  return { ...chatRequest, messages };
}

export const completionUsage = { prompt_tokens: 27, completion_tokens: 31, total_tokens: 58 };

export const completionBody = JSON.stringify({
  id: completionId,
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content:
          'It sits between the application and the model providers: one endpoint, keys kept server-side, budgets and rate limits enforced, every request logged and priced.',
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: completionUsage,
  system_fingerprint: 'fp_heimdall_bench',
});

/** The streamed answer, one word per chunk, so a gateway pays its per-event cost many times. */
export const streamedText =
  'A gateway gives every client one endpoint, holds the provider keys, enforces budgets and limits, and logs each request with its cost.';

/**
 * One content chunk as OpenAI streams it when the request asks for usage (`include_usage`, as
 * streamRequest does): every chunk before the usage chunk says `"usage":null`, so a gateway's
 * search for the usage event meets that field in every event, as it would in production.
 */
function chunk(delta: object, finishReason: string | null): string {
  return JSON.stringify({
    id: completionId,
    object: 'chat.completion.chunk',
    created: 1_767_225_600,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_heimdall_bench',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  });
}

export const streamUsage = { prompt_tokens: 29, completion_tokens: 24, total_tokens: 53 };

/** The SSE events (without the `data: ` framing), in order, `[DONE]` last. */
export function streamEvents(): string[] {
  const words = streamedText.split(/(?= )/);
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...words.map((word) => chunk({ content: word }, null)),
    chunk({}, 'stop'),
    JSON.stringify({
      id: completionId,
      object: 'chat.completion.chunk',
      created: 1_767_225_600,
      model: 'gpt-4o-mini-2024-07-18',
      system_fingerprint: 'fp_heimdall_bench',
      choices: [],
      usage: streamUsage,
    }),
    '[DONE]',
  ];
}

export const streamBody = streamEvents()
  .map((event) => `data: ${event}\n\n`)
  .join('');
