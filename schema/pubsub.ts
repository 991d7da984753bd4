/**
 * The control plane's pub/sub: one typed topic map over a yoga event target. In-memory by
 * default; api/ passes a Postgres LISTEN/NOTIFY or Redis event target when replicas must hear
 * each other. Events are thin (ids and the fields subscriptions filter on); resolvers load
 * fresh rows, so a late subscriber never sees stale counters.
 */
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';

export interface ConfigChangedEvent {
  /** The config version after the change. */
  version: number;
  /** Entity kinds that changed, e.g. ["VirtualKey", "Budget"]. */
  changed: string[];
}

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

export interface RequestLoggedEvent {
  id: string;
  provider: string;
  model: string;
  status: 'success' | 'error';
  virtualKeyId?: string | null;
  teamId?: string | null;
  customerId?: string | null;
}

export interface RateLimitUpdatedEvent {
  rateLimitId: string;
}

export type Topics = {
  configChanged: [ConfigChangedEvent];
  budgetUpdated: [BudgetUpdatedEvent];
  spendUpdated: [SpendEvent];
  requestLogged: [RequestLoggedEvent];
  rateLimitUpdated: [RateLimitUpdatedEvent];
};

export type TopicName = keyof Topics;
export type HeimdallPubSub = PubSub<Topics>;
export type HeimdallEventTarget = PubSubEventTarget<Topics>;

export interface HeimdallPubSubOptions {
  /** Where events travel. @default an in-memory EventTarget (this process only) */
  eventTarget?: HeimdallEventTarget;
}

export function createHeimdallPubSub(options: HeimdallPubSubOptions = {}): HeimdallPubSub {
  return createPubSub<Topics>(options.eventTarget ? { eventTarget: options.eventTarget } : {});
}

/** Dashboards need "live", not every settle: at most one budget event per budget per interval. */
export const BUDGET_EVENT_INTERVAL_MS = 100;

interface Throttle {
  last: number;
  timer: NodeJS.Timeout | undefined;
}

const throttles = new WeakMap<HeimdallPubSub, Map<string, Throttle>>();

/**
 * Publishes `budgetUpdated` for a budget whose counters changed (call after every settle).
 * Coalesced per budget to one event per {@link BUDGET_EVENT_INTERVAL_MS}: the first goes out at
 * once, later ones within the interval collapse into a single trailing event.
 */
export function publishBudgetUpdated(pubsub: HeimdallPubSub, budgetId: string, now = Date.now()): void {
  let byBudget = throttles.get(pubsub);
  if (!byBudget) throttles.set(pubsub, (byBudget = new Map()));
  const state = byBudget.get(budgetId) ?? { last: 0, timer: undefined };
  byBudget.set(budgetId, state);
  if (state.timer) return;
  const wait = state.last + BUDGET_EVENT_INTERVAL_MS - now;
  if (wait <= 0) {
    state.last = now;
    pubsub.publish('budgetUpdated', { budgetId });
    return;
  }
  state.timer = setTimeout(() => {
    state.timer = undefined;
    state.last = Date.now();
    pubsub.publish('budgetUpdated', { budgetId });
  }, wait);
  state.timer.unref();
}

export function publishConfigChanged(pubsub: HeimdallPubSub, event: ConfigChangedEvent): void {
  pubsub.publish('configChanged', event);
}

export function publishSpend(pubsub: HeimdallPubSub, event: SpendEvent): void {
  pubsub.publish('spendUpdated', event);
}

export function publishRequestLogged(pubsub: HeimdallPubSub, event: RequestLoggedEvent): void {
  pubsub.publish('requestLogged', event);
}

export function publishRateLimitUpdated(pubsub: HeimdallPubSub, rateLimitId: string): void {
  pubsub.publish('rateLimitUpdated', { rateLimitId });
}
