/**
 * Writes the generated contract files that are committed: `config.schema.json` (from the zod
 * config model), `schema.graphql` (the Pothos schema, sorted) and
 * `clients/generated/operations.ts` (typed documents for clients/operations.graphql) and the Helm
 * chart's `values.schema.json` (helm/values.schema.in.json + the config schema for `bifrost:`). Tests
 * fail when the committed files drift from the code; run `npm run codegen` to refresh them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  isScalarType,
  Kind,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
  typeFromAST,
  type FieldNode,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import * as prettier from 'prettier';
import { configJsonSchema, configJsonSchemaText } from './db/config/json-schema.ts';
import { schema } from './schema/index.ts';

const SCALARS: Record<string, string> = {
  String: 'string',
  ID: 'string',
  Int: 'number',
  Float: 'number',
  Boolean: 'boolean',
  JSON: 'unknown',
  DateTime: 'string',
  BigInt: 'string',
};

export function schemaText(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** Scalars as the SDK reads them (BigInt and DateTime arrive as strings). */
function scalarType(name: string): string {
  return SCALARS[name] ?? 'unknown';
}

function tsType(
  type: GraphQLOutputType,
  selection: SelectionSetNode | undefined,
  indent: string,
  target: GraphQLSchema,
): string {
  if (isNonNullType(type)) return tsType(type.ofType, selection, indent, target).replace(/ \| null$/, '');
  if (isListType(type)) return `Array<${tsType(type.ofType, selection, indent, target)}> | null`;
  const named = getNamedType(type);
  let body: string;
  if (isScalarType(named)) body = scalarType(named.name);
  else if (isEnumType(named))
    body = named
      .getValues()
      .map((v) => JSON.stringify(v.name))
      .join(' | ');
  else if (isObjectType(named) && selection) body = objectType(named, selection, indent, target);
  else if (isAbstractType(named) && selection)
    body = `(${target
      .getPossibleTypes(named)
      .map((possible) => objectType(possible, selection, indent, target, true))
      .join(' | ')})`;
  else throw new Error(`codegen: ${named.name} needs a selection without named fragments`);
  return `${body} | null`;
}

/** The selected fields that apply to `type`: its own, and those of inline fragments it matches. */
function fieldsFor(type: GraphQLObjectType, selection: SelectionSetNode): FieldNode[] {
  return selection.selections.flatMap((node): FieldNode[] => {
    if (node.kind === Kind.FIELD) return [node];
    if (node.kind !== Kind.INLINE_FRAGMENT)
      throw new Error('codegen: named fragments are not supported in client operations');
    const on = node.typeCondition?.name.value;
    const matches = !on || on === type.name || type.getInterfaces().some((iface) => iface.name === on);
    return matches ? fieldsFor(type, node.selectionSet) : [];
  });
}

