import type { Database } from '../../../db/connection.ts';
import type { SecretBox } from '../../../db/crypto.ts';

/** Filled in by contractTests' beforeAll; read lazily inside test bodies. */
export interface ContractContext {
  db: Database;
  box: SecretBox;
}
