/**
 * Issue 11, High 3: a page size below 1 is an error, never a discount. A literal one is refused
 * by the cost rule (before anything runs), one in a variable by the connection resolvers; page
 * sizes in variables count at their real value in the cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type GraphqlResponse, type TestControlPlane } from './harness.ts';

const codes = (result: GraphqlResponse) => result.errors?.map((error) => error.extensions?.code);

describe('page sizes below 1', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', { maxCost: 2000 });
    await cp.ok(
      'mutation { upsertBudget(input: { id: "b1", maxLimit: 5, resetDuration: "1d" }) { __typename } }',
    );
  });
  afterAll(() => cp.close());

  it('no longer pay for other aliases: a negative first is refused, not subtracted from the cost', async () => {
    // Each page alone costs 2,101 (over the limit of 2,000); the negative one used to make the
    // total about −42 million, so all of them ran.
    const pages = Array.from({ length: 5 }, (_, i) => `p${i}: budgets(first: 100) { edges { node { id } } }`);
    const result = await cp.exec(
      `{ ${pages.join(' ')} discount: requestLogs(first: -2000000) { edges { node { id } } } }`,
    );
    expect(result.data).toBeUndefined();
    // Both faults are named: the negative size, and the pages' own cost (the size counted as 1).
    expect(codes(result)?.sort()).toEqual(['COST_LIMIT_EXCEEDED', 'INVALID_INPUT']);
    expect(result.errors?.find((error) => error.extensions?.code === 'INVALID_INPUT')?.message).toBe(
      'requestLogs(first: -2000000): a page size must be at least 1',
    );
  });

  it('refuses literal zero and negative first/last on every connection before running it', async () => {
    for (const args of ['first: 0', 'last: -1', 'first: -5, last: 0']) {
      const result = await cp.exec(`{ budgets(${args}) { totalCount } }`);
      expect(result.data).toBeUndefined();
      expect(codes(result)?.every((code) => code === 'INVALID_INPUT')).toBe(true);
    }
  });

  it('refuses page sizes below 1 passed in variables, in the resolvers', async () => {
    for (const [field, variables] of [
      ['budgets', { first: 0 }],
      ['budgets', { last: -3 }],
      ['teams', { first: -1 }],
      ['requestLogs', { first: -2000000 }],
      ['requestLogs', { first: 0 }],
    ] as const) {
      const result = await cp.exec(
        `query($first: Int, $last: Int) { ${field}(first: $first, last: $last) { edges { cursor } } }`,
        variables,
      );
      expect(codes(result), `${field} ${JSON.stringify(variables)}`).toEqual(['INVALID_INPUT']);
      expect(result.errors?.[0]?.message).toMatch(
        /^invalid input: (first|last): a page size must be at least 1 \(got -?\d+\)$/,
      );
    }
  });

  it('estimates the cost again with page sizes given in variables (and their defaults)', async () => {
    // Validation assumes 100 rows per page here (cost 1,101 of 2,000); 1,000 rows cost 11,001.
    const query = 'query($n: Int) { requestLogs(first: $n) { edges { cursor } } }';
    expect(codes(await cp.exec(query, { n: 1000 }))).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(await cp.ok(query, { n: 50 })).toEqual({ requestLogs: { edges: [] } });
    const defaulted = 'query($n: Int = 1000) { requestLogs(first: $n) { edges { cursor } } }';
    expect(codes(await cp.exec(defaulted))).toEqual(['COST_LIMIT_EXCEEDED']);
  });

  it('still pages with sizes of 1 and more', async () => {
    const result = await cp.ok<{ budgets: { edges: unknown[] } }>(
      'query($n: Int) { budgets(first: $n) { edges { cursor } } }',
      { n: 1 },
    );
    expect(result.budgets.edges).toHaveLength(1);
    expect(
      (await cp.ok<{ requestLogs: { edges: unknown[] } }>('{ requestLogs(first: 1) { edges { cursor } } }'))
        .requestLogs.edges,
    ).toEqual([]);
  });
});
