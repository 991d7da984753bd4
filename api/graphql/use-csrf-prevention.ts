/**
 * CSRF prevention for GraphQL over HTTP. A browser sends a cross-site request without a CORS
 * preflight only with a "simple" content type (form posts, text/plain) and no custom headers;
 * such requests are refused unless they carry a preflight header. JSON POSTs (every real
 * client) and the GraphiQL page are unaffected. GET subscriptions over SSE are allowed because
 * EventSource cannot set headers and subscriptions change nothing.
 */
import type { Plugin } from 'graphql-yoga';

export interface CsrfPreventionOptions {
  /** Headers whose presence proves a preflighted request. @default ['x-heimdall-csrf', 'apollo-require-preflight', 'x-graphql-yoga-csrf'] */
  requestHeaders?: string[];
}

const SIMPLE_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function needsPreflightHeader(request: Request): boolean {
  if (request.method === 'GET') {
    const accept = request.headers.get('accept') ?? '';
    return !accept.includes('text/html') && !accept.includes('text/event-stream');
  }
  const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === '' || SIMPLE_TYPES.includes(type);
}

export function useCsrfPrevention(options: CsrfPreventionOptions = {}): Plugin {
  const headers = options.requestHeaders ?? [
    'x-heimdall-csrf',
    'apollo-require-preflight',
    'x-graphql-yoga-csrf',
  ];
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS' || !needsPreflightHeader(request)) return;
      if (headers.some((name) => request.headers.get(name))) return;
      const body = JSON.stringify({
        errors: [
          {
            message: `request refused as a possible CSRF: send Content-Type: application/json, or set one of the headers ${headers.join(', ')}`,
            extensions: { code: 'CSRF_PREVENTED' },
          },
        ],
      });
      endResponse(
        new fetchAPI.Response(body, { status: 403, headers: { 'content-type': 'application/json' } }),
      );
    },
  };
}
