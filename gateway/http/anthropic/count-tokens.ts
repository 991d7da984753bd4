/**
 * `POST /anthropic/v1/messages/count_tokens`. For a model served by Anthropic the request goes to
 * Anthropic's own endpoint (exact count); for any other provider Heimdall answers with an
 * estimate (4 characters per token over the prompt and tool definitions), marked by the
 * `x-heimdall-token-count: estimated` header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from '../../context.ts';
import { buildOutgoing } from '../../engine/outgoing.ts';
import { asGatewayError, GatewayError } from '../../errors.ts';
import { speaksAnthropic } from '../../providers/anthropic/adapter.ts';
import { parseAnthropicError } from '../../providers/anthropic/response.ts';
import { directKey, selectKey } from '../../routing/key-select.ts';
import { buildTargets, type Target } from '../../routing/targets.ts';
import { estimateTokens, promptText } from '../../util/prompt-text.ts';
import { mapTransportError } from '../../upstream/error-map.ts';
import { parseJson, readBody } from '../body.ts';
import type { ClientCodec } from '../client-codec.ts';
import { REQUEST_ID_HEADER, sendError, sendJson } from '../respond.ts';
import type { ServeDeps } from '../serve.ts';
import { acceptBody } from '../validate.ts';

const COUNT_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers'];

async function exactCount(ctx: RequestContext, target: Target): Promise<void> {
  const provider = target.provider;
  const adapter = provider.adapter!;
  // The same key rules as an inference attempt: a caller's direct key, else within the pins.
  const key =
    ctx.directKey !== undefined
      ? directKey(provider, ctx.directKey)
      : selectKey(provider, target.model, ctx.pinnedKeyName, true, ctx.keyNames?.get(provider.name));
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
    throw new GatewayError(
      response.status,
      'upstream_error',
      detail.code ?? `upstream_http_${response.status}`,
      `${provider.name} responded ${response.status}: ${detail.message}`,
    );
  }
  sendJson(ctx.res, 200, text, target);
}

function estimate(ctx: RequestContext, target: Target | undefined): void {
  const tools = ctx.body.tools === undefined ? '' : JSON.stringify(ctx.body.tools);
  const tokens = estimateTokens(promptText(ctx.body) + tools);
  ctx.res.setHeader('x-heimdall-token-count', 'estimated');
  sendJson(ctx.res, 200, JSON.stringify({ input_tokens: tokens }), target);
}

export async function serveCountTokens(
  deps: ServeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  codec: ClientCodec,
): Promise<void> {
  const ctx = new RequestContext(req, res, deps.current(), 'chat');
  ctx.client = codec;
  res.setHeader(REQUEST_ID_HEADER, ctx.id);
  res.once('close', () => ctx.responseClosed());
  try {
    const parsed = parseJson(await readBody(req, ctx.snapshot.maxBodyBytes));
    acceptBody(ctx, codec.request(parsed));
    const auth = deps.hooks.authenticate(ctx);
    if (auth) await auth;
    const pinned = req.headers['x-bf-api-key'];
    if (typeof pinned === 'string' && pinned !== '') ctx.pinnedKeyName = pinned;
    const targets =
      deps.hooks.planTargets(ctx) ??
      buildTargets(ctx.snapshot, 'chat', ctx.requestedModel, ctx.requestedProvider, []);
    const target = deps.hooks.route(ctx, targets)[0];
    if (target === undefined)
      throw new GatewayError(
        403,
        'permission_error',
        'no_allowed_target',
        'no provider/model may serve this request',
      );
    if (speaksAnthropic(target.provider.adapter)) await exactCount(ctx, target);
    else estimate(ctx, target);
  } catch (thrown) {
    if (!ctx.clientGone) sendError(res, asGatewayError(thrown), ctx.targets[0], codec);
  }
}
