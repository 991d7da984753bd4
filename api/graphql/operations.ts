/** Small AST helpers shared by the validation plugins. */
import { Kind, type FragmentDefinitionNode, type ValidationContext } from 'graphql';

const cache = new WeakMap<ValidationContext, Map<string, FragmentDefinitionNode>>();

export function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  let fragments = cache.get(context);
  if (!fragments) {
    fragments = new Map();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    cache.set(context, fragments);
  }
  return fragments;
}

export const isIntrospectionField = (name: string) => name.startsWith('__');
