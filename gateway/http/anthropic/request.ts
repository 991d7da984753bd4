/**
 * Anthropic Messages request (what the Anthropic SDK sends to `/anthropic/v1/messages`) → the
 * canonical chat body: `system` to a system message, text and image blocks to content parts,
 * `tool_use` to tool calls, `tool_result` to `tool` messages, tools and `tool_choice`, extended
 * thinking to `reasoning_effort`. The original body rides along for pass-through to Anthropic.
 */
import { badRequest } from '../../core/errors.ts';
import { attachNative } from '../../providers/anthropic/native.ts';
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';

type Block = JsonObject;

function blocks(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isJsonObject) : [];
}

function textOf(content: unknown): string {
  return blocks(content)
    .flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : []))
    .join('\n');
}

function imagePart(block: Block): JsonObject | undefined {
  const source = isJsonObject(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.data === 'string')
    return {
      type: 'image_url',
      image_url: { url: `data:${String(source.media_type)};base64,${source.data}` },
    };
  if (source.type === 'url' && typeof source.url === 'string')
    return { type: 'image_url', image_url: { url: source.url } };
  return undefined;
}

function userMessages(content: unknown): JsonObject[] {
  const out: JsonObject[] = [];
  const parts: JsonObject[] = [];
  for (const block of blocks(content)) {
    if (block.type === 'tool_result')
      out.push({
        role: 'tool',
        tool_call_id: typeof block.tool_use_id === 'string' ? block.tool_use_id : '',
        content: typeof block.content === 'string' ? block.content : textOf(block.content),
      });
    else if (block.type === 'text' && typeof block.text === 'string')
      parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') {
      const image = imagePart(block);
      if (image) parts.push(image);
    }
  }
  if (typeof content === 'string') out.push({ role: 'user', content });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function assistantMessage(content: unknown): JsonObject {
  let text = '';
  let reasoning = '';
  const calls: JsonObject[] = [];
  for (const block of blocks(content)) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block.type === 'tool_use')
      calls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
  }
  const message: JsonObject = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

function messages(body: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const system = typeof body.system === 'string' ? body.system : textOf(body.system);
  if (system !== '') out.push({ role: 'system', content: system });
  if (body.messages === undefined || body.messages === null)
    throw badRequest('missing_field', 'the "messages" field is required', 'messages');
  if (!Array.isArray(body.messages))
    throw badRequest('invalid_type', '"messages" must be an array', 'messages');
  for (const message of body.messages) {
    if (!isJsonObject(message))
      throw badRequest('invalid_type', 'each message must be an object', 'messages');
    if (message.role === 'assistant') out.push(assistantMessage(message.content));
    else out.push(...userMessages(message.content));
  }
  return out;
}

function tools(body: JsonObject, out: JsonObject): void {
  if (Array.isArray(body.tools)) {
    const fns = body.tools.filter(
      (tool) => isJsonObject(tool) && typeof tool.name === 'string' && tool.input_schema,
    );
    if (fns.length > 0)
      out.tools = fns.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
      }));
  }
  const choice = isJsonObject(body.tool_choice) ? body.tool_choice : undefined;
  if (!choice) return;
  if (choice.type === 'auto') out.tool_choice = 'auto';
  else if (choice.type === 'any') out.tool_choice = 'required';
  else if (choice.type === 'none') out.tool_choice = 'none';
  else if (choice.type === 'tool') out.tool_choice = { type: 'function', function: { name: choice.name } };
  if (choice.disable_parallel_tool_use === true && out.tools) out.parallel_tool_calls = false;
}

/** Thinking budget → `reasoning_effort` (the inverse of the Anthropic adapter's table). */
export function effortFor(budget: number): string {
  if (budget <= 2048) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

function options(body: JsonObject, out: JsonObject): void {
  for (const name of ['max_tokens', 'temperature', 'top_p', 'fallbacks', 'provider'])
    if (body[name] !== undefined) out[name] = body[name];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  const thinking = isJsonObject(body.thinking) ? body.thinking : undefined;
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number')
    out.reasoning_effort = effortFor(thinking.budget_tokens);
  const metadata = isJsonObject(body.metadata) ? body.metadata : undefined;
  if (typeof metadata?.user_id === 'string') out.user = metadata.user_id;
  // Copied as sent, so validation refuses a non-boolean `stream` as on the OpenAI routes.
  if (body.stream !== undefined) out.stream = body.stream;
  if (body.stream === true) {
    // The route needs the usage chunk to fill message_delta.usage.
    out.stream_options = { include_usage: true };
  }
}

export function canonicalFromAnthropic(parsed: unknown, betas: string[]): unknown {
  if (!isJsonObject(parsed)) return parsed;
  const out: JsonObject = { model: parsed.model, messages: messages(parsed) };
  options(parsed, out);
  tools(parsed, out);
  const native: JsonObject = { ...parsed };
  delete native.fallbacks;
  delete native.provider;
  attachNative(out, { body: native, betas });
  return out;
}
