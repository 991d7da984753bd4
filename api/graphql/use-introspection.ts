/**
 * Introspection: off entirely with HEIMDALL_GRAPHQL_INTROSPECTION=false (schema.graphql in the
 * repo documents the API instead); otherwise, with auth on, only for callers holding a READ token,
 * so an anonymous caller cannot map every admin mutation. `__typename` is always allowed.
 */
import {
  BREAK,
  GraphQLError,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../../schema/context.ts';

const isSchemaQuery = (name: string) => name === '__schema' || name === '__type';

function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (isSchemaQuery(node.name.value)) {
        context.reportError(
          new GraphQLError(
            'introspection is disabled on this server (HEIMDALL_GRAPHQL_INTROSPECTION=false)',
            {
              nodes: [node],
              extensions: { code: 'INTROSPECTION_DISABLED' },
            },
          ),
        );
      }
    },
  };
}

export function useDisableIntrospection(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(noIntrospection) };
}

/** Documents are cached by yoga, so each is searched once, not on every execution. */
const searched = new WeakMap<DocumentNode, boolean>();

function asksForSchema(document: DocumentNode): boolean {
  let found = searched.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(node) {
        if (!isSchemaQuery(node.name.value)) return undefined;
        found = true;
        return BREAK;
      },
    });
    searched.set(document, found);
  }
  return found;
}

/**
 * Refuses `__schema`/`__type` to callers without the READ scope. Checked at execution, not as a
 * validation rule: validation results are cached per document, whoever asked.
 */
export function useIntrospectionNeedsRead(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!asksForSchema(args.document)) return;
      const principal = (args.contextValue as Partial<Context>).principal;
      if (principal?.scopes.has('read')) return;
      const error = principal
        ? new GraphQLError('Not allowed: introspection needs a token with the READ scope', {
            extensions: { code: 'FORBIDDEN' },
          })
        : new GraphQLError(
            'Authentication required for introspection: send Authorization: Bearer <token> with the READ scope (see the login mutation)',
            { extensions: { code: 'UNAUTHENTICATED' } },
          );
      setResultAndStopExecution({ errors: [error] });
    },
  };
}
