/**
 * The Anthropic-compatible routes: `POST /anthropic/v1/messages` (plain and streamed, through
 * the same engine as `/v1/*` with the Anthropic codec), `POST /anthropic/v1/messages/count_tokens`
 * and `GET /anthropic/v1/models[/{id}]`. Every error uses Anthropic's envelope. Virtual keys
 * (`x-api-key`, `x-bf-vk`) are the authentication hook's business, as on every route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import { sendError } from '../../engine/respond.ts';
import { serveInference, type ServeDeps } from '../serve.ts';
import { anthropicCodec } from './codec.ts';
import { serveCountTokens } from './count-tokens.ts';
import { serveAnthropicModels } from './models.ts';

const PREFIX = '/anthropic/v1';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function fail(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
  sendError(res, error, undefined, anthropicCodec(req));
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  fail(
    req,
    res,
    new GatewayError(405, 'invalid_request_error', 'method_not_allowed', `use ${allow} on this route`),
  );
}

export function routeAnthropic(
  deps: ServeDeps,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const route = path.startsWith(`${PREFIX}/`) ? path.slice(PREFIX.length) : undefined;
  if (route === '/messages' || route === '/messages/count_tokens') {
    if (req.method !== 'POST') return methodNotAllowed(req, res, 'POST');
    if (route === '/messages') void serveInference(deps, 'chat', req, res, anthropicCodec(req));
    else void serveCountTokens(deps, req, res, anthropicCodec(req));
    return;
  }
  if (route === '/models' || route?.startsWith('/models/')) {
    if (req.method !== 'GET') return methodNotAllowed(req, res, 'GET');
    const id = route.length > '/models/'.length ? safeDecode(route.slice('/models/'.length)) : undefined;
    void serveAnthropicModels(deps, req, res, id);
    return;
  }
  fail(
    req,
    res,
    new GatewayError(
      404,
      'not_found_error',
      'unknown_route',
      `no Anthropic route ${req.method ?? ''} ${path}`,
    ),
  );
}
