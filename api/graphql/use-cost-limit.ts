/**
 * Refuses operations whose estimated cost is too high, before execution. Each field costs 1;
 * what is under a list or connection is multiplied by the page size asked for (`first`, `last`,
 * `limit`) or, when that is a variable or absent, by an assumed size. Depth alone misses wide
 * queries (1,000 logs × 20 relations); this catches them. A literal page size below 1 is an
 * error here (a negative one would make the estimate negative and pay for other fields); the
 * connection resolvers refuse the same sizes arriving in variables (schema/connection.ts).
 */
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { fragmentsOf, isIntrospectionField } from './operations.ts';

export interface CostLimitOptions {
  /** Highest estimated cost allowed. @default 50000 */
  maxCost?: number;
  /** Items assumed under a connection without a literal page size. @default 100 */
  assumedPageSize?: number;
  /** Items assumed under a plain list field. @default 10 */
  assumedListSize?: number;
}

type Sizes = Required<Omit<CostLimitOptions, 'maxCost'>>;

const PAGE_SIZE_ARGS = ['first', 'last', 'limit'];

function pageSize(field: FieldNode, fallback: number): number {
  for (const arg of field.arguments ?? []) {
    if (PAGE_SIZE_ARGS.includes(arg.name.value) && arg.value.kind === Kind.INT) {
      return Number(arg.value.value);
    }
  }
  return fallback;
}

const isPaged = (type: GraphQLOutputType) =>
  isListType(getNullableType(type)) || getNamedType(type).name.endsWith('Connection');

function multiplier(field: FieldNode, type: GraphQLOutputType, sizes: Sizes): number {
  if (!isPaged(type)) return 1;
  return pageSize(field, isListType(getNullableType(type)) ? sizes.assumedListSize : sizes.assumedPageSize);
}

/** Reports literal page sizes below 1 on a list or connection field. */
function checkPageSizes(field: FieldNode, context: ValidationContext): void {
  const def = context.getFieldDef();
  if (!def || !isPaged(def.type)) return;
  for (const arg of field.arguments ?? []) {
    if (!PAGE_SIZE_ARGS.includes(arg.name.value) || arg.value.kind !== Kind.INT) continue;
    if (Number(arg.value.value) >= 1) continue;
    context.reportError(
      new GraphQLError(
        `${field.name.value}(${arg.name.value}: ${arg.value.value}): a page size must be at least 1`,
        { nodes: [arg], extensions: { code: 'INVALID_INPUT' } },
      ),
    );
  }
}

function costOf(
  set: SelectionSetNode,
  parent: GraphQLCompositeType,
  context: ValidationContext,
  sizes: Sizes,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (isIntrospectionField(name)) continue;
      const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      if (!def) continue; // unknown fields are reported by the spec's own rules
      const named = getNamedType(def.type);
      const below =
        selection.selectionSet && isCompositeType(named)
          ? costOf(selection.selectionSet, named, context, sizes)
          : 0;
      total += 1 + below * multiplier(selection, def.type, sizes);
    } else {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : fragmentsOf(context).get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition
        ? context.getSchema().getType(fragment.typeCondition.name.value)
        : parent;
      if (condition && isCompositeType(condition))
        total += costOf(fragment.selectionSet, condition, context, sizes);
    }
  }
  return total;
}

export function costLimitRule(options: CostLimitOptions = {}) {
  const maxCost = options.maxCost ?? 50_000;
  const sizes: Sizes = {
    assumedPageSize: options.assumedPageSize ?? 100,
    assumedListSize: options.assumedListSize ?? 10,
  };
  return (context: ValidationContext): ASTVisitor => ({
    Field: (field) => checkPageSizes(field, context),
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return;
      const cost = costOf(operation.selectionSet, root, context, sizes);
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(
            `operation cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages (first/last) or fewer fields`,
            { nodes: [operation], extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost } },
          ),
        );
      }
    },
  });
}

export function useCostLimit(options: CostLimitOptions = {}): Plugin {
  const rule = costLimitRule(options);
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}
