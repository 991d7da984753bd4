/**
 * The control plane's pub/sub: one typed topic map over a yoga event target. In-memory by
 * default; api/ passes a Postgres LISTEN/NOTIFY or Redis event target when replicas must hear
 * each other. Events are thin (ids and the fields subscriptions filter on); resolvers load
 * fresh rows, so a late subscriber never sees stale counters.
 */
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import type { RequestLogRow } from '../clients/contract/governance.ts';
import type { ConfigChangedEvent } from '../clients/contract/snapshot.ts';

export interface BudgetUpdatedEvent {
  budgetId: string;
}

/** One priced request, as settled by governance. */
export interface SpendEvent {
  requestId: string;
  provider: string;
  model: string;
  /** Null when the model has no price. */
  costMicros: number | null;
  virtualKeyId?: string | null;
  teamId?: string | null;
  customerId?: string | null;
  at: number;
}

export interface RateLimitUpdatedEvent {
  rateLimitId: string;
}

export type Topics = {
  configChanged: [ConfigChangedEvent];
  budgetUpdated: [BudgetUpdatedEvent];
  /** Batches: one bus message per flushed batch, not per request. */
  spendUpdated: [{ events: SpendEvent[] }];
  /** Rows whole, as written (the log tail shows them before they are durable). */
  requestLogged: [{ rows: RequestLogRow[] }];
  rateLimitUpdated: [RateLimitUpdatedEvent];
};

export type TopicName = keyof Topics;
export type HeimdallPubSub = PubSub<Topics>;
export type HeimdallEventTarget = PubSubEventTarget<Topics>;

export interface HeimdallPubSubOptions {
  /** Where events travel. @default an in-memory EventTarget (this process only) */
  eventTarget?: HeimdallEventTarget;
}

/** Pub/subs whose events cross a wire with a message-size limit (Postgres NOTIFY, Redis). */
const overTheWire = new WeakSet<HeimdallPubSub>();

/**
 * The in-memory event target, knowing which topics have listeners (the pub/sub adds one per
 * subscription, on `topic` or `topic:<id>`), so a batch nobody in this process subscribed to
 * is not turned into events at all.
 */
class ListenedTarget extends EventTarget {
  private readonly listeners = new Map<string, Set<unknown>>();
  private readonly added = new Map<string, number>();

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener, options);
    const topic = topicOf(type);
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    this.added.set(topic, (this.added.get(topic) ?? 0) + 1);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    super.removeEventListener(type, listener, options);
    const topic = topicOf(type);
    const set = this.listeners.get(topic);
    if (set?.delete(listener) && set.size === 0) this.listeners.delete(topic);
  }

  listened(topic: TopicName): boolean {
    return this.listeners.has(topic);
  }

  /** Listeners ever added to `topic`: it only grows, whatever ends meanwhile. */
  addedCount(topic: TopicName): number {
    return this.added.get(topic) ?? 0;
  }
}

function topicOf(type: string): string {
  const colon = type.indexOf(':');
  return colon < 0 ? type : type.slice(0, colon);
}

const inMemory = new WeakMap<HeimdallPubSub, ListenedTarget>();

export function createHeimdallPubSub(options: HeimdallPubSubOptions = {}): HeimdallPubSub {
  if (!options.eventTarget) {
    const target = new ListenedTarget();
    const pubsub = createPubSub<Topics>({ eventTarget: target as unknown as HeimdallEventTarget });
    inMemory.set(pubsub, target);
    return pubsub;
  }
  const pubsub = createPubSub<Topics>({ eventTarget: options.eventTarget });
  overTheWire.add(pubsub);
  return pubsub;
}

/** False only when nothing can hear `topic`: an in-memory pub/sub with no subscriber to it. */
function heard(pubsub: HeimdallPubSub, topic: TopicName): boolean {
  return inMemory.get(pubsub)?.listened(topic) ?? true;
}

/**
 * How many subscriptions to `topic` (on `topic` or `topic:<id>`) this process has ever started;
 * undefined for a pub/sub over the wire, which cannot tell. Tests wait for it to grow to know a
 * subscription has reached the server (graphql-ws acknowledges none): a count of those still
 * open could stand still while an earlier one ends.
 */
export function subscriptionsStarted(pubsub: HeimdallPubSub, topic: TopicName): number | undefined {
  return inMemory.get(pubsub)?.addedCount(topic);
}

