/** Imports every type file for its side effects and exports the built schema. */
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './types/root.ts';
import './types/config.ts';
import './types/budget.ts';
import './types/rate-limit.ts';
import './types/customer.ts';
import './types/team.ts';
import './types/virtual-key.ts';
import './types/virtual-key-operations.ts';

export const schema = builder.toSchema();
