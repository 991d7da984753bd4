/** Imports every type file for its side effects and exports the built schema. */
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './types/root.ts';
import './types/budget.ts';
import './types/rate-limit.ts';
import './types/customer.ts';
import './types/team.ts';
import './types/virtual-key.ts';
import './types/virtual-key-operations.ts';
import './types/provider.ts';
import './types/provider-key.ts';
import './types/model-config.ts';
import './types/provider-governance.ts';
import './types/routing-rule.ts';
import './types/plugin-config.ts';
import './types/price-entry.ts';
import './types/admin-token.ts';
import './types/request-log.ts';
import './types/usage.ts';
import './types/gateway.ts';
import './types/governance-channel.ts';
import './types/config.ts';

export const schema = builder.toSchema();