/** Dashboards need "live", not every settle: at most one event per budget or rate limit per interval. */
export const BUDGET_EVENT_INTERVAL_MS = 100;
/** The same interval for `rateLimitUpdated` (one lease grant or return can follow another closely). */
export const RATE_LIMIT_EVENT_INTERVAL_MS = BUDGET_EVENT_INTERVAL_MS;

interface Throttle {
  last: number;
  timer: NodeJS.Timeout | undefined;
}

/** Per pub/sub, one throttle per topic and id (`budgetUpdated\0<id>`, `rateLimitUpdated\0<id>`). */
const throttles = new WeakMap<HeimdallPubSub, Map<string, Throttle>>();

/**
 * Runs `send` for (topic, id) at most once per `interval`: the first call goes out at once,
 * later ones within the interval collapse into a single trailing call.
 */
function throttled(
  pubsub: HeimdallPubSub,
  topic: TopicName,
  id: string,
  interval: number,
  now: number,
  send: () => void,
): void {
  let byKey = throttles.get(pubsub);
  if (!byKey) throttles.set(pubsub, (byKey = new Map()));
  const key = `${topic}\u0000${id}`;
  const state = byKey.get(key) ?? { last: 0, timer: undefined };
  byKey.set(key, state);
  if (state.timer) return;
  const wait = state.last + interval - now;
  if (wait <= 0) {
    state.last = now;
    send();
    return;
  }
  state.timer = setTimeout(() => {
    state.timer = undefined;
    state.last = Date.now();
    send();
  }, wait);
  state.timer.unref();
}

/**
 * Publishes `budgetUpdated` for a budget whose counters changed (call after every settle).
 * Coalesced per budget to one event per {@link BUDGET_EVENT_INTERVAL_MS}: the first goes out at
 * once, later ones within the interval collapse into a single trailing event.
 */
export function publishBudgetUpdated(pubsub: HeimdallPubSub, budgetId: string, now = Date.now()): void {
  throttled(pubsub, 'budgetUpdated', budgetId, BUDGET_EVENT_INTERVAL_MS, now, () =>
    pubsub.publish('budgetUpdated', { budgetId }),
  );
}

export function publishConfigChanged(pubsub: HeimdallPubSub, event: ConfigChangedEvent): void {
  pubsub.publish('configChanged', event);
}

/** Postgres NOTIFY carries at most 8000 bytes; batches are split well below that. */
const MAX_MESSAGE_BYTES = 6000;

/**
 * Splits a batch into messages below the wire's size limit. In memory there is no limit, and
 * sizing every row (a JSON.stringify each) would cost the serving thread for nothing.
 */
function chunks<T>(pubsub: HeimdallPubSub, items: readonly T[]): T[][] {
  if (!overTheWire.has(pubsub)) return [items as T[]];
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = JSON.stringify(item).length;
    if (current.length > 0 && size + bytes > MAX_MESSAGE_BYTES) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Publishes a batch of written request logs: `requestLogged` (the rows) and `spendUpdated`
 * (one event per request), a few bus messages per batch however many requests it holds.
 */
export function publishRequestLogs(pubsub: HeimdallPubSub, rows: readonly RequestLogRow[]): void {
  // A spend event is built per row: only for a subscriber (dashboards), or other replicas.
  if (heard(pubsub, 'requestLogged'))
    for (const part of chunks(pubsub, rows)) pubsub.publish('requestLogged', { rows: part });
  if (!heard(pubsub, 'spendUpdated')) return;
  const spend = rows.map((row): SpendEvent => ({
    requestId: row.id,
    provider: row.provider,
    model: row.model,
    costMicros: row.costMicros,
    virtualKeyId: row.virtualKeyId,
    teamId: row.teamId,
    customerId: row.customerId,
    at: row.completedAt,
  }));
  for (const part of chunks(pubsub, spend)) pubsub.publish('spendUpdated', { events: part });
}

/**
 * Publishes `rateLimitUpdated` for a rate limit whose control-plane counters moved (a lease of
 * request or token units granted, unused units returned). Coalesced per rate limit like
 * {@link publishBudgetUpdated}, to one event per {@link RATE_LIMIT_EVENT_INTERVAL_MS}.
 */
export function publishRateLimitUpdated(pubsub: HeimdallPubSub, rateLimitId: string, now = Date.now()): void {
  throttled(pubsub, 'rateLimitUpdated', rateLimitId, RATE_LIMIT_EVENT_INTERVAL_MS, now, () =>
    pubsub.publish('rateLimitUpdated', { rateLimitId }),
  );
}
