/**
 * Seeds the database from the config file at start-up, idempotently, in one transaction.
 *
 * The database is the source of truth; the file only says what it wants *changed*. Each file
 * entity's fingerprint (a keyed hash of its content) is kept in config_meta, and on each start:
 * - no row and no fingerprint (or a different one): create it;
 * - a row whose file content changed since the last start: overwrite it, keeping its id;
 * - file content unchanged: leave the row alone, whatever was edited in the database since,
 *   and leave it deleted if it was deleted there;
 * - rows the file does not mention: left alone.
 * Plugins are overwritten only when the file's `version` is higher than the stored one.
 */
import type { HeimdallConfig } from './config/model.ts';
import type { Database } from './connection/types.ts';
import type { SecretBox } from './crypto.ts';
import { bumpConfigVersion, getConfigVersion, setMeta } from './repositories/meta.ts';
import { fileEntities, type FileEntity } from './reconcile/entities.ts';
import { loadExisting } from './reconcile/existing.ts';

export interface ReconcileResult {
  /** Entity labels such as `budget:budget-dev` or `provider_key:openai/primary`. */
  created: string[];
  updated: string[];
  unchanged: string[];
  /** The config version after reconciling; bumped only when something was written. */
  version: number;
}

export interface ReconcileOptions {
  /** Resolves `env.VAR` virtual key values (they are stored only as hashes). @default process.env */
  env?: NodeJS.ProcessEnv;
}

export class ReconcileError extends Error {
  readonly code = 'RECONCILE_FAILED';
  constructor(
    readonly entity: string,
    cause: unknown,
  ) {
    super(
      `cannot apply ${entity} from the config file: ${cause instanceof Error ? rootMessage(cause) : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'ReconcileError';
  }
}

function rootMessage(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? rootMessage(cause) : error.message;
}

export const FINGERPRINT_PREFIX = 'fingerprint:';

/** JSON with sorted keys and no undefined members, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

type Action = 'create' | 'update' | 'unchanged';

function decide(
  entity: FileEntity,
  fingerprint: string,
  stored: string | undefined,
  absent: Set<string>,
): Action {
  if (entity.parent && absent.has(entity.parent)) return 'unchanged';
  if (!entity.exists) return stored === fingerprint ? 'unchanged' : 'create';
  return (entity.overwrite ?? stored !== fingerprint) ? 'update' : 'unchanged';
}

export function reconcileConfig(
  database: Database,
  config: HeimdallConfig,
  box: SecretBox,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const env = options.env ?? process.env;
  return database.transaction(async (tx) => {
    const have = await loadExisting(tx);
    const result: Omit<ReconcileResult, 'version'> = { created: [], updated: [], unchanged: [] };
    // Entities deleted in the database while unchanged in the file; their children stay away too.
    const absent = new Set<string>();
    for (const entity of fileEntities(config, have, env)) {
      const fingerprint = box.fingerprint(canonicalJson(entity.content));
      const action = decide(entity, fingerprint, have.meta.get(FINGERPRINT_PREFIX + entity.label), absent);
      if (action === 'unchanged') {
        if (!entity.exists) absent.add(entity.label);
        result.unchanged.push(entity.label);
        continue;
      }
      try {
        await (action === 'create' ? entity.create(tx, box) : entity.update(tx, box));
      } catch (error) {
        throw new ReconcileError(entity.label, error);
      }
      await setMeta(tx, FINGERPRINT_PREFIX + entity.label, fingerprint);
      result[action === 'create' ? 'created' : 'updated'].push(entity.label);
    }
    const changed = result.created.length + result.updated.length > 0;
    return { ...result, version: changed ? await bumpConfigVersion(tx) : await getConfigVersion(tx) };
  });
}
