/**
 * Refuses operations whose estimated cost is too high, before execution. Each field costs 1;
 * what is under a list or connection is multiplied by the page size asked for (`first`, `last`,
 * `limit`) or, when that is a variable or absent, by an assumed size. Depth alone misses wide
 * queries (1,000 logs × 20 relations); this catches them. A literal page size below 1 is an
 * error here (a negative one would make the estimate negative and pay for other fields); the
 * connection resolvers refuse the same sizes arriving in variables (schema/connection.ts).
 * Page sizes in variables are unknown at validation (whose result is cached per document), so
 * such documents are estimated again at execution with the values given.
 */
import {
  BREAK,
  getNamedType,
  getOperationAST,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
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

/** What an estimate needs besides the selections: validation and execution both build one. */
interface Estimate {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  sizes: Sizes;
  /** Variable values at execution, operation defaults filled in; undefined while validating. */
  variables?: Readonly<Record<string, unknown>>;
}

const PAGE_SIZE_ARGS = ['first', 'last', 'limit'];

/** The page size an argument asks for, when known; never below 1 (those are refused elsewhere). */
function sizeOf(value: ValueNode, estimate: Estimate): number | undefined {
  if (value.kind === Kind.INT) return Math.max(Number(value.value), 1);
  const given = value.kind === Kind.VARIABLE ? estimate.variables?.[value.name.value] : undefined;
  return typeof given === 'number' && Number.isFinite(given) ? Math.max(given, 1) : undefined;
}

function pageSize(field: FieldNode, fallback: number, estimate: Estimate): number {
  for (const arg of field.arguments ?? []) {
    if (!PAGE_SIZE_ARGS.includes(arg.name.value)) continue;
    const size = sizeOf(arg.value, estimate);
    if (size !== undefined) return size;
  }
  return fallback;
}

const isPaged = (type: GraphQLOutputType) =>
  isListType(getNullableType(type)) || getNamedType(type).name.endsWith('Connection');

function multiplier(field: FieldNode, type: GraphQLOutputType, estimate: Estimate): number {
  if (!isPaged(type)) return 1;
  const { assumedListSize, assumedPageSize } = estimate.sizes;
  return pageSize(field, isListType(getNullableType(type)) ? assumedListSize : assumedPageSize, estimate);
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
  estimate: Estimate,
  spreading: ReadonlySet<string> = new Set(),
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
          ? costOf(selection.selectionSet, named, estimate, spreading)
          : 0;
      total += 1 + below * multiplier(selection, def.type, estimate);
    } else {
      const spread = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      // A cycle is reported by the spec's own rule; following it would never end.
      if (spread !== undefined && spreading.has(spread)) continue;
      const fragment = spread === undefined ? selection : estimate.fragments.get(spread);
      if (!fragment || fragment.kind === Kind.FRAGMENT_SPREAD) continue;
      const condition = fragment.typeCondition
        ? estimate.schema.getType(fragment.typeCondition.name.value)
        : parent;
      if (condition && isCompositeType(condition))
        total += costOf(
          fragment.selectionSet,
          condition,
          estimate,
          spread === undefined ? spreading : new Set([...spreading, spread]),
        );
    }
  }
  return total;
}

function operationCost(operation: OperationDefinitionNode, estimate: Estimate): number | undefined {
  const root = estimate.schema.getRootType(operation.operation);
  return root ? costOf(operation.selectionSet, root, estimate) : undefined;
}

const costError = (cost: number, maxCost: number, operation: OperationDefinitionNode) =>
  new GraphQLError(
    `operation cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages (first/last) or fewer fields`,
    { nodes: [operation], extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost } },
  );

function limitsOf(options: CostLimitOptions): { maxCost: number; sizes: Sizes } {
  return {
    maxCost: options.maxCost ?? 50_000,
    sizes: {
      assumedPageSize: options.assumedPageSize ?? 100,
      assumedListSize: options.assumedListSize ?? 10,
    },
  };
}

export function costLimitRule(options: CostLimitOptions = {}) {
  const { maxCost, sizes } = limitsOf(options);
  return (context: ValidationContext): ASTVisitor => ({
    Field: (field) => checkPageSizes(field, context),
    OperationDefinition(operation) {
      const estimate = { schema: context.getSchema(), fragments: fragmentsOf(context), sizes };
      const cost = operationCost(operation, estimate);
      if (cost !== undefined && cost > maxCost) context.reportError(costError(cost, maxCost, operation));
    },
  });
}

/** Documents taking a page size from a variable, which validation (cached per document) cannot see. */
const variableSized = new WeakMap<DocumentNode, boolean>();

function takesVariablePageSize(document: DocumentNode): boolean {
  let found = variableSized.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Argument(arg) {
        if (!PAGE_SIZE_ARGS.includes(arg.name.value) || arg.value.kind !== Kind.VARIABLE) return undefined;
        found = true;
        return BREAK;
      },
    });
    variableSized.set(document, found);
  }
  return found;
}

/** The variables an operation runs with: those given, else the defaults it declares. */
function variablesOf(operation: OperationDefinitionNode, given: Readonly<Record<string, unknown>> = {}) {
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const fallback = definition.defaultValue;
    variables[name] =
      name in given ? given[name] : fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
  }
  return variables;
}

/**
 * The rule at validation, and again at execution for documents whose page sizes come from
 * variables: validation assumes 100 rows there, while a variable may ask for 1,000.
 */
export function useCostLimit(options: CostLimitOptions = {}): Plugin {
  const rule = costLimitRule(options);
  const { maxCost, sizes } = limitsOf(options);
  return {
    onValidate: ({ addValidationRule }) => addValidationRule(rule),
    onExecute({ args, setResultAndStopExecution }) {
      if (!takesVariablePageSize(args.document)) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of args.document.definitions)
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      const variables = variablesOf(operation, args.variableValues ?? undefined);
      const cost = operationCost(operation, { schema: args.schema, fragments, sizes, variables });
      if (cost !== undefined && cost > maxCost)
        setResultAndStopExecution({ errors: [costError(cost, maxCost, operation)] });
    },
  };
}
