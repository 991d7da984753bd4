/**
 * Reference checks for mutations: a budget, team or provider named by an input must exist.
 * The database's foreign keys would refuse the write anyway; checking first lets the error
 * name the input path and the missing id.
 */
import {
  getBudget,
  getCustomer,
  getProvider,
  getRateLimit,
  getTeam,
  getVirtualKey,
  KNOWN_PROVIDERS,
  type Database,
  type SecretBox,
} from '../db/index.ts';
import { ValidationError, type InputIssue } from './errors.ts';

export type RefKind = 'budget' | 'rate_limit' | 'customer' | 'team' | 'virtual_key' | 'provider';

export interface Ref {
  kind: RefKind;
  id: string | null | undefined;
  /** Config-shape path, e.g. `provider_configs[0].budget_id`. */
  path: string;
}

const known = new Set<string>(KNOWN_PROVIDERS);

async function exists(db: Database, box: SecretBox, kind: RefKind, id: string): Promise<boolean> {
  switch (kind) {
    case 'budget':
      return (await getBudget(db, id)) !== undefined;
    case 'rate_limit':
      return (await getRateLimit(db, id)) !== undefined;
    case 'customer':
      return (await getCustomer(db, id)) !== undefined;
    case 'team':
      return (await getTeam(db, id)) !== undefined;
    case 'virtual_key':
      return (await getVirtualKey(db, id)) !== undefined;
    case 'provider':
      return known.has(id) || (await getProvider(db, box, id)) !== undefined;
  }
}

/** Refs with the usual `budget_id` / `rate_limit_id` fields of an entity (or nested config). */
export function limitRefs(
  entity: { budget_id?: string | undefined; rate_limit_id?: string | undefined },
  prefix = '',
): Ref[] {
  return [
    { kind: 'budget', id: entity.budget_id, path: `${prefix}budget_id` },
    { kind: 'rate_limit', id: entity.rate_limit_id, path: `${prefix}rate_limit_id` },
  ];
}

/** Throws a ValidationError listing every reference that does not resolve. */
export async function checkRefs(
  db: Database,
  box: SecretBox,
  refs: Ref[],
  toInputPath: (path: string) => string,
): Promise<void> {
  const issues: InputIssue[] = [];
  for (const ref of refs) {
    if (!ref.id || (await exists(db, box, ref.kind, ref.id))) continue;
    const what = ref.kind.replace('_', ' ');
    issues.push({
      path: toInputPath(ref.path),
      message:
        ref.kind === 'provider'
          ? `unknown provider "${ref.id}"; configure it first or use one of ${KNOWN_PROVIDERS.join(', ')}`
          : `${what} "${ref.id}" does not exist; create it first or remove the reference`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}
