/**
 * Long-lived undici dispatchers. One `Pool` per provider and origin (its size is
 * `max_conns_per_host`), or one proxy agent per provider when `proxy_config` is set. Timeouts
 * live on the dispatcher; the stream idle timeout is the only per-request override. Pools are
 * shared by snapshots while a provider's network settings stay equal, so a config change does
 * not drop warm connections; a replaced pool is closed gracefully (in-flight requests finish).
 */
import { EnvHttpProxyAgent, Pool, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { mapTransportError } from './error-map.ts';
import type { DispatchSettings, ProxySettings, UpstreamCall, UpstreamResponse } from './types.ts';
import { StreamBodyHandler } from './stream-body.ts';
import { WholeBodyHandler } from './whole-body.ts';

/** Idle keep-alive sockets are kept this long; providers commonly close theirs after 5–60 s. */
const KEEP_ALIVE_MS = 4_000;

function basicToken(proxy: ProxySettings): string | undefined {
  if (!proxy.username) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
}

function buildProxy(settings: DispatchSettings, proxy: ProxySettings): Dispatcher {
  const tls = proxy.caCertPem ? { ca: proxy.caCertPem } : undefined;
  const common = {
    connections: settings.connections,
    headersTimeout: settings.headersTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_MS,
    connect: { timeout: settings.connectTimeoutMs, ...(tls ?? {}) },
  };
  if (proxy.type === 'environment') return new EnvHttpProxyAgent(common);
  if (!proxy.url) throw new Error(`proxy_config.type "${proxy.type}" needs a url`);
  if (proxy.type === 'socks5') {
    const { connect: _connect, ...socks } = common;
    return new Socks5ProxyAgent(proxy.url, { ...socks, username: proxy.username, password: proxy.password });
  }
  const token = basicToken(proxy);
  return new ProxyAgent({
    ...common,
    uri: proxy.url,
    ...(token ? { token } : {}),
    ...(tls ? { proxyTls: tls, requestTls: tls } : {}),
  });
}

/** The dispatchers of one provider. */
export class UpstreamPools {
  private readonly byOrigin = new Map<string, Dispatcher>();
  private readonly proxy: Dispatcher | undefined;
  private closed = false;

  constructor(
    readonly provider: string,
    readonly settings: DispatchSettings,
  ) {
    this.proxy = settings.proxy ? buildProxy(settings, settings.proxy) : undefined;
  }

  private dispatcherFor(origin: string): Dispatcher {
    if (this.proxy) return this.proxy;
    let pool = this.byOrigin.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.settings.connections,
        headersTimeout: this.settings.headersTimeoutMs,
        keepAliveTimeout: KEEP_ALIVE_MS,
        connect: { timeout: this.settings.connectTimeoutMs },
      });
      this.byOrigin.set(origin, pool);
    }
    return pool;
  }

  /**
   * Sends `call` to `origin` + `call.path`: resolves at the status line with the body streaming
   * (stream-body.ts), or once the body is in with `readWhole` (whole-body.ts). Transport failures
   * before the status line are thrown as mapped GatewayErrors; later ones reach the body's reader.
   */
  send(origin: string, call: UpstreamCall): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const fail = (error: unknown): void => reject(mapTransportError(error, this.provider));
      const handler =
        call.readWhole === true
          ? new WholeBodyHandler(call.signal, resolve, fail)
          : new StreamBodyHandler(call.signal, resolve, fail);
      this.dispatcherFor(origin).dispatch(
        {
          origin,
          path: call.path,
          method: call.method ?? 'POST',
          headers: call.headers,
          body: call.body,
          bodyTimeout: call.bodyTimeoutMs,
        },
        handler,
      );
    });
  }

  /** Graceful: waits for requests in flight, then closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.byOrigin.values(), ...(this.proxy ? [this.proxy] : [])];
    this.byOrigin.clear();
    await Promise.all(all.map((dispatcher) => dispatcher.close()));
  }

  /** Immediate: aborts whatever is in flight. */
  async destroy(): Promise<void> {
    this.closed = true;
    const all = [...this.byOrigin.values(), ...(this.proxy ? [this.proxy] : [])];
    this.byOrigin.clear();
    await Promise.all(all.map((dispatcher) => dispatcher.destroy()));
  }
}

function signature(provider: string, settings: DispatchSettings): string {
  return `${provider}\u0000${JSON.stringify(settings)}`;
}

/** Owns every provider's pools across snapshots. */
export class PoolRegistry {
  private readonly pools = new Map<string, UpstreamPools>();

  /** The pools for these settings, reused when an earlier snapshot built the same ones. */
  obtain(provider: string, settings: DispatchSettings): UpstreamPools {
    const key = signature(provider, settings);
    let pools = this.pools.get(key);
    if (pools === undefined) {
      pools = new UpstreamPools(provider, settings);
      this.pools.set(key, pools);
    }
    return pools;
  }

  /** Closes (gracefully) every pool not in `keep`; in-flight requests on them finish first. */
  retainOnly(keep: ReadonlySet<UpstreamPools>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pools] of this.pools) {
      if (keep.has(pools)) continue;
      this.pools.delete(key);
      closing.push(pools.close());
    }
    return Promise.all(closing).then(() => undefined);
  }

  /** Closes everything; requests still running after `graceMs` are aborted. */
  async closeAll(graceMs: number): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
      timer.unref();
    });
    const result = await Promise.race([Promise.all(all.map((pools) => pools.close())), grace]);
    clearTimeout(timer);
    if (result === 'timeout') await Promise.all(all.map((pools) => pools.destroy()));
  }
}
