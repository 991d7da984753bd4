/**
 * Constraint violations, recognised the same way on both dialects so callers (GraphQL
 * resolvers, reconciliation) can turn them into typed errors without knowing the driver.
 */
export type ConstraintKind = 'unique' | 'foreign_key' | 'check' | 'not_null';

const PG_CODES: Record<string, ConstraintKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'check',
  '23502': 'not_null',
};

const SQLITE_CODES: Record<string, ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
};

/** The kind of constraint an error (or its cause chain, as drizzle wraps driver errors) violated. */
export function constraintViolation(error: unknown): ConstraintKind | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      const kind = PG_CODES[code] ?? SQLITE_CODES[code] ?? restrictViolation(code, current);
      if (kind) return kind;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** SQLite reports ON DELETE RESTRICT through its trigger machinery, not as a foreign-key code. */
function restrictViolation(code: string, error: unknown): ConstraintKind | undefined {
  const message = (error as { message?: unknown }).message;
  return code === 'SQLITE_CONSTRAINT_TRIGGER' && typeof message === 'string' && /FOREIGN KEY/i.test(message)
    ? 'foreign_key'
    : undefined;
}
