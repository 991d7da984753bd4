/**
 * Refuses operations nested deeper than a limit, before execution: relations go both ways
 * (team → keys → team → …), so without a cap one query could fan out without end.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { fragmentsOf, isIntrospectionField } from './operations.ts';

export interface DepthLimitOptions {
  /** Deepest field nesting allowed; introspection fields are not counted. @default 12 */
  maxDepth?: number;
}

function depthOf(set: SelectionSetNode, context: ValidationContext, seen: Set<string>): number {
  const fragments = fragmentsOf(context);
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospectionField(selection.name.value)) continue;
      const below = selection.selectionSet ? depthOf(selection.selectionSet, context, seen) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, context, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue; // cycles are reported by the spec's own rule
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, context, new Set([...seen, name])));
    }
  }
  return deepest;
}

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = depthOf(operation.selectionSet, context, new Set());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`operation is nested ${depth} levels deep; the limit is ${maxDepth}`, {
            nodes: [operation],
            extensions: { code: 'DEPTH_LIMIT_EXCEEDED' },
          }),
        );
      }
    },
  });
}

export function useDepthLimit(options: DepthLimitOptions = {}): Plugin {
  const rule = depthLimitRule(options.maxDepth ?? 12);
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}
