/**
 * A request that arrived in Anthropic's own format (the `/anthropic` route) carries its original
 * body next to the canonical translation, under a symbol key that JSON never serialises. The
 * Anthropic adapter sends that body as it is (pass-through); every other adapter ignores it and
 * translates the canonical body.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';

const NATIVE = Symbol('heimdall.anthropic.native');

export interface NativeAnthropicRequest {
  body: JsonObject;
  /** The client's `anthropic-beta` values. */
  betas: string[];
}

export function attachNative(canonical: JsonObject, native: NativeAnthropicRequest): void {
  Object.defineProperty(canonical, NATIVE, { value: native, enumerable: false });
}

export function nativeOf(body: JsonObject): NativeAnthropicRequest | undefined {
  const native = (body as Record<symbol, unknown>)[NATIVE];
  return isJsonObject(native) ? (native as unknown as NativeAnthropicRequest) : undefined;
}

/** Splits an `anthropic-beta` header value (comma-separated) into names. */
export function splitBetas(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(',').map((name) => name.trim())).filter((name) => name !== '');
}