function objectType(
  type: GraphQLObjectType,
  selection: SelectionSetNode,
  indent: string,
  target: GraphQLSchema,
  discriminated = false,
): string {
  const fields = type.getFields();
  const lines = fieldsFor(type, selection).map((node) => {
    const key = node.alias?.value ?? node.name.value;
    if (node.name.value === '__typename')
      return `${indent}  ${key}: ${discriminated ? JSON.stringify(type.name) : 'string'};`;
    const field = fields[node.name.value];
    if (!field) throw new Error(`codegen: unknown field ${node.name.value}`);
    return `${indent}  ${key}: ${tsType(field.type, node.selectionSet, `${indent}  `, target)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** An input type as TypeScript: nullable input fields are optional and accept null. */
function inputType(type: GraphQLInputType, indent: string): string {
  if (isNonNullType(type)) return inputType(type.ofType, indent).replace(/ \| null$/, '');
  if (isListType(type)) return `Array<${inputType(type.ofType, indent)}> | null`;
  let body: string;
  if (isScalarType(type)) body = scalarType(type.name);
  else if (isEnumType(type))
    body = type
      .getValues()
      .map((v) => JSON.stringify(v.name))
      .join(' | ');
  else {
    const object = type as GraphQLInputObjectType;
    const lines = Object.values(object.getFields()).map((field) => {
      const optional = !isNonNullType(field.type) || field.defaultValue !== undefined ? '?' : '';
      return `${indent}  ${field.name}${optional}: ${inputType(field.type, `${indent}  `)};`;
    });
    body = `{\n${lines.join('\n')}\n${indent}}`;
  }
  return `${body} | null`;
}

function variablesType(op: OperationDefinitionNode, target: GraphQLSchema): string {
  const definitions = op.variableDefinitions ?? [];
  if (definitions.length === 0) return 'Record<string, never>';
  const lines = definitions.map((definition) => {
    const type = typeFromAST(target, definition.type) as GraphQLInputType;
    const optional = !isNonNullType(type) || definition.defaultValue ? '?' : '';
    return `  ${definition.variable.name.value}${optional}: ${inputType(type, '  ')};`;
  });
  return `{\n${lines.join('\n')}\n}`;
}

export interface OperationsOptions {
  /** Where the operations come from, for the header. @default clients/operations.graphql */
  sourcePath?: string;
  /** Type the variables from the operation's definitions (the SDK) instead of `Record<string, never>`. */
  typedVariables?: boolean;
}

export async function operationsText(
  source: string,
  target: GraphQLSchema = schema,
  options: OperationsOptions = {},
): Promise<string> {
  const sourcePath = options.sourcePath ?? 'clients/operations.graphql';
  const document = parse(source);
  const errors = validate(target, document);
  if (errors.length > 0) throw new Error(`${sourcePath}: ${errors.map((e) => e.message).join('; ')}`);
  const out = [
    `// Generated by \`npm run codegen\` from ${sourcePath}. Do not edit.`,
    '/** A GraphQL document string that remembers its result and variables types. */',
    'export type TypedDocument<Result, Variables> = string & { readonly __result?: Result; readonly __variables?: Variables };',
  ];
  for (const definition of document.definitions) {
    const op = definition as OperationDefinitionNode;
    if (op.kind !== Kind.OPERATION_DEFINITION || !op.name)
      throw new Error('codegen: every operation needs a name');
    const root = target.getRootType(op.operation)!;
    const name = op.name.value;
    const suffix =
      op.operation === 'query' ? 'Query' : op.operation === 'mutation' ? 'Mutation' : 'Subscription';
    const text = source.slice(op.loc!.start, op.loc!.end);
    const variables = options.typedVariables ? variablesType(op, target) : 'Record<string, never>';
    out.push(
      '',
      `export interface ${name}${suffix} ${objectType(root, op.selectionSet, '', target)}`,
      `export type ${name}Variables = ${variables};`,
      `export const ${name}Document = ${JSON.stringify(text)} as TypedDocument<${name}${suffix}, ${name}Variables>;`,
    );
  }
  const file = new URL('./clients/generated/operations.ts', import.meta.url).pathname;
  const prettierOptions = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(`${out.join('\n')}\n`, { ...prettierOptions, parser: 'typescript' });
}

/** The SDK's typed operations (clients/sdk/operations.graphql), variables typed. */
export const sdkOperationsText = (source: string, target: GraphQLSchema = schema) =>
  operationsText(source, target, { sourcePath: 'clients/sdk/operations.graphql', typedVariables: true });

/** The dashboard's own typed operations (clients/dashboard/operations.graphql), variables typed. */
export const dashboardOperationsText = (source: string, target: GraphQLSchema = schema) =>
  operationsText(source, target, {
    sourcePath: 'clients/dashboard/operations.graphql',
    typedVariables: true,
  });

type SchemaNode = Record<string, unknown>;
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A copy without `default` keywords (helm never applies them; they only bloat the chart). */
function withoutDefaults(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDefaults(item));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => inPropertyMap || key !== 'default')
      .map(([key, value]) => [key, withoutDefaults(value, !inPropertyMap && key === 'properties')]),
  );
}

/** Adds the camelCase spelling of every snake_case property, as normalize.ts accepts it there. */
function camelAliases(node: SchemaNode): void {
  const properties = node.properties as Record<string, unknown>;
  for (const [key, value] of Object.entries(properties)) {
    if (camel(key) !== key) properties[camel(key)] = value;
  }
}

const schemaAt = (root: SchemaNode, ...path: string[]) =>
  path.reduce<SchemaNode>((node, key) => node[key] as SchemaNode, root);

