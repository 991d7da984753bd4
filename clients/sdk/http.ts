/**
 * Queries and mutations over GraphQL-over-HTTP (a JSON POST), with the standard `fetch` so the
 * same code runs in browsers and on Node 20. A JSON content type is what the server's CSRF guard
 * expects from real clients, so no extra header is needed.
 */
import { HeimdallError } from './errors.ts';
import type { TypedDocument } from './generated/operations.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

interface GraphqlResponse {
  data?: unknown;
  errors?: Array<{ message?: string; extensions?: { code?: unknown } }>;
}

export async function postGraphql<Result, Variables>(
  fetcher: FetchLike,
  url: string,
  token: string | undefined,
  document: TypedDocument<Result, Variables>,
  variables: Variables | undefined,
): Promise<Result> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetcher(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(variables === undefined ? { query: document } : { query: document, variables }),
    });
  } catch (error) {
    throw new HeimdallError('network', `cannot reach ${url}: ${(error as Error).message}`, [], undefined, {
      cause: error,
    });
  }
  const text = await response.text();
  let body: GraphqlResponse | undefined;
  try {
    body = JSON.parse(text) as GraphqlResponse;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) {
    throw new HeimdallError(
      'graphql',
      body.errors.map((e) => e.message ?? 'error').join('; '),
      body.errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
      body.errors,
      { status: response.status },
    );
  }
  if (!response.ok || !body || body.data == null) {
    throw new HeimdallError(
      'http',
      `${url} answered ${response.status}`,
      [`HTTP_${response.status}`],
      text.slice(0, 200),
      {
        status: response.status,
      },
    );
  }
  return body.data as Result;
}
