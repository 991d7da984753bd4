/** Team rows ↔ `governance.teams[]`. */
import type { z } from 'zod';
import type { team } from '../config/governance.ts';
import type { TeamInput, TeamRecord } from '../repositories/customers.ts';
import { compact, limitsFromConfig, limitsToConfig } from './common.ts';

type TeamEntity = z.infer<typeof team>;

export function teamToConfig(row: TeamRecord): TeamEntity {
  return compact({ id: row.id, name: row.name, customer_id: row.customerId, ...limitsToConfig(row) });
}

export function teamFromConfig(entity: TeamEntity): TeamInput {
  return {
    id: entity.id,
    name: entity.name,
    customerId: entity.customer_id || null,
    ...limitsFromConfig(entity),
  };
}
