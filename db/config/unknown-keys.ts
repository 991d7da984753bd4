/**
 * Lists fields the model does not know. They are warnings, not errors: Bifrost configs carry
 * fields Heimdall has no use for, and refusing them would break drop-in compatibility.
 */
import { z } from 'zod';
import { formatPath } from './issues.ts';

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else return current;
  }
}

export function findUnknownKeys(schema: z.ZodType, value: unknown, path: PropertyKey[] = []): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, child]) => {
      const childSchema = shape[key];
      if (!childSchema) return [formatPath([...path, key])];
      return findUnknownKeys(childSchema, child, [...path, key]);
    });
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.flatMap((item, index) =>
      findUnknownKeys(inner.element as z.ZodType, item, [...path, index]),
    );
  }
  if (inner instanceof z.ZodRecord && typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, child]) =>
      findUnknownKeys(inner.valueType as z.ZodType, child, [...path, key]),
    );
  }
  if (inner instanceof z.ZodDiscriminatedUnion && typeof value === 'object' && value !== null) {
    const tag = (value as Record<string, unknown>)[inner._zod.def.discriminator];
    const option = (inner.options as z.ZodType[]).find(
      (opt) =>
        opt instanceof z.ZodObject &&
        (opt.shape as Record<string, z.ZodType>)[inner._zod.def.discriminator]?.safeParse(tag).success,
    );
    return option ? findUnknownKeys(option, value, path) : [];
  }
  return [];
}
