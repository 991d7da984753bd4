/** Turns introspection off (production hardening); schema.graphql in the repo documents the API instead. */
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
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
