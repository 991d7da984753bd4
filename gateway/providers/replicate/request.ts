/**
 * Canonical chat request → a Replicate language model's `input`: `prompt` (the user message, or
 * a `User:`/`Assistant:` transcript for several turns), `system_prompt`, `image` (the first
 * image), and the common sampling inputs of Replicate's LLMs.
 */
import type { JsonObject } from '../../core/types.ts';
import {
  contentParts,
  contentText,
  droppedParams,
  maxTokensOf,
  messagesOf,
  num,
  stopSequences,
} from '../translate/openai-input.ts';

const MAPPED = new Set([
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
]);

function prompt(messages: readonly JsonObject[]): {
  prompt: string;
  system: string;
  image: string | undefined;
} {
  const system: string[] = [];
  const turns: Array<{ role: string; text: string }> = [];
  let image: string | undefined;
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') system.push(contentText(message.content));
    else {
      for (const part of contentParts(message.content))
        if (part.type === 'image' && image === undefined) image = part.url;
      turns.push({
        role: message.role === 'assistant' ? 'Assistant' : 'User',
        text: contentText(message.content),
      });
    }
  }
  const single = turns.length === 1 && turns[0]!.role === 'User';
  const text = single
    ? turns[0]!.text
    : `${turns.map((turn) => `${turn.role}: ${turn.text}`).join('\n')}\nAssistant:`;
  return { prompt: text, system: system.join('\n'), image };
}

export function encodeReplicateInput(body: JsonObject): { input: JsonObject; dropped: string[] } {
  const { prompt: text, system, image } = prompt(messagesOf(body));
  const input: JsonObject = { prompt: text };
  if (system !== '') input.system_prompt = system;
  if (image !== undefined) input.image = image;
  const max = maxTokensOf(body);
  if (max !== undefined) input.max_tokens = max;
  for (const name of ['temperature', 'top_p', 'top_k', 'seed', 'presence_penalty', 'frequency_penalty']) {
    const value = num(body[name]);
    if (value !== undefined) input[name] = value;
  }
  const stop = stopSequences(body.stop);
  if (stop && stop.length > 0) input.stop_sequences = stop.join(',');
  return { input, dropped: droppedParams(body, MAPPED) };
}
