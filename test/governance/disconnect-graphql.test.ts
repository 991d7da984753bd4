/**
 * `RequestLog.usageEstimated` and the `usageEstimatedOnly` filter read the request_logs column the
 * gateway sets when a stream's usage was counted from what it relayed. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequestLogs } from '../../db/index.ts';
import { createTestControlPlane, DIALECTS, type TestControlPlane } from '../graphql/harness.ts';
import { requestLogRow } from '../support/request-log-row.ts';

describe.each(DIALECTS)('usage-estimated request logs (%s)', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await createTestControlPlane(dialect);
    await insertRequestLogs(cp.database, [
      requestLogRow('log-provider-usage', { stream: true, outputTokens: 20, costMicros: 200 }),
      requestLogRow('log-hung-up', {
        stream: true,
        status: 'error',
        statusCode: 499,
        outputTokens: 4_375,
        costMicros: 43_778,
        usageEstimated: true,
        error: 'client_closed',
      }),
    ]);
  });
  afterAll(() => cp?.close());

  it('exposes the flag and filters on it', async () => {
    const query = `query ($filter: RequestLogFilter) {
      requestLogs(first: 10, filter: $filter) { edges { node { id statusCode usageEstimated costMicros } } } }`;
    type Page = { requestLogs: { edges: Array<{ node: Record<string, unknown> }> } };
    const all = await cp.ok<Page>(query);
    const flags = Object.fromEntries(all.requestLogs.edges.map((e) => [e.node.id, e.node.usageEstimated]));
    expect(flags).toEqual({ 'log-provider-usage': false, 'log-hung-up': true });
    const estimated = await cp.ok<Page>(query, { filter: { usageEstimatedOnly: true } });
    expect(estimated.requestLogs.edges.map((e) => e.node)).toEqual([
      { id: 'log-hung-up', statusCode: 499, usageEstimated: true, costMicros: '43778' },
    ]);
  });
});
