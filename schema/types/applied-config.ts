/**
 * The last document `applyConfig` applied, per target (a name the caller picks, e.g. one per
 * config file or environment), so a client can tell what changed in the database outside the
 * file since: `heimdall drift` plans that document again against the live state.
 *
 * Kept in config_meta (`applied_config:<target>`). Secrets never leave in it: virtual key values
 * are dropped (a key without `value` keeps its own when planned) and provider secrets are stored
 * masked (a mask that still matches the stored secret plans as unchanged); `env.` references
 * stay as written.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, getMeta, normalizeDocument, setMeta, type Database } from '../../db/index.ts';
import { builder } from '../builder.ts';
import { KEY_SECRET_PATHS, maskSecrets, PROVIDER_SECRET_PATHS } from '../secrets.ts';

export const DEFAULT_APPLY_TARGET = 'default';
const metaKey = (target: string) => `applied_config:${target}`;

interface AppliedConfig {
  target: string;
  /** sha256 of the stored (secret-free) document's canonical JSON. */
  hash: string;
  document: Record<string, unknown>;
  appliedAt: number;
  version: number | null;
}

type Entity = Record<string, unknown>;
const isObject = (value: unknown): value is Entity =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The document in the config-file shape, without a secret in it. */
function withoutSecrets(raw: unknown): Entity {
  const { document } = normalizeDocument(structuredClone(raw));
  const out: Entity = isObject(document) ? document : {};
  const governance = out.governance;
  if (isObject(governance) && Array.isArray(governance.virtual_keys))
    governance.virtual_keys = governance.virtual_keys.map((vk: unknown) => {
      if (!isObject(vk)) return vk;
      const { value: _value, ...rest } = vk;
      return rest;
    });
  if (isObject(out.providers))
    for (const [name, provider] of Object.entries(out.providers)) {
      if (!isObject(provider)) continue;
      const masked = maskSecrets(provider, PROVIDER_SECRET_PATHS);
      if (Array.isArray(masked.keys))
        masked.keys = masked.keys.map((key) => maskSecrets(key, KEY_SECRET_PATHS));
      out.providers[name] = masked;
    }
  return out;
}

export async function recordAppliedConfig(
  db: Database,
  target: string,
  raw: unknown,
  version: number | null,
): Promise<void> {
  const document = withoutSecrets(raw);
  const hash = createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
  const record: AppliedConfig = { target, hash, document, appliedAt: Date.now(), version };
  await setMeta(db, metaKey(target), JSON.stringify(record));
}

const AppliedConfigRef = builder.objectRef<AppliedConfig>('AppliedConfig').implement({
  description:
    'The document the last applyConfig of a target applied, secrets removed (virtual key values) or masked (provider secrets).',
  fields: (t) => ({
    target: t.exposeString('target'),
    hash: t.exposeString('hash', { description: 'sha256 of the stored document’s canonical JSON.' }),
    document: t.field({ type: 'JSON', resolve: (r) => r.document }),
    appliedAt: t.field({ type: 'DateTime', resolve: (r) => r.appliedAt }),
    version: t.exposeInt('version', { nullable: true, description: 'Config version after that apply.' }),
  }),
});

builder.queryField('lastAppliedConfig', (t) =>
  t.field({
    type: AppliedConfigRef,
    nullable: true,
    description:
      'What the last applyConfig (not a dry run) with this target applied; null before the first. Plan it again to see what changed since outside the file.',
    args: { target: t.arg.string({ defaultValue: DEFAULT_APPLY_TARGET }) },
    resolve: async (_root, args, ctx) => {
      const stored = await getMeta(ctx.database, metaKey(args.target ?? DEFAULT_APPLY_TARGET));
      return stored ? (JSON.parse(stored) as AppliedConfig) : null;
    },
  }),
);
