/**
 * Checks the fields Heimdall itself relies on, per operation, and answers 400 naming the field.
 * Everything else is the provider's to judge.
 */
import type { RequestContext } from '../context.ts';
import { badRequest } from '../core/errors.ts';
import type { Operation } from '../core/types.ts';
import { isJsonObject } from '../core/types.ts';

/** The field each operation cannot do without (besides `model`). */
const REQUIRED_INPUT: Readonly<Record<Operation, string | undefined>> = {
  chat: 'messages',
  completions: 'prompt',
  embeddings: 'input',
  responses: undefined,
};

function requireModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (model === undefined || model === null)
    throw badRequest('missing_field', 'the "model" field is required', 'model');
  if (typeof model !== 'string' || model.trim() === '')
    throw badRequest('invalid_type', '"model" must be a non-empty string', 'model');
  return model;
}

/**
 * Most `fallbacks` a request may list. Each is a full upstream call (with its own retries), so an
 * unbounded list turns one request into any number of provider calls.
 */
export const MAX_FALLBACKS = 10;

/**
 * Count fields Heimdall reads itself (governance bounds a request's cost with them) and must not
 * forward mistyped: the output caps of chat/completions, Responses and Anthropic, and `n`.
 */
const INTEGER_FIELDS: ReadonlyArray<readonly [field: string, minimum: number]> = [
  ['max_tokens', 0],
  ['max_completion_tokens', 0],
  ['max_output_tokens', 0],
  ['n', 1],
];

function checkCounts(body: Record<string, unknown>): void {
  for (const [field, minimum] of INTEGER_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw badRequest('invalid_type', `"${field}" must be an integer`, field);
    if (value < minimum) throw badRequest('invalid_value', `"${field}" must be at least ${minimum}`, field);
  }
}

function checkFallbacks(fallbacks: unknown): void {
  if (fallbacks === undefined || fallbacks === null) return;
  if (!Array.isArray(fallbacks))
    throw badRequest('invalid_type', '"fallbacks" must be an array', 'fallbacks');
  if (fallbacks.length > MAX_FALLBACKS)
    throw badRequest(
      'invalid_value',
      `"fallbacks" lists ${fallbacks.length} entries; at most ${MAX_FALLBACKS} are allowed`,
      'fallbacks',
    );
}

function checkInput(operation: Operation, body: Record<string, unknown>): void {
  const field = REQUIRED_INPUT[operation];
  if (field === undefined) return;
  const value = body[field];
  if (value === undefined || value === null)
    throw badRequest('missing_field', `the "${field}" field is required`, field);
  if (operation === 'chat') {
    if (!Array.isArray(value)) throw badRequest('invalid_type', '"messages" must be an array', 'messages');
    if (value.length === 0) throw badRequest('invalid_value', '"messages" must not be empty', 'messages');
  } else if (typeof value !== 'string' && !Array.isArray(value)) {
    throw badRequest('invalid_type', `"${field}" must be a string or an array`, field);
  }
}

/** Validates and stores the parsed body on the context. */
export function acceptBody(ctx: RequestContext, parsed: unknown): void {
  if (!isJsonObject(parsed)) throw badRequest('invalid_body', 'request body must be a JSON object');
  const model = requireModel(parsed);
  checkInput(ctx.operation, parsed);
  const stream = parsed.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
    throw badRequest('invalid_type', '"stream" must be a boolean', 'stream');
  if (stream === true && ctx.operation === 'embeddings')
    throw badRequest('invalid_value', 'embeddings cannot be streamed', 'stream');
  const options = parsed.stream_options;
  if (options !== undefined && options !== null && !isJsonObject(options))
    throw badRequest('invalid_type', '"stream_options" must be an object', 'stream_options');
  checkCounts(parsed);
  const fallbacks = parsed.fallbacks;
  checkFallbacks(fallbacks);
  if (parsed.provider !== undefined && typeof parsed.provider !== 'string')
    throw badRequest('invalid_type', '"provider" must be a string', 'provider');

  ctx.body = parsed;
  ctx.requestedModel = model;
  ctx.stream = stream === true;
  ctx.clientStreamOptions = options ?? undefined;
  ctx.clientWantsStreamUsage = isJsonObject(options) && options.include_usage === true;
  ctx.requestedProvider =
    typeof parsed.provider === 'string' && parsed.provider !== '' ? parsed.provider : undefined;
  ctx.requestedFallbacks = Array.isArray(fallbacks) ? fallbacks : [];
  // Gateway-only fields never reach the provider (so neither does the text that has them).
  // A `stream_options: null` is dropped from stream requests (engine/outgoing.ts): rare, so the
  // text is not forwarded then either.
  if (parsed.fallbacks !== undefined || parsed.provider !== undefined || options === null)
    ctx.clientText = undefined;
  delete parsed.fallbacks;
  delete parsed.provider;
}
