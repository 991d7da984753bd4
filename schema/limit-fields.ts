/**
 * The budget and rate-limit relations every governed entity has, in both directions: the
 * entity's `budget`/`rateLimit` (one batched lookup each per request) and, on Budget and
 * RateLimit, the list of entities using them (one query per entity kind per request).
 */
import type { ObjectFieldBuilder, ObjectRef } from '@pothos/core';
import type { Database, SecretBox } from '../db/index.ts';
import { builder, type Types } from './builder.ts';
import type { Context } from './context.ts';
import { amongKeys } from './loaders.ts';
import { BudgetRef } from './types/budget.ts';
import { RateLimitRef } from './types/rate-limit.ts';

export interface Limited {
  budgetId: string | null;
  rateLimitId: string | null;
}

export function limitFields<T extends Limited>(t: ObjectFieldBuilder<Types, T>) {
  return {
    budgetId: t.id({ nullable: true, resolve: (e) => e.budgetId }),
    budget: t.field({ type: BudgetRef, nullable: true, resolve: (e) => e.budgetId }),
    rateLimitId: t.id({ nullable: true, resolve: (e) => e.rateLimitId }),
    rateLimit: t.field({ type: RateLimitRef, nullable: true, resolve: (e) => e.rateLimitId }),
  };
}

/** Adds `<field>` to Budget and RateLimit: the entities of one kind that use them. */
export function usedByLimits<T extends Limited>(
  field: string,
  ref: ObjectRef<Types, T | string, T>,
  listAll: (db: Database, box: SecretBox) => Promise<T[]>,
  description: string,
): void {
  builder.objectField(BudgetRef, field, (t) =>
    t.loadableGroup({
      type: ref,
      description,
      load: async (ids: string[], ctx: Context) =>
        amongKeys(ids, await listAll(ctx.database, ctx.box), (e) => e.budgetId),
      group: (e) => (e as T).budgetId!,
      resolve: (budget) => budget.id,
    }),
  );
  builder.objectField(RateLimitRef, field, (t) =>
    t.loadableGroup({
      type: ref,
      description,
      load: async (ids: string[], ctx: Context) =>
        amongKeys(ids, await listAll(ctx.database, ctx.box), (e) => e.rateLimitId),
      group: (e) => (e as T).rateLimitId!,
      resolve: (limit) => limit.id,
    }),
  );
}
