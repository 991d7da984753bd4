/**
 * The shared shape of config mutations. Each entity file describes its entity once as an
 * `EntityKit` (how an input becomes the config-file shape, which zod schema validates it, how
 * to read and write rows); the functions here give every entity the same create / update /
 * upsert / delete semantics:
 * - inputs are validated with the config file's own model, so the API and the file accept
 *   exactly the same things, and errors name the input path;
 * - every write runs in one transaction that also bumps the config version, and
 *   `configChanged` is published only after it commits;
 * - an upsert whose content equals what is stored writes nothing and publishes nothing.
 */
import type { z } from 'zod';
import {
  bumpConfigVersion,
  canonicalJson,
  constraintViolation,
  fromZodIssues,
  type Database,
} from '../db/index.ts';
import type { Context } from './context.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { publishConfigChanged } from './pubsub.ts';

export interface EntityKit<Shape, Row> {
  /** GraphQL type name, also what `configChanged.changed` reports. */
  kind: string;
  schema: z.ZodType<Shape>;
  /** Config-shape id of a validated entity (`id`, or `name` for providers and plugins). */
  idOf(shape: Shape): string;
  /** A stored row in the config-file shape (what an update patch is merged into). */
  toConfig(row: Row): Record<string, unknown>;
  get(db: Database, ctx: Context, id: string): Promise<Row | undefined>;
  create(db: Database, ctx: Context, shape: Shape): Promise<Row>;
  update(db: Database, ctx: Context, id: string, shape: Shape): Promise<Row | undefined>;
  remove(db: Database, id: string, ctx: Context): Promise<boolean>;
  /** Checks needing the database (references, CEL); throws typed errors with input paths. */
  check?(db: Database, ctx: Context, shape: Shape, toInputPath: (path: string) => string): Promise<void>;
  /** Swaps masked secrets in `shape` for the stored ones (see schema/secrets.ts). */
  restore?(shape: Shape, row: Row, toInputPath: (path: string) => string): Shape;
  /** Whether `shape` is what is stored (default: equal config shapes); decides upsert no-ops. */
  same?(row: Row, shape: Shape, ctx: Context): boolean;
  /** Adjusts the snake_cased input before validation (e.g. dollars from micro-dollars). */
  fromInput?(raw: Record<string, unknown>): Record<string, unknown>;
}

/** Input fields whose values are JSON in the config file's own spelling, copied as given. */
const VERBATIM = new Set([
  'aliases',
  'config',
  'network_config',
  'concurrency_and_buffer_size',
  'proxy_config',
  'custom_provider_config',
]);
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const camel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** GraphQL input (camelCase) → config shape (snake_case). Nulls are dropped unless `keepNull`. */
export function inputToConfig(input: object, keepNull = false): Record<string, unknown> {
  const convert = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) return value.map((item) => convert(item, depth + 1));
    if (value === null || typeof value !== 'object' || depth > 4) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (inner === undefined || (inner === null && !(keepNull && depth === 0))) continue;
      const name = snake(key);
      out[name] = VERBATIM.has(name) || name.endsWith('_key_config') ? inner : convert(inner, depth + 1);
    }
    return out;
  };
  return convert(input, 0) as Record<string, unknown>;
}

/** `provider_configs[0].allowed_models` → `input.providerConfigs[0].allowedModels`. */
export function inputPath(prefix: string, path: string): string {
  const converted = path
    .split('.')
    .map((part) => camel(part))
    .join('.');
  return converted ? `${prefix}.${converted}` : prefix;
}

export function validateShape<Shape>(
  kit: EntityKit<Shape, unknown>,
  raw: Record<string, unknown>,
  prefix: string,
): Shape {
  const parsed = kit.schema.safeParse(kit.fromInput ? kit.fromInput(raw) : raw);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    fromZodIssues(parsed.error.issues).map((issue) => ({
      path: inputPath(prefix, issue.path),
      message: issue.message,
    })),
  );
}

/**
 * Runs `work` in one transaction that also bumps the config version, then publishes
 * `configChanged` (after commit, so a gateway reloading on the event sees the change).
 */
