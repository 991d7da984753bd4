/**
 * Load for a cluster: one chat completion with the usage it dictates to the mock provider
 * (`send`), and many of them at a bounded concurrency over the replicas still alive (`drive`).
 */
import type { MockSpec } from '../governance/support/usage-mock.ts';
import type { Replica } from './harness.ts';

export interface Outcome {
  status: number;
  /** x-request-id: the id of the request's log row and ledger entries. */
  requestId: string | undefined;
  replica: string;
  /** The response body arrived whole (a stream ended with [DONE]). */
  complete: boolean;
}

/** One chat completion through `replica` with the given usage; never throws (status 0 = no answer). */
export async function send(
  replica: Replica,
  virtualKey: string,
  spec: MockSpec & { stream?: boolean; max_tokens?: number },
): Promise<Outcome> {
  const { stream, max_tokens, ...mock } = spec;
  try {
    const res = await fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bf-vk': virtualKey },
      body: JSON.stringify({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'count my money' }],
        max_tokens: max_tokens ?? 2_000,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        mock,
      }),
    });
    const text = await res.text();
    return {
      status: res.status,
      requestId: res.headers.get('x-request-id') ?? undefined,
      replica: replica.name,
      complete: stream ? text.includes('[DONE]') : res.status === 200,
    };
  } catch {
    return { status: 0, requestId: undefined, replica: replica.name, complete: false };
  }
}

/**
 * The usage mix the fault scenarios drive: every third request streams, prompt and completion
 * sizes vary with `i`, within a 600-token cap.
 */
export function mixedUsage(i: number): MockSpec & { stream: boolean; max_tokens: number } {
  return {
    stream: i % 3 === 0,
    max_tokens: 600,
    prompt_tokens: 100 + (i % 53),
    completion_tokens: 150 + ((i * 37) % 300),
  };
}

/**
 * Sends `total` requests, `concurrency` at a time, round-robin over the replicas still alive
 * (chosen when each request starts); `onSent(n)` runs after each request is started, for faults
 * injected at a given point of the load.
 */
export async function drive(
  pick: () => Replica[],
  total: number,
  concurrency: number,
  request: (replica: Replica, i: number) => Promise<Outcome>,
  onSent?: (n: number) => Promise<void> | void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const alive = pick().filter((r) => r.alive());
      if (alive.length === 0)
        throw new Error(
          `no replica left alive:\n${pick()
            .map((r) => `--- ${r.name}\n${r.output().slice(-2_000)}`)
            .join('\n')}`,
        );
      const pending = request(alive[i % alive.length]!, i);
      await onSent?.(i + 1);
      outcomes.push(await pending);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}
