/**
 * Canonical (OpenAI) chat messages → Anthropic Messages: system/developer messages become the
 * `system` blocks, user parts become text and image blocks (base64 data URLs or URL sources),
 * assistant tool calls become `tool_use` blocks, `tool` messages become `tool_result` blocks in
 * a user turn, and consecutive turns of one role are merged (the API wants alternation).
 * `cache_control` goes where Anthropic takes it: on the block made from a marked part, on the last
 * block of a marked message (tool results and tool calls included), on marked system segments.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import {
  cacheControlOf,
  contentParts,
  contentText,
  parseArguments,
  systemSegments,
  toolCallsOf,
  type ContentPart,
} from '../translate/openai-input.ts';

type Block = JsonObject;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

function imageBlock(part: Extract<ContentPart, { type: 'image' }>): Block {
  if (part.base64 !== undefined)
    return { type: 'image', source: { type: 'base64', media_type: part.mediaType, data: part.base64 } };
  return { type: 'image', source: { type: 'url', url: part.url } };
}

function blocksOf(content: unknown): Block[] {
  return contentParts(content).map((part) => {
    const block = part.type === 'text' ? { type: 'text', text: part.text } : imageBlock(part);
    return part.cacheControl === undefined ? block : { ...block, cache_control: part.cacheControl };
  });
}

/** A message-level `cache_control` marks the last block made from the message. */
function markLast(message: JsonObject, blocks: Block[]): Block[] {
  const marker = cacheControlOf(message);
  const last = blocks[blocks.length - 1];
  if (marker !== undefined && last !== undefined) last.cache_control = marker;
  return blocks;
}

function assistantBlocks(message: JsonObject): Block[] {
  const blocks = blocksOf(message.content);
  for (const call of toolCallsOf(message))
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
  return blocks;
}

function toolResult(message: JsonObject): Block {
  const parts = blocksOf(message.content);
  // Marked parts stay blocks: a joined string would lose their `cache_control`.
  const onlyText = parts.every((part) => part.type === 'text' && part.cache_control === undefined);
  return {
    type: 'tool_result',
    tool_use_id: typeof message.tool_call_id === 'string' ? message.tool_call_id : '',
    content: onlyText ? contentText(message.content) : parts,
  };
}

function push(turns: Turn[], role: Turn['role'], blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

export interface AnthropicConversation {
  system: Block[];
  messages: Turn[];
}

export function toAnthropicMessages(messages: readonly JsonObject[]): AnthropicConversation {
  const system: Block[] = [];
  const turns: Turn[] = [];
  for (const message of messages) {
    const role = message.role;
    if (role === 'system' || role === 'developer') {
      for (const segment of systemSegments(message))
        system.push(
          segment.cacheControl === undefined
            ? { type: 'text', text: segment.text }
            : { type: 'text', text: segment.text, cache_control: segment.cacheControl },
        );
    } else if (role === 'assistant') push(turns, 'assistant', markLast(message, assistantBlocks(message)));
    else if (role === 'tool') push(turns, 'user', markLast(message, [toolResult(message)]));
    else if (role === 'function' && typeof message.name === 'string')
      push(turns, 'user', markLast(message, [{ type: 'text', text: contentText(message.content) }]));
    else push(turns, 'user', markLast(message, blocksOf(message.content)));
  }
  // Tool results must open their user turn, before any other content of that turn.
  for (const turn of turns) {
    if (turn.role !== 'user') continue;
    turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system, messages: turns };
}

export function isBlockList(value: unknown): value is Block[] {
  return Array.isArray(value) && value.every(isJsonObject);
}
