/**
 * Virtual-key rows ↔ `governance.virtual_keys[]`. A value is only ever stored as its hash and
 * last four characters, so a row reads back with `value_hash`/`value_suffix` instead of `value`.
 */
import type { z } from 'zod';
import { resolveEnvRef } from '../config/env-ref.ts';
import type { virtualKey } from '../config/governance.ts';
import type { VirtualKeyInput, VirtualKeyRecord } from '../repositories/virtual-keys.ts';
import { compact, limitsFromConfig, limitsToConfig, orNull } from './common.ts';

type VirtualKeyEntity = z.infer<typeof virtualKey>;

export type LiveVirtualKey = Omit<VirtualKeyEntity, 'value'> & {
  value_hash: string;
  value_suffix: string;
};

export function virtualKeyToConfig(row: VirtualKeyRecord): LiveVirtualKey {
  return compact({
    id: row.id,
    name: row.name,
    value_hash: row.valueHash,
    value_suffix: row.valueSuffix,
    description: row.description,
    is_active: row.isActive,
    ...limitsToConfig(row),
    team_id: row.teamId,
    customer_id: row.customerId,
    provider_configs: row.providerConfigs.map((pc) => ({
      provider: pc.provider,
      weight: pc.weight,
      allowed_models: pc.allowedModels,
      key_ids: pc.keyIds,
      ...limitsToConfig(pc),
    })),
  });
}

/**
 * A virtual key's value is only ever hashed, so an `env.VAR` value is resolved here, when the
 * hash is computed; validation has already checked the variable is set.
 */
export function virtualKeyValue(entity: VirtualKeyEntity, env: NodeJS.ProcessEnv): string {
  const value = resolveEnvRef(entity.value, env);
  if (!value)
    throw new Error(`virtual key ${entity.id}: environment variable for ${entity.value} is not set`);
  return value;
}

export function virtualKeyFromConfig(entity: VirtualKeyEntity, env: NodeJS.ProcessEnv): VirtualKeyInput {
  return {
    id: entity.id,
    name: entity.name,
    value: virtualKeyValue(entity, env),
    description: orNull(entity.description),
    isActive: entity.is_active,
    teamId: entity.team_id || null,
    customerId: entity.customer_id || null,
    ...limitsFromConfig(entity),
    providerConfigs: entity.provider_configs.map((pc) => ({
      provider: pc.provider,
      weight: pc.weight,
      allowedModels: pc.allowed_models,
      keyIds: pc.key_ids,
      ...limitsFromConfig(pc),
    })),
  };
}
