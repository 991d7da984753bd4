/**
 * One key's model list, fetched from the provider's own endpoint (`ProviderAdapter.listModels`):
 * a GET through the provider's connection pool (its proxy included), addressed and
 * authenticated like inference (key URL, then `network_config.base_url`, then the adapter's
 * default; static and `extra_headers`; the key's secret resolved at use), pages followed up to
 * MAX_MODEL_PAGES, the whole exchange bounded by `timeoutMs` and MAX_LIST_BYTES.
 */
import type { ProviderKeySnapshot } from '../../clients/contract/snapshot.ts';
import type { ListModelsSpec, ProviderAdapter } from '../providers/adapter.ts';
import { joinPath, parseBaseUrl } from '../providers/base-url.ts';
import { MAX_MODEL_PAGES, readModelPage } from '../providers/list-models.ts';
import type { UpstreamBody } from '../upstream/types.ts';
import { resolveEnv } from '../util/env.ts';
import type { CompiledProvider } from '../core/compiled-snapshot.ts';

/** Largest list answer read (OpenRouter's full catalogue is about 1 MiB). */
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

/**
 * Why a list could not be fetched, in words safe for the process log: Heimdall's own, never the
 * provider's answer text (which may quote the key back).
 */
export class ModelListError extends Error {}

function baseUrl(provider: CompiledProvider, key: ProviderKeySnapshot, adapter: ProviderAdapter) {
  const raw =
    adapter.keyBaseUrl?.(key, provider.config) ?? provider.network.baseUrl ?? adapter.defaultBaseUrl;
  const resolved = raw === undefined ? undefined : resolveEnv(raw);
  if (resolved === undefined || resolved === '')
    throw new ModelListError(raw === undefined ? 'no base URL is configured' : `${raw} is not set`);
  return parseBaseUrl(resolved, provider.name);
}

function headersFor(provider: CompiledProvider, key: ProviderKeySnapshot, adapter: ProviderAdapter) {
  const secret = resolveEnv(key.value);
  if (secret === undefined) throw new ModelListError(`the key's value ${key.value} is not set`);
  if (secret === '' && !adapter.auth.optional) throw new ModelListError('the key has no value');
  const headers: Record<string, string> = { accept: 'application/json', ...adapter.staticHeaders };
  const extra = provider.network.extraHeaders;
  for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
  if (secret !== '') headers[adapter.auth.header] = adapter.auth.prefix + secret;
  return headers;
}

function readCapped(body: UpstreamBody): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.read({
      onData(chunk) {
        size += chunk.length;
        if (size > MAX_LIST_BYTES) {
          body.cancel();
          reject(new ModelListError(`the answer is larger than ${MAX_LIST_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      },
      onEnd: () => resolve(Buffer.concat(chunks).toString('utf8')),
      onError: reject,
    });
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelListError('the answer is not JSON');
  }
}

export async function fetchModelList(
  provider: CompiledProvider,
  key: ProviderKeySnapshot,
  spec: ListModelsSpec,
  timeoutMs: number,
): Promise<string[]> {
  // One deadline for every page: the listing as a whole is bounded, not each request.
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchPages(provider, key, spec, timeoutMs, signal);
  } catch (error) {
    if (signal.aborted) throw new ModelListError(`no complete answer within ${timeoutMs} ms`);
    throw error;
  }
}

async function fetchPages(
  provider: CompiledProvider,
  key: ProviderKeySnapshot,
  spec: ListModelsSpec,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string[]> {
  const adapter = provider.adapter;
  if (adapter === undefined) throw new ModelListError('the provider has no adapter');
  const base = baseUrl(provider, key, adapter);
  const headers = headersFor(provider, key, adapter);
  const ids = new Set<string>();
  let path: string | undefined = spec.path;
  for (let page = 0; path !== undefined && page < MAX_MODEL_PAGES; page++) {
    const response = await provider.pools.send(base.origin, {
      method: 'GET',
      path: joinPath(base.prefix, path),
      headers,
      body: undefined,
      signal,
      bodyTimeoutMs: timeoutMs,
    });
    if (response.status !== 200) {
      await response.body.dump();
      throw new ModelListError(`the provider answered ${response.status}`);
    }
    let read;
    try {
      read = readModelPage(spec, parse(await readCapped(response.body)));
    } catch (error) {
      if (error instanceof ModelListError) throw error;
      throw new ModelListError(
        `unexpected answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    for (const id of read.ids) ids.add(id);
    path = read.nextPath;
  }
  return [...ids];
}
