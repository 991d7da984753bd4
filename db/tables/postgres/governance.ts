/**
 * Budgets, rate limits and the customer → team → virtual key hierarchy. References to limits
 * and owners are ON DELETE RESTRICT: silently detaching a budget from a key would lift a spend
 * cap, so deleting something still in use fails and the caller has to detach it first.
 */
import { sql } from 'drizzle-orm';
import type { BudgetMode } from '../../config-types.ts';
import {
  bool,
  check,
  count,
  float,
  index,
  json,
  micros,
  millis,
  serial,
  table,
  text,
  uniqueIndex,
} from './columns.ts';
import { timestamps } from './timestamps.ts';

export const budgets = table('budgets', {
  id: text('id').primaryKey(),
  maxLimitMicros: micros('max_limit_micros').notNull(),
  resetDuration: text('reset_duration').notNull(),
  calendarAligned: bool('calendar_aligned').notNull().default(false),
  mode: text('mode').$type<BudgetMode>().notNull().default('soft'),
  /** Runtime state, never taken from the config file: settled spend in the current window. */
  currentUsageMicros: micros('current_usage_micros').notNull().default(0),
  /** Outstanding strict-mode reservations and leases not yet settled or released. */
  reservedMicros: micros('reserved_micros').notNull().default(0),
  windowStart: millis('window_start')
    .notNull()
    .$defaultFn(() => Date.now()),
  ...timestamps(),
});

export const rateLimits = table('rate_limits', {
  id: text('id').primaryKey(),
  tokenMaxLimit: count('token_max_limit'),
  tokenResetDuration: text('token_reset_duration'),
  requestMaxLimit: count('request_max_limit'),
  requestResetDuration: text('request_reset_duration'),
  tokenCurrentUsage: count('token_current_usage').notNull().default(0),
  requestCurrentUsage: count('request_current_usage').notNull().default(0),
  tokenWindowStart: millis('token_window_start')
    .notNull()
    .$defaultFn(() => Date.now()),
  requestWindowStart: millis('request_window_start')
    .notNull()
    .$defaultFn(() => Date.now()),
  ...timestamps(),
});

const limitRefs = () => ({
  budgetId: text('budget_id').references(() => budgets.id, { onDelete: 'restrict' }),
  rateLimitId: text('rate_limit_id').references(() => rateLimits.id, { onDelete: 'restrict' }),
});

export const customers = table('customers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ...limitRefs(),
  ...timestamps(),
});

export const teams = table(
  'teams',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    customerId: text('customer_id').references(() => customers.id, { onDelete: 'restrict' }),
    ...limitRefs(),
    ...timestamps(),
  },
  (t) => [index('teams_customer_idx').on(t.customerId)],
);

export const virtualKeys = table(
  'virtual_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    /** Hex SHA-256 of the key; the key itself is never stored, so it cannot be shown again. */
    valueHash: text('value_hash').notNull(),
    /** Last four characters, enough for a person to recognise which key a row is. */
    valueSuffix: text('value_suffix').notNull(),
    isActive: bool('is_active').notNull().default(true),
    teamId: text('team_id').references(() => teams.id, { onDelete: 'restrict' }),
    customerId: text('customer_id').references(() => customers.id, { onDelete: 'restrict' }),
    ...limitRefs(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('virtual_keys_value_hash_unique').on(t.valueHash),
    index('virtual_keys_team_idx').on(t.teamId),
    index('virtual_keys_customer_idx').on(t.customerId),
    check('virtual_keys_single_owner', sql`${t.teamId} IS NULL OR ${t.customerId} IS NULL`),
  ],
);

export const virtualKeyProviderConfigs = table(
  'virtual_key_provider_configs',
  {
    id: serial('id'),
    virtualKeyId: text('virtual_key_id')
      .notNull()
      .references(() => virtualKeys.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    provider: text('provider').notNull(),
    weight: float('weight').notNull().default(1),
    allowedModels: json<string[]>('allowed_models')
      .notNull()
      .$defaultFn(() => ['*']),
    /** Provider key names the virtual key is pinned to; empty means any key. */
    keyIds: json<string[]>('key_ids')
      .notNull()
      .$defaultFn(() => []),
    ...limitRefs(),
  },
  (t) => [uniqueIndex('vk_provider_configs_vk_provider_unique').on(t.virtualKeyId, t.provider)],
);

export const modelConfigs = table('model_configs', {
  id: text('id').primaryKey(),
  modelName: text('model_name').notNull(),
  provider: text('provider'),
  ...limitRefs(),
  ...timestamps(),
});

/** Governance for a provider by name; no foreign key, a known provider need not be configured. */
export const providerGovernance = table('provider_governance', {
  name: text('name').primaryKey(),
  sendBackRawRequest: bool('send_back_raw_request'),
  sendBackRawResponse: bool('send_back_raw_response'),
  ...limitRefs(),
  ...timestamps(),
});
