/**
 * Why an SDK call failed. `kind` says where: the transport (`network`, `http`), the GraphQL
 * layer (`graphql`: errors in the response, `codes` from their `extensions.code`), or a mutation
 * that answered with one of its typed error results (`result`: `detail` holds that result, e.g.
 * a ValidationError's issues or a CelExpressionError's line and column).
 */
export type HeimdallErrorKind = 'network' | 'http' | 'graphql' | 'result';

export class HeimdallError<Detail = unknown> extends Error {
  constructor(
    readonly kind: HeimdallErrorKind,
    message: string,
    readonly codes: readonly string[] = [],
    readonly detail?: Detail,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeimdallError';
    this.status = options?.status;
  }
  /** The HTTP status for `http` errors. */
  readonly status: number | undefined;
}

/** A mutation result union member, discriminated by `__typename`. */
export interface Typed {
  __typename: string;
}

/**
 * The `expected` member of a mutation's result union, or a `result` HeimdallError carrying the
 * error member (its `code` and `message` are the error's own).
 */
export function expectResult<U extends Typed, N extends U['__typename']>(
  result: U,
  expected: N,
): Extract<U, { __typename: N }> {
  if (result.__typename === expected) return result as Extract<U, { __typename: N }>;
  const error = result as unknown as { code?: string; message?: string };
  throw new HeimdallError<Exclude<U, { __typename: N }>>(
    'result',
    error.message ?? `unexpected ${result.__typename}`,
    [error.code ?? result.__typename],
    result as Exclude<U, { __typename: N }>,
  );
}
