/** Model-config rows ↔ `governance.model_configs[]`. */
import type { z } from 'zod';
import type { modelConfig } from '../config/governance.ts';
import type { ModelConfigInput, ModelConfigRecord } from '../repositories/model-configs.ts';
import { compact, limitsFromConfig, limitsToConfig } from './common.ts';

type ModelConfigEntity = z.infer<typeof modelConfig>;

export function modelConfigToConfig(row: ModelConfigRecord): ModelConfigEntity {
  return compact({
    id: row.id,
    model_name: row.modelName,
    provider: row.provider,
    ...limitsToConfig(row),
  });
}

export function modelConfigFromConfig(entity: ModelConfigEntity): ModelConfigInput {
  return {
    id: entity.id,
    modelName: entity.model_name,
    provider: entity.provider || null,
    ...limitsFromConfig(entity),
  };
}
