/**
 * Plans as people and machines read them. Secret fields never print: every value under a key
 * that holds a secret (key values, passwords, cloud credentials) shows as `(sensitive)`, in
 * text and in `--output json`, whatever the server sent (it sends masks already).
 */
import type { ApplyConfigMutation } from '../sdk/index.ts';
import type { Paint } from './io.ts';

export type Plan = Extract<ApplyConfigMutation['applyConfig'], { __typename: 'ConfigPlan' }>;
export type PlanEntry = Plan['changes'][number];

const SECRET_KEYS = new Set([
  'value',
  'password',
  'client_secret',
  'access_key',
  'secret_key',
  'session_token',
  'auth_credentials',
]);
export const SENSITIVE = '(sensitive)';

/** A copy with every secret field replaced by `(sensitive)`. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEYS.has(key) && inner != null ? SENSITIVE : redact(inner),
    ]),
  );
}

const show = (value: unknown) => (value === SENSITIVE ? SENSITIVE : JSON.stringify(value ?? null));
const lastSegment = (path: string) => path.split('.').pop() ?? path;

export interface EntryDetail {
  /** For creates: the entity's fields as the file has them (secrets redacted). */
  fields?: Record<string, unknown>;
}

export interface RenderOptions {
  paint: Paint;
  /** Drift reads the plan the other way round: the file is the past, the database the present. */
  drift?: boolean;
  detail?: (entry: PlanEntry) => EntryDetail;
}

const SYMBOL = { CREATE: '+', UPDATE: '~', DELETE: '-', UNCHANGED: ' ' } as const;

function headline(entry: PlanEntry, options: RenderOptions): string {
  const { paint } = options;
  const colour =
    entry.action === 'CREATE' ? paint.green : entry.action === 'DELETE' ? paint.red : paint.yellow;
  const verb = options.drift
    ? {
        CREATE: 'deleted outside the file',
        UPDATE: 'changed outside the file',
        DELETE: 'added outside the file',
        UNCHANGED: '',
      }[entry.action]
    : { CREATE: 'create', UPDATE: 'update', DELETE: 'delete', UNCHANGED: '' }[entry.action];
  // In drift, a file entity missing from the database was deleted there (-), a database entity
  // missing from the file was added there (+).
  const symbol = options.drift
    ? { CREATE: '-', UPDATE: '~', DELETE: '+', UNCHANGED: ' ' }[entry.action]
    : SYMBOL[entry.action];
  return colour(`  ${symbol} ${entry.kind} ${paint.bold(entry.id)}`) + paint.dim(` (${verb})`);
}

export function renderPlan(plan: Plan, options: RenderOptions): string {
  const { paint } = options;
  const out: string[] = [];
  for (const entry of plan.changes) {
    out.push(headline(entry, options));
    if (entry.action === 'CREATE' && !options.drift) {
      const fields = options.detail?.(entry).fields ?? {};
      for (const [key, value] of Object.entries(redact(fields) as Record<string, unknown>))
        out.push(paint.green(`      ${key}: ${show(value)}`));
    }
    for (const change of entry.changes) {
      const secret = SECRET_KEYS.has(lastSegment(change.path));
      const before = secret ? SENSITIVE : show(redact(change.before));
      const after = secret ? SENSITIVE : show(redact(change.after));
      // The server's before is the database, after the file.
      const line = options.drift
        ? `      ~ ${change.path}: ${after} ${paint.dim('(applied)')} → ${before} ${paint.dim('(now)')}`
        : `      ~ ${change.path}: ${before} → ${after}`;
      out.push(paint.yellow(line));
    }
  }
  return out.join('\n');
}

export function planSummary(plan: Plan): string {
  return `${plan.creates} to create, ${plan.updates} to update, ${plan.deletes} to delete`;
}

/** The plan for `--output json`: entries with their field changes, secrets redacted. */
export function planJson(plan: Plan, detail?: (entry: PlanEntry) => EntryDetail) {
  return {
    hasChanges: plan.hasChanges,
    summary: { create: plan.creates, update: plan.updates, delete: plan.deletes, unchanged: plan.unchanged },
    changes: plan.changes.map((entry) => ({
      kind: entry.kind,
      id: entry.id,
      action: entry.action.toLowerCase(),
      ...(entry.action === 'CREATE' && detail ? { fields: redact(detail(entry).fields ?? {}) } : {}),
      changes: entry.changes.map((change) =>
        SECRET_KEYS.has(lastSegment(change.path))
          ? { path: change.path, before: SENSITIVE, after: SENSITIVE }
          : { path: change.path, before: redact(change.before), after: redact(change.after) },
      ),
    })),
    warnings: plan.warnings,
  };
}
