/** Routing-rule rows ↔ `governance.routing_rules[]`. */
import type { z } from 'zod';
import type { routingRule } from '../config/governance.ts';
import type { RoutingRuleInput, RoutingRuleRecord } from '../repositories/routing.ts';
import { compact, orNull } from './common.ts';

type RoutingRuleEntity = z.infer<typeof routingRule>;

export function routingRuleToConfig(row: RoutingRuleRecord): RoutingRuleEntity {
  return compact({
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    cel_expression: row.celExpression,
    // Targets are stored as the file wrote them; a null member (a hand-edited row) reads as unset.
    targets: row.targets.map((target) => compact({ ...target })),
    fallbacks: row.fallbacks,
    scope: row.scope,
    scope_id: row.scopeId,
    priority: row.priority,
  });
}

export function routingRuleFromConfig(entity: RoutingRuleEntity): RoutingRuleInput {
  return {
    id: entity.id,
    name: entity.name,
    description: orNull(entity.description),
    enabled: entity.enabled,
    celExpression: entity.cel_expression,
    targets: entity.targets,
    fallbacks: entity.fallbacks,
    scope: entity.scope,
    scopeId: entity.scope_id || null,
    priority: entity.priority,
  };
}