export async function commitConfigChange<T>(
  ctx: Context,
  changed: string[],
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  let version = 0;
  const result = await ctx.database.transaction(async (tx) => {
    const value = await work(tx);
    version = await bumpConfigVersion(tx);
    return value;
  });
  publishConfigChanged(ctx.pubsub, { version, changed });
  return result;
}

function restored<Shape, Row>(kit: EntityKit<Shape, Row>, shape: Shape, row: Row, prefix: string): Shape {
  return kit.restore ? kit.restore(shape, row, (path) => inputPath(prefix, path)) : shape;
}

async function checked<Shape, Row>(
  kit: EntityKit<Shape, Row>,
  tx: Database,
  ctx: Context,
  shape: Shape,
  prefix: string,
) {
  await kit.check?.(tx, ctx, shape, (path) => inputPath(prefix, path));
}

export async function createEntity<Shape, Row>(
  ctx: Context,
  kit: EntityKit<Shape, Row>,
  input: object,
): Promise<Row> {
  const shape = validateShape(kit, inputToConfig(input), 'input');
  const id = kit.idOf(shape);
  return commitConfigChange(ctx, [kit.kind], async (tx) => {
    if (await kit.get(tx, ctx, id))
      throw new ConflictError(`${kit.kind} "${id}" already exists; use update or upsert`);
    await checked(kit, tx, ctx, shape, 'input');
    return kit.create(tx, ctx, shape);
  });
}

/** Merges `patch` into the stored entity; a field set to null is cleared. */
export async function updateEntity<Shape, Row>(
  ctx: Context,
  kit: EntityKit<Shape, Row>,
  id: string,
  patch: object,
): Promise<Row> {
  return commitConfigChange(ctx, [kit.kind], async (tx) => {
    const current = await kit.get(tx, ctx, id);
    if (!current) throw new NotFoundError(kit.kind, id);
    const merged: Record<string, unknown> = { ...kit.toConfig(current) };
    for (const [key, value] of Object.entries(inputToConfig(patch, true))) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const shape = restored(kit, validateShape(kit, merged, 'patch'), current, 'patch');
    await checked(kit, tx, ctx, shape, 'patch');
    return (await kit.update(tx, ctx, id, shape)) ?? current;
  });
}

export interface UpsertResult<Row> {
  row: Row;
  created: boolean;
  changed: boolean;
}

/** Creates or fully replaces the entity keyed by its id; re-running with the same input changes nothing. */
export async function upsertEntity<Shape, Row>(
  ctx: Context,
  kit: EntityKit<Shape, Row>,
  input: object,
): Promise<UpsertResult<Row>> {
  const given = validateShape(kit, inputToConfig(input), 'input');
  const id = kit.idOf(given);
  const existing = await kit.get(ctx.database, ctx, id);
  const shape = existing ? restored(kit, given, existing, 'input') : given;
  const same = (row: Row) =>
    kit.same ? kit.same(row, shape, ctx) : canonicalJson(kit.toConfig(row)) === canonicalJson(shape);
  if (existing && same(existing)) {
    return { row: existing, created: false, changed: false };
  }
  return commitConfigChange(ctx, [kit.kind], async (tx) => {
    await checked(kit, tx, ctx, shape, 'input');
    const current = await kit.get(tx, ctx, id);
    const row = current ? await kit.update(tx, ctx, id, shape) : await kit.create(tx, ctx, shape);
    return { row: row ?? current!, created: !current, changed: true };
  });
}

export async function deleteEntity<Shape, Row>(
  ctx: Context,
  kit: EntityKit<Shape, Row>,
  id: string,
): Promise<string> {
  try {
    return await commitConfigChange(ctx, [kit.kind], async (tx) => {
      if (!(await kit.remove(tx, id, ctx))) throw new NotFoundError(kit.kind, id);
      return id;
    });
  } catch (error) {
    if (constraintViolation(error) === 'foreign_key') {
      throw new ConflictError(
        `${kit.kind} "${id}" is still referenced; detach it from everything that uses it first`,
      );
    }
    throw error;
  }
}
