/**
 * Expected failures. Each is a class (thrown by resolvers and services) and an object type
 * implementing the `Error` interface, so mutations return them as union members that clients
 * branch on. Anything else thrown is masked by the server; auth failures are GraphQLErrors with
 * `extensions.code` (UNAUTHENTICATED / FORBIDDEN).
 */
import { builder } from './builder.ts';

/** Base of every error a client may see with its message; `code` is stable. */
export class HeimdallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface InputIssue {
  /** Where in the input, e.g. `input.providerConfigs[0].allowedModels` or `governance.budgets[1].max_limit`. */
  path: string;
  message: string;
}

export class ValidationError extends HeimdallError {
  constructor(
    readonly issues: InputIssue[],
    message = `invalid input: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
  ) {
    super('INVALID_INPUT', message);
  }
}

export class CelExpressionError extends HeimdallError {
  constructor(
    readonly path: string,
    readonly expression: string,
    readonly summary: string,
    /** 0-based character offset of the problem, when cel-js knows it. */
    readonly offset: number | null,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(
      'INVALID_CEL',
      `${path}: invalid CEL expression${line === null ? '' : ` at line ${line}, column ${column}`}: ${summary}`,
    );
  }
}

export class NotFoundError extends HeimdallError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super('NOT_FOUND', `${kind} "${id}" does not exist`);
  }
}

/** The id is taken, or the entity is still referenced and cannot be deleted. */
export class ConflictError extends HeimdallError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class InvalidCredentialsError extends HeimdallError {
  constructor() {
    super('INVALID_CREDENTIALS', 'wrong username or password');
  }
}

export class LoginRateLimitedError extends HeimdallError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `too many failed logins; retry in ${retryAfterSeconds} s`);
  }
}

export const ErrorInterface = builder.interfaceRef<HeimdallError>('Error').implement({
  description: 'An expected failure: `code` is stable, `message` is for people.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

const InputIssueRef = builder.objectRef<InputIssue>('InputIssue').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [InputIssueRef], resolve: (e) => e.issues }) }),
});

builder.objectType(CelExpressionError, {
  name: 'CelExpressionError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    path: t.exposeString('path'),
    expression: t.exposeString('expression'),
    summary: t.exposeString('summary', { description: 'The CEL error without the source excerpt.' }),
    offset: t.exposeInt('offset', { nullable: true }),
    line: t.exposeInt('line', { nullable: true }),
    column: t.exposeInt('column', { nullable: true }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ kind: t.exposeString('kind'), id: t.exposeString('id') }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(LoginRateLimitedError, {
  name: 'LoginRateLimitedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** The union members every config mutation can return. */
export const MUTATION_ERRORS = [ValidationError, CelExpressionError, NotFoundError, ConflictError];
