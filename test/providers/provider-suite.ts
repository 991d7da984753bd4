/**
 * The one preamble of the provider adapter tests: the provider's mock, a gateway whose snapshot
 * serves the given providers from it, the official openai SDK pointed at the gateway, and the
 * attempts the gateway settled. The mock and the attempt list are reset before each test, so
 * every test starts from the mock's scripted defaults.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ProviderSnapshot } from '../../clients/contract/snapshot.ts';
import type { AttemptRecord } from '../../gateway/create-gateway.ts';
import { snapshotOf, startGateway, type RunningGateway } from '../gateway/harness.ts';
import type { HttpMock } from '../mocks/http-mock.ts';

export interface ProviderFixture<M extends HttpMock> {
  mock: M;
  gw: RunningGateway;
  client: OpenAI;
  /** Attempts settled since the test began (onAttemptSettled). */
  settled: AttemptRecord[];
}

/** Registers the suite's set-up and tear-down; the fields are filled in before the first test. */
export function gatewayOverMock<M extends HttpMock>(
  startMock: () => Promise<M>,
  providers: (mock: M) => ProviderSnapshot[],
): ProviderFixture<M> {
  const fixture = { settled: [] as AttemptRecord[] } as ProviderFixture<M>;
  beforeAll(async () => {
    fixture.mock = await startMock();
    fixture.gw = await startGateway(snapshotOf({ providers: providers(fixture.mock) }), {
      onAttemptSettled: (_ctx, attempt) => void fixture.settled.push(attempt),
    });
    fixture.client = new OpenAI({
      apiKey: 'unused',
      baseURL: fixture.gw.baseURL,
      maxRetries: 0,
      timeout: 10_000,
    });
  });
  afterAll(async () => {
    await fixture.gw?.close();
    await fixture.mock?.close();
  });
  beforeEach(() => {
    fixture.mock.reset();
    fixture.settled.length = 0;
  });
  return fixture;
}
