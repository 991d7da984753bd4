/**
 * Small HTTP exchanges off the inference path: minting credentials (AWS STS, Google OAuth token
 * endpoints). One shared undici Agent with short timeouts; bodies are read whole (they are tiny).
 * Failures come back as mapped GatewayErrors naming the provider.
 */
import { Agent } from 'undici';
import { mapTransportError } from './error-map.ts';

const TIMEOUT_MS = 10_000;
const MAX_BODY = 1_000_000;

let agent: Agent | undefined;

function dispatcher(): Agent {
  agent ??= new Agent({
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    connect: { timeout: TIMEOUT_MS },
  });
  return agent;
}

export interface TokenResponse {
  status: number;
  text: string;
}

/** POSTs `body` to `url` and reads the answer as text. */
export async function postForToken(
  url: string,
  body: string,
  headers: Record<string, string>,
  provider: string,
): Promise<TokenResponse> {
  try {
    const target = new URL(url);
    const response = await dispatcher().request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers,
      body,
    });
    const text = await response.body.text();
    return { status: response.statusCode, text: text.slice(0, MAX_BODY) };
  } catch (error) {
    throw mapTransportError(error, provider);
  }
}
