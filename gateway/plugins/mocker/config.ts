/**
 * The mocker plugin's configuration, as written under `plugins[]`:
 *
 * ```jsonc
 * {
 *   "name": "mocker",
 *   "enabled": true,
 *   "config": {
 *     "rules": [
 *       {
 *         "name": "offline-openai",              // for logs
 *         "enabled": true,                         // @default true
 *         "conditions": {                          // all given conditions must hold; none = always
 *           "providers": ["openai"],               // provider names
 *           "models": ["gpt-4o-mini"],             // bare names or "provider/model"; "*" = any
 *           "message_regex": "(?i)hello"           // JS RegExp source, tested on the prompt text;
 *         },                                       //   a leading (?i) means case-insensitive
 *         "probability": 1,                        // 0..1 chance the rule applies. @default 1
 *         "latency_ms": 50,                        // or {"min": 20, "max": 80}. @default 0
 *         "responses": [                           // one is chosen by weight
 *           { "weight": 9, "type": "success", "content": "Hi!",
 *             "usage": { "prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7 } },
 *           { "weight": 1, "type": "error", "status_code": 503, "error_message": "overloaded" }
 *         ]
 *       }
 *     ],
 *     "default_behavior": "passthrough"            // no rule matched: "passthrough" (call the
 *   }                                              //   provider) or "success" (default mock).
 * }                                                //   @default "passthrough"
 * ```
 *
 * Rules are tried in order and the first that matches answers. Invalid rules are skipped with a
 * warning rather than failing the whole configuration.
 */
import { isJsonObject } from '../../core/types.ts';
import type { PluginWarning } from '../../core/interceptor.ts';

export const DEFAULT_MOCK_CONTENT = 'This is a mocked response from Heimdall.';

export interface MockUsage {
  prompt_tokens?: number | undefined;
  completion_tokens?: number | undefined;
  total_tokens?: number | undefined;
}

export interface MockResponseSpec {
  weight: number;
  type: 'success' | 'error';
  content: string;
  statusCode: number;
  errorMessage: string;
  usage: MockUsage | undefined;
}

export interface MockRule {
  name: string;
  providers: ReadonlySet<string> | undefined;
  models: ReadonlySet<string> | undefined;
  messageRegex: RegExp | undefined;
  probability: number;
  latency: { min: number; max: number };
  responses: readonly MockResponseSpec[];
  totalWeight: number;
}

export interface MockerConfig {
  rules: readonly MockRule[];
  defaultBehavior: 'passthrough' | 'success';
}

const num = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;
const strings = (value: unknown): ReadonlySet<string> | undefined =>
  Array.isArray(value) && value.length > 0
    ? new Set(value.filter((item): item is string => typeof item === 'string'))
    : undefined;

function regex(source: unknown): RegExp | undefined {
  if (typeof source !== 'string' || source === '') return undefined;
  const insensitive = source.startsWith('(?i)');
  return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'i' : '');
}

function latency(value: unknown): { min: number; max: number } {
  if (isJsonObject(value)) {
    const min = Math.max(0, num(value.min, 0));
    return { min, max: Math.max(min, num(value.max, min)) };
  }
  const fixed = Math.max(0, num(value, 0));
  return { min: fixed, max: fixed };
}

function response(value: unknown): MockResponseSpec {
  if (!isJsonObject(value)) throw new Error('a response must be an object');
  const type = value.type === 'error' ? 'error' : 'success';
  return {
    weight: Math.max(0, num(value.weight, 1)),
    type,
    content: typeof value.content === 'string' ? value.content : DEFAULT_MOCK_CONTENT,
    statusCode: num(value.status_code, type === 'error' ? 500 : 200),
    errorMessage: typeof value.error_message === 'string' ? value.error_message : 'mocked error',
    usage: isJsonObject(value.usage) ? (value.usage as MockUsage) : undefined,
  };
}

function rule(value: unknown, index: number): MockRule | undefined {
  if (!isJsonObject(value)) throw new Error('a rule must be an object');
  if (value.enabled === false) return undefined;
  const conditions = isJsonObject(value.conditions) ? value.conditions : {};
  const responses =
    Array.isArray(value.responses) && value.responses.length > 0
      ? value.responses.map(response)
      : [response({ type: 'success' })];
  const totalWeight = responses.reduce((sum, item) => sum + item.weight, 0);
  return {
    name: typeof value.name === 'string' ? value.name : `rule ${index}`,
    providers: strings(conditions.providers),
    models: strings(conditions.models),
    messageRegex: regex(conditions.message_regex),
    probability: Math.min(1, Math.max(0, num(value.probability, 1))),
    latency: latency(value.latency_ms),
    responses,
    totalWeight,
  };
}

export function parseMockerConfig(config: unknown, warn: PluginWarning): MockerConfig {
  const body = isJsonObject(config) ? config : {};
  const rules: MockRule[] = [];
  const raw = Array.isArray(body.rules) ? body.rules : [];
  raw.forEach((value, index) => {
    try {
      const parsed = rule(value, index);
      if (parsed) rules.push(parsed);
    } catch (error) {
      warn('mocker: skipping invalid rule', {
        index,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  });
  return { rules, defaultBehavior: body.default_behavior === 'success' ? 'success' : 'passthrough' };
}
