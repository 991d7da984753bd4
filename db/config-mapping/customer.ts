/** Customer rows ↔ `governance.customers[]`. */
import type { z } from 'zod';
import type { customer } from '../config/governance.ts';
import type { CustomerInput, CustomerRecord } from '../repositories/customers.ts';
import { limitsFromConfig, limitsToConfig } from './common.ts';

type CustomerEntity = z.infer<typeof customer>;

export function customerToConfig(row: CustomerRecord): CustomerEntity {
  return { id: row.id, name: row.name, ...limitsToConfig(row) };
}

export function customerFromConfig(entity: CustomerEntity): CustomerInput {
  return { id: entity.id, name: entity.name, ...limitsFromConfig(entity) };
}
