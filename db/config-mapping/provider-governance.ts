/** Provider-governance rows ↔ `governance.providers[]` (limits on a whole provider, by name). */
import type { z } from 'zod';
import type { providerGovernance } from '../config/governance.ts';
import type { ProviderGovernanceInput, ProviderGovernanceRecord } from '../repositories/model-configs.ts';
import { compact, limitsFromConfig, limitsToConfig, orNull } from './common.ts';

type ProviderGovernanceEntity = z.infer<typeof providerGovernance>;

export function providerGovernanceToConfig(row: ProviderGovernanceRecord): ProviderGovernanceEntity {
  return compact({
    name: row.name,
    ...limitsToConfig(row),
    send_back_raw_request: row.sendBackRawRequest,
    send_back_raw_response: row.sendBackRawResponse,
  });
}

export function providerGovernanceFromConfig(entity: ProviderGovernanceEntity): ProviderGovernanceInput {
  return {
    name: entity.name,
    sendBackRawRequest: orNull(entity.send_back_raw_request),
    sendBackRawResponse: orNull(entity.send_back_raw_response),
    ...limitsFromConfig(entity),
  };
}
