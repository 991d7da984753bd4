/** Custom scalars: JSON documents, ISO timestamps over epoch milliseconds, and big integers as strings. */
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { builder } from './builder.ts';

builder.scalarType('JSON', {
  description: 'Any JSON value (config documents, provider settings).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

function toMillis(value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms))
    throw new GraphQLError('DateTime: expected an ISO-8601 string or epoch milliseconds');
  return ms;
}

builder.scalarType('DateTime', {
  description:
    'A UTC instant, ISO-8601 (e.g. 2025-01-31T00:00:00.000Z); epoch milliseconds are accepted as input.',
  serialize: (value) => new Date(value instanceof Date ? value.getTime() : Number(value)).toISOString(),
  parseValue: toMillis,
  parseLiteral: (ast) =>
    toMillis(ast.kind === Kind.INT ? Number(ast.value) : ast.kind === Kind.STRING ? ast.value : undefined),
});

function toSafeInteger(value: unknown): number {
  const n =
    typeof value === 'string' && /^-?\d+$/.test(value)
      ? Number(value)
      : typeof value === 'number'
        ? value
        : NaN;
  if (!Number.isSafeInteger(n))
    throw new GraphQLError('BigInt: expected an integer (as a string or number) within ±2^53');
  return n;
}

builder.scalarType('BigInt', {
  description: 'An exact integer beyond 32 bits, serialised as a decimal string (e.g. micro-dollars).',
  serialize: (value) => String(value),
  parseValue: toSafeInteger,
  parseLiteral: (ast) =>
    toSafeInteger(ast.kind === Kind.STRING || ast.kind === Kind.INT ? ast.value : undefined),
});
