/**
 * `POST /anthropic/v1/messages/count_tokens`. For a model served by Anthropic the request goes to
 * Anthropic's own endpoint (exact count); for any other provider Heimdall answers with an
 * estimate (4 characters per token over the prompt and tool definitions), marked by the
 * `x-heimdall-token-count: estimated` header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../../context.ts';
import type { ClientCodec } from '../../core/client-codec.ts';
import { GatewayError } from '../../core/errors.ts';
import type { Target } from '../../core/target.ts';
import { buildOutgoing } from '../../engine/outgoing.ts';
import { sendJson } from '../../engine/respond.ts';
import { speaksAnthropic } from '../../providers/anthropic/adapter.ts';
import { parseAnthropicError } from '../../providers/anthropic/response.ts';
import { maskAttemptError } from '../../providers/mask-credentials.ts';
import { directKey, selectKey } from '../../routing/key-select.ts';
import { mapTransportError } from '../../upstream/error-map.ts';
import { estimateTokens, promptText } from '../../util/prompt-text.ts';
import { serveRoute, type RouteRun, type ServeDeps } from '../serve.ts';

const COUNT_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers'];

async function exactCount(ctx: RequestContext, target: Target): Promise<void> {
  const provider = target.provider;
  const adapter = provider.adapter!;
  // The same key rules as an inference attempt: a caller's direct key, else within the pins.
  const key =
    ctx.directKey !== undefined
      ? directKey(provider, ctx.directKey)
      : selectKey(provider, target.model, ctx.pinnedKeyName, true, target.keyNames);
  const outgoing = buildOutgoing(ctx, target, key, adapter);
  const full = JSON.parse(outgoing.request.body) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const field of COUNT_FIELDS) if (full[field] !== undefined) body[field] = full[field];
  outgoing.request.body = JSON.stringify(body);
  outgoing.request.path = outgoing.request.path.replace(/\/messages(\?|$)/, '/messages/count_tokens$1');
  if (adapter.prepare && outgoing.info)
    await adapter.prepare(outgoing.request, outgoing.info, outgoing.secret);
  const response = await provider.pools.send(outgoing.origin, {
    ...outgoing.request,
    signal: ctx.abort,
    bodyTimeoutMs: provider.network.timeoutMs,
  });
  const text = await response.body.text().catch((error: unknown) => {
    throw mapTransportError(error, provider.name);
  });
  if (response.status >= 400) {
    const detail = parseAnthropicError(response.status, text);
    const error = new GatewayError(
      response.status,
      'upstream_error',
      detail.code ?? `upstream_http_${response.status}`,
      `${provider.name} responded ${response.status}: ${detail.message}`,
    );
    // As for inference attempts: a provider that echoes the credential must not hand it on.
    throw maskAttemptError(error, outgoing.request, outgoing.secret, adapter.auth.header);
  }
  sendJson(ctx.res, 200, text, target);
}

function estimate(ctx: RequestContext, target: Target | undefined): void {
  const tools = ctx.body.tools === undefined ? '' : JSON.stringify(ctx.body.tools);
  const tokens = estimateTokens(promptText(ctx.body) + tools);
  ctx.res.setHeader('x-heimdall-token-count', 'estimated');
  sendJson(ctx.res, 200, JSON.stringify({ input_tokens: tokens }), target);
}

async function countTokens(ctx: RequestContext): Promise<void> {
  const target = ctx.targets[0];
  if (target === undefined)
    throw new GatewayError(
      403,
      'permission_error',
      'no_allowed_target',
      'no provider/model may serve this request',
    );
  if (speaksAnthropic(target.provider.adapter)) await exactCount(ctx, target);
  else estimate(ctx, target);
}

/**
 * Through the same pipeline as inference (serve.ts: body, validation, authenticate, planTargets,
 * route, error answers). It skips beforeAttempt/onAttemptSettled and onRequestFinished/metrics:
 * a count is no inference, so nothing is charged, logged or counted.
 */
const COUNT_TOKENS: RouteRun = { run: countTokens, failure: 'count_tokens request failed', recorded: false };

export function serveCountTokens(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  codec: ClientCodec,
): Promise<void> {
  return serveRoute(deps, COUNT_TOKENS, 'chat', req, res, codec);
}
