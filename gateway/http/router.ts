/**
 * The inference routes on plain node:http. `handle` claims `/v1/*` and `/anthropic/*` and
 * returns false for anything else without touching the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.ts';
import { OPERATION_BY_ROUTE } from '../core/operations.ts';
import { serveModels } from './models.ts';
import { routeAnthropic } from './anthropic/route.ts';
import { sendError } from '../engine/respond.ts';
import { OPENAI_CODEC } from './openai-codec.ts';
import { serveInference, type ServeDeps } from './serve.ts';

const MODELS = '/v1/models';

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendError(
    res,
    new GatewayError(405, 'invalid_request_error', 'method_not_allowed', `use ${allow} on this route`),
    undefined,
    OPENAI_CODEC,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function routeOpenAI(deps: ServeDeps, path: string, req: IncomingMessage, res: ServerResponse): void {
  const operation = OPERATION_BY_ROUTE.get(path);
  if (operation !== undefined) {
    if (req.method === 'POST') void serveInference(deps, operation, req, res);
    else methodNotAllowed(res, 'POST');
    return;
  }
  if (path === MODELS || path.startsWith(`${MODELS}/`)) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    const id = path.length > MODELS.length + 1 ? safeDecode(path.slice(MODELS.length + 1)) : undefined;
    void serveModels(deps, req, res, id);
    return;
  }
  sendError(
    res,
    new GatewayError(
      404,
      'not_found_error',
      'unknown_route',
      `no inference route ${req.method ?? ''} ${path}`,
    ),
    undefined,
    OPENAI_CODEC,
  );
}

export function createHandler(deps: ServeDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path.startsWith('/v1/')) {
      routeOpenAI(deps, path, req, res);
      return true;
    }
    if (path.startsWith('/anthropic/')) {
      routeAnthropic(deps, path, req, res);
      return true;
    }
    return false;
  };
}
