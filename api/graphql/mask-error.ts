/**
 * Error masking: expected errors keep their message and get `extensions.code`; everything else
 * becomes "Unexpected error." with code INTERNAL_SERVER_ERROR, so driver messages, SQL and
 * stack traces never reach a client. The original is logged.
 */
import { GraphQLError } from 'graphql';
import { HeimdallError } from '../../schema/errors.ts';
import type { Logger } from '../logger.ts';

function findExpected(error: unknown): HeimdallError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof HeimdallError) return current;
    current = current instanceof GraphQLError ? current.originalError : current.cause;
  }
  return undefined;
}

export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const expected = findExpected(error);
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    if (expected) {
      return new GraphQLError(expected.message, {
        nodes: graphqlError?.nodes,
        path: graphqlError?.path,
        extensions: { code: expected.code },
      });
    }
    if (
      graphqlError &&
      (graphqlError.originalError === undefined || graphqlError.originalError instanceof GraphQLError)
    ) {
      // Produced by graphql-js or by us on purpose (validation, auth): safe to show.
      const code = graphqlError.extensions.code ?? 'BAD_REQUEST';
      return new GraphQLError(graphqlError.message, {
        nodes: graphqlError.nodes,
        source: graphqlError.source,
        positions: graphqlError.positions,
        path: graphqlError.path,
        extensions: { ...graphqlError.extensions, code },
      });
    }
    logger.error('graphql: unexpected error', { error: graphqlError?.originalError ?? error });
    return new GraphQLError(message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
