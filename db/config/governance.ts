/** The `governance` section: budgets, rate limits, the customer → team → virtual-key hierarchy. */
import { z } from 'zod';
import { duration, flag, id, nonEmptyText, nonNegative, nonNegativeInt, text, textList } from './fields.ts';

export const budget = z.object({
  id: id(),
  /** Dollars. Stored as integer micro-dollars. */
  max_limit: nonNegative(),
  reset_duration: duration(),
  /** Align windows to UTC calendar boundaries (day, ISO week, month, year) instead of rolling. */
  calendar_aligned: flag().default(false),
  /** `soft` rejects once usage ≥ limit (Bifrost); `strict` reserves worst-case cost up front. */
  mode: z.enum(['soft', 'strict'], { error: 'expected "soft" or "strict"' }).default('soft'),
});

export const rateLimit = z.object({
  id: id(),
  token_max_limit: nonNegativeInt().optional(),
  token_reset_duration: duration().optional(),
  request_max_limit: nonNegativeInt().optional(),
  request_reset_duration: duration().optional(),
});

export const customer = z.object({
  id: id(),
  name: nonEmptyText(),
  budget_id: text().optional(),
  rate_limit_id: text().optional(),
});

export const team = customer.extend({ customer_id: text().optional() });

export const vkProviderConfig = z.object({
  provider: nonEmptyText(),
  weight: nonNegative().default(1),
  allowed_models: textList().default(['*']),
  /** Provider key names this VK is pinned to. Helm also spells it `keys`. */
  key_ids: textList().default([]),
  budget_id: text().optional(),
  rate_limit_id: text().optional(),
});

export const virtualKey = z.object({
  id: id(),
  name: nonEmptyText(),
  value: nonEmptyText(),
  description: text().optional(),
  is_active: flag().default(true),
  budget_id: text().optional(),
  rate_limit_id: text().optional(),
  team_id: text().optional(),
  customer_id: text().optional(),
  provider_configs: z.array(vkProviderConfig, { error: 'expected a list' }).default([]),
});

export const modelConfig = z.object({
  id: id(),
  model_name: nonEmptyText(),
  provider: text().optional(),
  budget_id: text().optional(),
  rate_limit_id: text().optional(),
});

export const providerGovernance = z.object({
  name: nonEmptyText(),
  budget_id: text().optional(),
  rate_limit_id: text().optional(),
  send_back_raw_request: flag().optional(),
  send_back_raw_response: flag().optional(),
});

export const routingTarget = z.object({
  provider: nonEmptyText(),
  /** Empty keeps the requested model name. */
  model: text().default(''),
  weight: nonNegative().default(1),
  key_id: text().optional(),
});

export const routingRule = z.object({
  id: id(),
  name: nonEmptyText(),
  description: text().optional(),
  enabled: flag().default(true),
  cel_expression: nonEmptyText(),
  targets: z.array(routingTarget, { error: 'expected a list of targets' }).min(1, {
    error: 'expected at least one target',
  }),
  fallbacks: textList().default([]),
  scope: z
    .enum(['global', 'team', 'customer', 'virtual_key'], {
      error: 'expected one of "global", "team", "customer", "virtual_key"',
    })
    .default('global'),
  scope_id: text().optional(),
  priority: z.number({ error: 'expected a number' }).int({ error: 'expected a whole number' }).default(0),
});

export const authConfig = z.object({
  is_enabled: flag().default(false),
  admin_username: text().optional(),
  admin_password: text().optional(),
  disable_auth_on_inference: flag().default(false),
  /** Helm: the Secret holding the credentials; the chart injects them as env vars. */
  existing_secret: text().optional(),
  username_key: text().optional(),
  password_key: text().optional(),
});

export const governance = z.object({
  budgets: z.array(budget, { error: 'expected a list' }).default([]),
  rate_limits: z.array(rateLimit, { error: 'expected a list' }).default([]),
  customers: z.array(customer, { error: 'expected a list' }).default([]),
  teams: z.array(team, { error: 'expected a list' }).default([]),
  virtual_keys: z.array(virtualKey, { error: 'expected a list' }).default([]),
  model_configs: z.array(modelConfig, { error: 'expected a list' }).default([]),
  providers: z.array(providerGovernance, { error: 'expected a list' }).default([]),
  routing_rules: z.array(routingRule, { error: 'expected a list' }).default([]),
  auth_config: authConfig.optional(),
});

export type GovernanceConfig = z.infer<typeof governance>;