/**
 * The chart's values.schema.json: the hand-written part, plus `bifrost:` validated by the app's
 * own config schema widened to the spellings the loader normalises (camelCase sections, the
 * plugin map, keys without names, `_ms` retry fields, `keys` for `key_ids`) and the chart-only keys.
 */
export async function chartValuesSchemaText(): Promise<string> {
  const config = withoutDefaults(configJsonSchema()) as SchemaNode;
  for (const key of ['$schema', '$id', 'title']) delete config[key];
  const props = (node: SchemaNode) => node.properties as SchemaNode;
  const governance = schemaAt(config, 'properties', 'governance');
  const client = schemaAt(config, 'properties', 'client');
  const providerKey = schemaAt(
    config,
    'properties',
    'providers',
    'additionalProperties',
    'properties',
    'keys',
    'items',
  );
  providerKey.required = ((providerKey.required as string[] | undefined) ?? []).filter((k) => k !== 'name');
  const network = schemaAt(
    config,
    'properties',
    'providers',
    'additionalProperties',
    'properties',
    'network_config',
  );
  for (const name of ['retry_backoff_initial', 'retry_backoff_max'])
    props(network)[`${name}_ms`] = props(network)[name];
  const providerConfig = schemaAt(
    governance,
    'properties',
    'virtual_keys',
    'items',
    'properties',
    'provider_configs',
    'items',
  );
  props(providerConfig).keys = props(providerConfig).key_ids;
  props(client).enforce_governance_header = { type: 'boolean' };
  const plugins = props(config).plugins as SchemaNode;
  const plugin = structuredClone(plugins.items) as SchemaNode;
  delete plugin.required;
  props(config).plugins = { anyOf: [plugins, { type: 'object', additionalProperties: plugin }] };
  const auth = schemaAt(governance, 'properties', 'auth_config');
  Object.assign(props(auth), {
    existingSecret: { type: 'string' },
    usernameKey: { type: 'string' },
    passwordKey: { type: 'string' },
  });
  const providerSecret = {
    type: 'object',
    properties: { existingSecret: { type: 'string' }, key: { type: 'string' }, envVar: { type: 'string' } },
  };
  Object.assign(props(config), {
    provider_secrets: { type: 'object', additionalProperties: providerSecret },
    encryption_key_secret: { $ref: '#/$defs/secretRef' },
    cluster: { type: ['object', 'null'] },
    image: {},
  });
  for (const node of [config, governance, auth, client]) camelAliases(node);
  const base = JSON.parse(
    readFileSync(new URL('./helm/values.schema.in.json', import.meta.url), 'utf8'),
  ) as SchemaNode;
  delete base.$comment;
  const out = {
    $comment:
      'Generated by `npm run codegen` from helm/values.schema.in.json and config.schema.json. Do not edit.',
    ...base,
    $defs: { ...(base.$defs as SchemaNode), bifrost: config },
  };
  const file = new URL('./helm/heimdall/values.schema.json', import.meta.url).pathname;
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(out), { ...options, filepath: file });
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  writeFileSync(new URL('./config.schema.json', import.meta.url), configJsonSchemaText());
  writeFileSync(new URL('./schema.graphql', import.meta.url), schemaText());
  const operations = readFileSync(new URL('./clients/operations.graphql', import.meta.url), 'utf8');
  writeFileSync(
    new URL('./clients/generated/operations.ts', import.meta.url),
    await operationsText(operations),
  );
  writeFileSync(
    new URL('./clients/sdk/generated/operations.ts', import.meta.url),
    await sdkOperationsText(
      readFileSync(new URL('./clients/sdk/operations.graphql', import.meta.url), 'utf8'),
    ),
  );
  writeFileSync(
    new URL('./clients/dashboard/src/generated/operations.ts', import.meta.url),
    await dashboardOperationsText(
      readFileSync(new URL('./clients/dashboard/operations.graphql', import.meta.url), 'utf8'),
    ),
  );
  writeFileSync(
    new URL('./helm/heimdall/values.schema.json', import.meta.url),
    await chartValuesSchemaText(),
  );
  console.log(
    'wrote config.schema.json, schema.graphql, clients/generated/operations.ts, clients/sdk/generated/operations.ts, clients/dashboard/src/generated/operations.ts, helm/heimdall/values.schema.json',
  );
}
