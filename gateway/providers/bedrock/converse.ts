/**
 * Canonical chat request → Bedrock Converse body: `system` text blocks, user/assistant turns of
 * text, image (base64 bytes; URL images are dropped: Converse takes bytes or S3 only), toolUse
 * and toolResult blocks, `inferenceConfig`, `toolConfig`, and for Anthropic models `top_k` and
 * extended thinking in `additionalModelRequestFields`. For models with prompt caching (Claude,
 * Nova) a `cache_control` marker becomes a `cachePoint` block right after what it marks (Converse's
 * equivalent, in messages, system and tools); other models report it as dropped.
 */
import type { JsonObject } from '../../core/types.ts';
import {
  cacheControlOf,
  contentParts,
  contentText,
  droppedParams,
  functionTools,
  maxTokensOf,
  messagesOf,
  num,
  parseArguments,
  stopSequences,
  systemSegments,
  toolCallsOf,
  toolChoiceOf,
} from '../translate/openai-input.ts';
import { THINKING_BUDGETS } from '../anthropic/request.ts';

export const CONVERSE_MAPPED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
]);

interface State {
  dropped: Set<string>;
  /** The model takes `cachePoint` blocks (Anthropic Claude and Amazon Nova on Bedrock). */
  caches: boolean;
}

const CACHE_POINT: JsonObject = { cachePoint: { type: 'default' } };

/** Models whose Converse API accepts cache points (inference profiles include the vendor prefix). */
export function takesCachePoints(model: string): boolean {
  return model.includes('anthropic.') || model.includes('amazon.nova');
}

function blocks(content: unknown, state: State, marker?: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const part of contentParts(content)) {
    if (part.type === 'text') out.push({ text: part.text });
    else if (part.base64 !== undefined) {
      const format = (part.mediaType ?? 'image/png').replace(/^image\//, '').replace('jpg', 'jpeg');
      out.push({ image: { format, source: { bytes: part.base64 } } });
    } else {
      state.dropped.add('image_url');
      continue;
    }
    if (part.cacheControl !== undefined && state.caches) out.push(CACHE_POINT);
  }
  // A message-level marker ends the cached prefix after the whole message.
  if (marker !== undefined && state.caches && out.length > 0 && out[out.length - 1] !== CACHE_POINT)
    out.push(CACHE_POINT);
  return out;
}

interface Turn {
  role: 'user' | 'assistant';
  content: JsonObject[];
}

function push(turns: Turn[], role: Turn['role'], content: JsonObject[]): void {
  if (content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

function conversation(body: JsonObject, state: State): { system: JsonObject[]; messages: Turn[] } {
  const system: JsonObject[] = [];
  const messages: Turn[] = [];
  for (const message of messagesOf(body)) {
    const marker = cacheControlOf(message);
    if (message.role === 'system' || message.role === 'developer') {
      for (const segment of systemSegments(message)) {
        system.push({ text: segment.text });
        if (segment.cacheControl !== undefined && state.caches) system.push(CACHE_POINT);
      }
    } else if (message.role === 'assistant') {
      const calls = toolCallsOf(message).map((call) => ({
        toolUse: { toolUseId: call.id, name: call.name, input: parseArguments(call.arguments) },
      }));
      const content = [...blocks(message.content, state), ...calls];
      if (marker !== undefined && state.caches && content.length > 0) content.push(CACHE_POINT);
      push(messages, 'assistant', content);
    } else if (message.role === 'tool') {
      const toolUseId = typeof message.tool_call_id === 'string' ? message.tool_call_id : '';
      const content: JsonObject[] = [
        { toolResult: { toolUseId, content: [{ text: contentText(message.content) }] } },
      ];
      const partMarked = contentParts(message.content).some((part) => part.cacheControl !== undefined);
      if ((marker !== undefined || partMarked) && state.caches) content.push(CACHE_POINT);
      push(messages, 'user', content);
    } else push(messages, 'user', blocks(message.content, state, marker));
  }
  return { system, messages };
}

function inference(body: JsonObject): JsonObject {
  const config: JsonObject = {};
  const max = maxTokensOf(body);
  if (max !== undefined) config.maxTokens = max;
  const temperature = num(body.temperature);
  if (temperature !== undefined) config.temperature = temperature;
  const topP = num(body.top_p);
  if (topP !== undefined) config.topP = topP;
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) config.stopSequences = stop;
  return config;
}

function toolConfig(body: JsonObject, state: State): JsonObject | undefined {
  const tools = functionTools(body.tools);
  if (tools.length === 0) return undefined;
  const config: JsonObject = {
    tools: tools.flatMap((tool) => {
      const spec = {
        toolSpec: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          inputSchema: { json: tool.parameters },
        },
      };
      return tool.cacheControl !== undefined && state.caches ? [spec, CACHE_POINT] : [spec];
    }),
  };
  const choice = toolChoiceOf(body.tool_choice);
  if (choice?.kind === 'auto') config.toolChoice = { auto: {} };
  else if (choice?.kind === 'required') config.toolChoice = { any: {} };
  else if (choice?.kind === 'function') config.toolChoice = { tool: { name: choice.name } };
  else if (choice?.kind === 'none') state.dropped.add('tool_choice');
  return config;
}

/** Anthropic models on Bedrock take `top_k` and extended thinking as additional fields. */
function additional(body: JsonObject, model: string, state: State): JsonObject | undefined {
  const anthropic = model.includes('anthropic.');
  const extra: JsonObject = {};
  const topK = num(body.top_k);
  if (topK !== undefined) {
    if (anthropic) extra.top_k = topK;
    else state.dropped.add('top_k');
  }
  const budget =
    typeof body.reasoning_effort === 'string' ? THINKING_BUDGETS[body.reasoning_effort] : undefined;
  if (budget !== undefined) {
    if (anthropic) extra.thinking = { type: 'enabled', budget_tokens: budget };
    else state.dropped.add('reasoning_effort');
  }
  return Object.keys(extra).length > 0 ? extra : undefined;
}

export function encodeConverse(body: JsonObject, model: string): { payload: JsonObject; dropped: string[] } {
  const state: State = { dropped: new Set(), caches: takesCachePoints(model) };
  const { system, messages } = conversation(body, state);
  const payload: JsonObject = { messages };
  if (system.length > 0) payload.system = system;
  const config = inference(body);
  if (Object.keys(config).length > 0) payload.inferenceConfig = config;
  const tools = toolConfig(body, state);
  if (tools) payload.toolConfig = tools;
  const extra = additional(body, model, state);
  if (extra) payload.additionalModelRequestFields = extra;
  const mapped = new Set([...CONVERSE_MAPPED, 'top_k', 'reasoning_effort']);
  for (const name of droppedParams(body, mapped, state.caches)) state.dropped.add(name);
  return { payload, dropped: [...state.dropped].sort() };
}
