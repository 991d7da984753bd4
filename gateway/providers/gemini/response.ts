/**
 * Gemini answers → canonical: candidate parts to text, thoughts (reasoning) and tool calls;
 * finish reasons (safety, recitation, blocklist and prompt blocks → `content_filter`);
 * `usageMetadata` to usage (cached content and thoughts tokens included); Google's error body.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import type { UpstreamErrorDetail } from '../adapter.ts';
import {
  chatCompletion,
  embeddingList,
  type CanonicalToolCall,
  type FinishReason,
  type TokenCounts,
} from '../translate/canonical.ts';

const FINISH: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  LANGUAGE: 'content_filter',
};

export function geminiFinish(reason: unknown, sawToolCall: boolean): FinishReason {
  const mapped = (typeof reason === 'string' ? FINISH[reason] : undefined) ?? 'stop';
  return mapped === 'stop' && sawToolCall ? 'tool_calls' : mapped;
}

const count = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

export function geminiCounts(usage: unknown): TokenCounts {
  const u = isJsonObject(usage) ? usage : {};
  const thoughts = count(u.thoughtsTokenCount);
  const counts: TokenCounts = {
    prompt: count(u.promptTokenCount) + count(u.toolUsePromptTokenCount),
    completion: count(u.candidatesTokenCount) + thoughts,
    cacheRead: count(u.cachedContentTokenCount),
  };
  if (thoughts > 0) counts.reasoning = thoughts;
  if (typeof u.totalTokenCount === 'number') counts.total = u.totalTokenCount;
  return counts;
}

export interface GeminiParts {
  text: string | null;
  reasoning: string;
  toolCalls: CanonicalToolCall[];
}

/** Reads one candidate's parts; `callOffset` numbers tool calls across stream chunks. */
export function readParts(candidate: unknown, callOffset = 0): GeminiParts {
  const content = isJsonObject(candidate) && isJsonObject(candidate.content) ? candidate.content : {};
  const result: GeminiParts = { text: null, reasoning: '', toolCalls: [] };
  for (const part of Array.isArray(content.parts) ? content.parts : []) {
    if (!isJsonObject(part)) continue;
    if (typeof part.text === 'string') {
      if (part.thought === true) result.reasoning += part.text;
      else result.text = (result.text ?? '') + part.text;
    } else if (isJsonObject(part.functionCall)) {
      const call = part.functionCall;
      const index = callOffset + result.toolCalls.length;
      result.toolCalls.push({
        id: typeof call.id === 'string' ? call.id : `call_${index}_${String(call.name)}`,
        name: String(call.name ?? ''),
        arguments: JSON.stringify(call.args ?? {}),
      });
    }
  }
  return result;
}

export function decodeGeminiChat(payload: JsonObject, model: string): JsonObject {
  const candidate = Array.isArray(payload.candidates) ? payload.candidates[0] : undefined;
  const parts = readParts(candidate);
  const blocked =
    candidate === undefined && isJsonObject(payload.promptFeedback) && payload.promptFeedback.blockReason;
  const reason = isJsonObject(candidate) ? candidate.finishReason : undefined;
  return chatCompletion({
    id: typeof payload.responseId === 'string' ? payload.responseId : 'gemini',
    model: typeof payload.modelVersion === 'string' ? payload.modelVersion : model,
    text: parts.text,
    reasoning: parts.reasoning === '' ? undefined : parts.reasoning,
    toolCalls: parts.toolCalls,
    finishReason: blocked ? 'content_filter' : geminiFinish(reason, parts.toolCalls.length > 0),
    usage: geminiCounts(payload.usageMetadata),
  });
}

/** `batchEmbedContents` → embedding list (AI Studio reports no token counts for embeddings). */
export function decodeGeminiEmbeddings(payload: JsonObject, model: string, request: JsonObject): JsonObject {
  const vectors = (Array.isArray(payload.embeddings) ? payload.embeddings : []).map((item) =>
    isJsonObject(item) ? item.values : [],
  );
  const prompt = count(isJsonObject(payload.usageMetadata) ? payload.usageMetadata.promptTokenCount : 0);
  return embeddingList(model, vectors, prompt, request);
}

/** `{"error":{"code","message","status"}}` → message, code = the status name (INVALID_ARGUMENT…). */
export function parseGoogleError(status: number, text: string): UpstreamErrorDetail {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 2000) || `HTTP ${status}`, code: null, param: null };
  }
  const first = Array.isArray(body) ? body[0] : body;
  const error = isJsonObject(first) && isJsonObject(first.error) ? first.error : undefined;
  return {
    message: error && typeof error.message === 'string' ? error.message : `HTTP ${status}`,
    code: error && typeof error.status === 'string' ? error.status : null,
    param: null,
  };
}
