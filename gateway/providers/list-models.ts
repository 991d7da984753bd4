/**
 * Reading a provider's list-models answer (the shapes `ListModelsSpec.format` names) into model
 * ids as Heimdall addresses them, and the path of the next page where the provider pages.
 * Anything unexpected in an entry is skipped; a body of the wrong shape is an error, so the
 * last good list is kept rather than replaced by an empty one.
 */
import type { ListModelsSpec } from './adapter.ts';

export interface ModelPage {
  ids: string[];
  /** Path and query of the next page; undefined on the last one. */
  nextPath: string | undefined;
}

/** Pages fetched at most per key and refresh: 10 × 1,000 models is more than any provider lists. */
export const MAX_MODEL_PAGES = 10;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function entries(value: unknown, field: string): unknown[] {
  const list = Array.isArray(value) ? value : record(value)?.[field];
  if (!Array.isArray(list)) throw new Error(`the answer has no "${field}" list`);
  return list;
}

function names(list: unknown[], field: 'id' | 'name', strip = ''): string[] {
  const ids: string[] = [];
  for (const item of list) {
    const raw = record(item)?.[field];
    if (typeof raw !== 'string' || raw === '') continue;
    ids.push(strip !== '' && raw.startsWith(strip) ? raw.slice(strip.length) : raw);
  }
  return ids;
}

function withParam(path: string, name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

/** The ids of one page and where the next one is (`firstPath`: the spec's path, paging params added to it). */
export function readModelPage(spec: ListModelsSpec, payload: unknown): ModelPage {
  const body = record(payload);
  switch (spec.format) {
    case 'openai':
      return { ids: names(entries(payload, 'data'), 'id'), nextPath: undefined };
    case 'anthropic':
      return {
        ids: names(entries(payload, 'data'), 'id'),
        nextPath: body?.has_more === true ? withParam(spec.path, 'after_id', body.last_id) : undefined,
      };
    case 'gemini':
      return {
        ids: names(entries(payload, 'models'), 'name', 'models/'),
        nextPath: withParam(spec.path, 'pageToken', body?.nextPageToken),
      };
    case 'cohere':
      return {
        ids: names(entries(payload, 'models'), 'name'),
        nextPath: withParam(spec.path, 'page_token', body?.next_page_token),
      };
  }
}
