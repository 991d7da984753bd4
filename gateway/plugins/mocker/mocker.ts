/**
 * The mocker plugin: answers attempts from configured rules instead of calling the provider,
 * plain or streamed, with simulated latency and weighted success/error responses. Shape of its
 * configuration: see config.ts.
 */
import { estimateTokens, promptText } from '../../util/prompt-text.ts';
import type { PluginWarning } from '../../core/interceptor.ts';
import type {
  AttemptInterceptor,
  InterceptedResponse,
  InterceptInput,
  InterceptTarget,
} from '../../core/interceptor.ts';
import {
  DEFAULT_MOCK_CONTENT,
  parseMockerConfig,
  type MockerConfig,
  type MockResponseSpec,
  type MockRule,
} from './config.ts';
import { renderJson, renderStream, type MockUsageCounts } from './render.ts';

function prompt(ctx: InterceptInput): string {
  if (ctx.promptText === undefined) ctx.promptText = promptText(ctx.body);
  return ctx.promptText;
}

function matches(rule: MockRule, ctx: InterceptInput, target: InterceptTarget): boolean {
  if (rule.providers && !rule.providers.has(target.provider.name)) return false;
  if (
    rule.models &&
    !rule.models.has('*') &&
    !rule.models.has(target.model) &&
    !rule.models.has(`${target.provider.name}/${target.model}`)
  ) {
    return false;
  }
  if (rule.messageRegex && !rule.messageRegex.test(prompt(ctx))) return false;
  return rule.probability >= 1 || Math.random() < rule.probability;
}

function choose(rule: MockRule): MockResponseSpec {
  let target = Math.random() * rule.totalWeight;
  for (const candidate of rule.responses) {
    target -= candidate.weight;
    if (target < 0) return candidate;
  }
  return rule.responses[rule.responses.length - 1]!;
}

function usageFor(spec: MockResponseSpec, ctx: InterceptInput): MockUsageCounts {
  const given = spec.usage;
  const promptTokens = given?.prompt_tokens ?? estimateTokens(prompt(ctx));
  const completion =
    ctx.operation === 'embeddings' ? 0 : (given?.completion_tokens ?? estimateTokens(spec.content));
  return { prompt: promptTokens, completion, total: given?.total_tokens ?? promptTokens + completion };
}

function render(
  spec: MockResponseSpec,
  ctx: InterceptInput,
  target: InterceptTarget,
  delayMs: number,
): InterceptedResponse {
  if (spec.type === 'error') {
    const error = {
      error: { message: spec.errorMessage, type: 'mock_error', code: 'mock_error', param: null },
    };
    return { status: spec.statusCode, contentType: 'application/json', body: JSON.stringify(error), delayMs };
  }
  const usage = usageFor(spec, ctx);
  if (ctx.stream) {
    return {
      status: 200,
      contentType: 'text/event-stream',
      body: renderStream(ctx.operation, target.model, spec.content, usage),
      delayMs,
    };
  }
  const body = JSON.stringify(renderJson(ctx.operation, target.model, spec.content, usage, ctx.body));
  return { status: 200, contentType: 'application/json', body, delayMs };
}

const DEFAULT_SUCCESS: MockResponseSpec = {
  weight: 1,
  type: 'success',
  content: DEFAULT_MOCK_CONTENT,
  statusCode: 200,
  errorMessage: '',
  usage: undefined,
};

class Mocker implements AttemptInterceptor {
  readonly name = 'mocker';
  constructor(private readonly config: MockerConfig) {}

  intercept(ctx: InterceptInput, target: InterceptTarget): InterceptedResponse | undefined {
    for (const rule of this.config.rules) {
      if (!matches(rule, ctx, target)) continue;
      const { min, max } = rule.latency;
      return render(choose(rule), ctx, target, min === max ? min : min + Math.random() * (max - min));
    }
    return this.config.defaultBehavior === 'success' ? render(DEFAULT_SUCCESS, ctx, target, 0) : undefined;
  }
}

export function compileMocker(
  config: Record<string, unknown>,
  warn: PluginWarning,
): AttemptInterceptor | undefined {
  const parsed = parseMockerConfig(config, warn);
  if (parsed.rules.length === 0 && parsed.defaultBehavior === 'passthrough') return undefined;
  return new Mocker(parsed);
}
