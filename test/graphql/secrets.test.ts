/**
 * Acceptance: provider key secrets are never returned by any query. The test walks the schema
 * from every root query field (connections included), selects every field it can reach, runs
 * it against the seed example (literal secrets and resolved env references) and searches the
 * whole response for any secret in plain text.
 */
import {
  getNamedType,
  isEnumType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.ts';
import { SEED_ENV, SEED_LITERAL_SECRETS } from '../fixtures/seed-env.ts';
import { createTestControlPlane, type TestControlPlane } from './harness.ts';
import { SEED_API_ENV, seedThroughMutations } from './seed.ts';

/** Arguments for root fields that require them. */
const ROOT_ARGS: Record<string, string> = {
  budget: '(id: "budget-dev")',
  rateLimit: '(id: "rate-limit-standard")',
  customer: '(id: "customer-acme")',
  team: '(id: "team-platform")',
  virtualKey: '(id: "vk-platform-team")',
  provider: '(name: "bedrock")',
  budgetStatus: '(virtualKeyId: "vk-platform-team")',
  usage: '(range: { from: 0, to: 4102444800000 }, groupBy: [MODEL])',
  exportConfig: '(secrets: MASKED)',
  node: `(id: "${Buffer.from('Provider:bedrock').toString('base64')}")`,
  nodes: `(ids: ["${Buffer.from('Provider:azure').toString('base64')}"])`,
};

function selection(type: GraphQLObjectType | GraphQLInterfaceType, depth: number, path: string[]): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as Array<GraphQLField<unknown, unknown>>) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(field.name);
    else if ((isObjectType(named) || isInterfaceType(named)) && depth > 0 && !path.includes(named.name)) {
      const page = field.args.some((arg) => arg.name === 'first') ? '(first: 20)' : '';
      parts.push(`${field.name}${page} { ${selection(named, depth - 1, [...path, named.name])} }`);
    }
  }
  return parts.length > 0 ? parts.join(' ') : '__typename';
}

export function everythingQuery(depth = 5): string {
  const root = schema.getQueryType()!;
  const fields = Object.values(root.getFields()).map((field) => {
    const args = ROOT_ARGS[field.name] ?? '';
    if (!args && field.args.some((arg) => isNonNullType(arg.type)))
      throw new Error(`add ROOT_ARGS for ${field.name}`);
    const named = getNamedType(field.type);
    const body =
      isObjectType(named) || isInterfaceType(named) ? ` { ${selection(named, depth, [named.name])} }` : '';
    return `${field.name}${args}${body}`;
  });
  return `{ ${fields.join('\n')} referenceExport: exportConfig(secrets: REFERENCE) }`;
}

describe('no query returns a provider secret', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      env: SEED_API_ENV,
      // The walk is one deliberately huge document; the document limits are tested elsewhere.
      maxCost: Number.MAX_SAFE_INTEGER,
      maxDepth: 30,
      maxTokens: Number.MAX_SAFE_INTEGER,
      maxFields: Number.MAX_SAFE_INTEGER,
    });
    await seedThroughMutations(cp);
  });
  afterAll(() => cp.close());

  it('walks every field reachable from Query and finds no plaintext secret', async () => {
    const query = everythingQuery();
    const result = await cp.exec(query);
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    const text = JSON.stringify(result.data);
    expect(text).toContain('openai-primary'); // the walk did reach the keys
    expect(text).toContain('env.HEIMDALL_SECRET_OPENAI_KEY_1'); // references are shown as written
    const secrets = [
      ...SEED_LITERAL_SECRETS,
      ...Object.values(SEED_ENV).filter((v) => v.length >= 16 && !v.startsWith('http')),
    ];
    for (const secret of secrets) expect(text, `secret ${secret.slice(0, 8)}… leaked`).not.toContain(secret);
    expect(text).toContain('enc:v1:'); // gatewaySnapshot: sealed, not plain
  });
});
