/**
 * Reading a provider's error body. OpenAI-compatible servers mostly send
 * `{"error":{"message","type","code","param"}}`; self-hosted ones also send `{"error":"text"}`
 * (Ollama), `{"detail": …}` (FastAPI-based servers) or `{"message": …}`.
 */
import type { UpstreamErrorDetail } from './adapter.ts';
import { isJsonObject } from '../core/types.ts';

const MAX_MESSAGE = 2000;

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

export function parseOpenAIError(status: number, text: string): UpstreamErrorDetail {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return {
      message: trimmed === '' ? `HTTP ${status}` : trimmed.slice(0, MAX_MESSAGE),
      code: null,
      param: null,
    };
  }
  if (isJsonObject(body)) {
    const inner = body.error;
    if (isJsonObject(inner)) {
      return {
        message: str(inner.message) ?? `HTTP ${status}`,
        code: str(inner.code) ?? str(inner.type),
        param: str(inner.param),
      };
    }
    const message =
      str(inner) ?? str(body.message) ?? (body.detail !== undefined ? JSON.stringify(body.detail) : null);
    if (message !== null)
      return { message: message.slice(0, MAX_MESSAGE), code: str(body.code), param: null };
  }
  return { message: text.slice(0, MAX_MESSAGE), code: null, param: null };
}
