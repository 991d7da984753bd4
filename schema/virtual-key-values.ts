/** Virtual-key values and references: helpers for the VirtualKey kit and its mutations. */
import type { z } from 'zod';
import {
  apiEnvRefRefusal,
  envRefName,
  generateVirtualKeyValue,
  isEnvRef,
  KEPT_VALUE_PREFIX,
  listProviderKeys,
  resolveEnvRef,
  virtualKeyValueProblem,
  type Database,
  type SecretBox,
  type virtualKeySchema,
} from '../db/index.ts';
import { ValidationError } from './errors.ts';
import { checkRefs, limitRefs, type Ref } from './refs.ts';

/**
 * Stands for "the value already stored" in the config shape: a stored key's value cannot be
 * read back, and an update or upsert that does not name a value keeps it.
 */
export const KEEP_VALUE = KEPT_VALUE_PREFIX;

/** Whether a config-shape value is the "keep" placeholder (optionally suffixed to stay unique). */
export const isKept = (value: string): boolean => value.startsWith(KEEP_VALUE);

export const generatedValue = generateVirtualKeyValue;

/** The value as hashed: `env.VAR` references resolved (when set). */
export const valueOf = (value: string, env: NodeJS.ProcessEnv): string => resolveEnvRef(value, env) ?? value;

/**
 * A value an API caller gives: an `env.VAR` only when open to API callers (the resolved value's
 * length would otherwise tell them about the operator's environment), and never shorter than
 * the minimum. Throws a ValidationError at `path`.
 */
export function checkGivenValue(value: string, env: NodeJS.ProcessEnv, path: string): void {
  if (isKept(value)) return;
  const message =
    (isEnvRef(value) ? apiEnvRefRefusal(envRefName(value), env) : undefined) ??
    virtualKeyValueProblem(value, env);
  if (message) throw new ValidationError([{ path, message }]);
}

export async function checkVirtualKeyRefs(
  db: Database,
  box: SecretBox,
  shape: z.infer<typeof virtualKeySchema>,
  toInputPath: (path: string) => string,
): Promise<void> {
  if (shape.team_id && shape.customer_id) {
    throw new ValidationError([
      {
        path: toInputPath('customer_id'),
        message: 'a virtual key belongs to a team or a customer, not both',
      },
    ]);
  }
  const refs: Ref[] = [
    ...limitRefs(shape),
    { kind: 'team', id: shape.team_id, path: 'team_id' },
    { kind: 'customer', id: shape.customer_id, path: 'customer_id' },
    ...shape.provider_configs.flatMap((pc, i): Ref[] => [
      { kind: 'provider', id: pc.provider, path: `provider_configs[${i}].provider` },
      ...limitRefs(pc, `provider_configs[${i}].`),
    ]),
  ];
  await checkRefs(db, box, refs, toInputPath);
  const pinned = shape.provider_configs.filter((pc) => pc.key_ids.length > 0);
  if (pinned.length === 0) return;
  const keys = await listProviderKeys(
    db,
    box,
    pinned.map((pc) => pc.provider),
  );
  const issues = shape.provider_configs.flatMap((pc, i) =>
    pc.key_ids
      .map((name, k) => ({ name, k }))
      .filter(({ name }) => !keys.some((key) => key.provider === pc.provider && key.name === name))
      .map(({ name, k }) => ({
        path: toInputPath(`provider_configs[${i}].key_ids[${k}]`),
        message: `provider "${pc.provider}" has no key named "${name}"`,
      })),
  );
  if (issues.length > 0) throw new ValidationError(issues);
}
