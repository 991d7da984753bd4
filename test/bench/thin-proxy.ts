/**
 * Bench child: the Node ceiling. A thin pass-through proxy (node:http in, undici Pool out) that
 * forwards every request to the upstream origin given as argv[2] and pipes the answer back.
 * Anything Heimdall does beyond this is its own cost.
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';
import { exitWithParent, reportReady } from './child.ts';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: thin-proxy.ts <upstream origin>');
const pool = new Pool(upstream, { keepAliveTimeout: 120_000 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade']);

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  return out;
}

const server = createServer((req, res) => {
  const method = req.method === 'GET' ? 'GET' : 'POST';
  pool
    .request({
      path: req.url ?? '/',
      method,
      headers: forwardable(req.headers) as Record<string, string>,
      body: method === 'GET' ? null : req,
    })
    .then(({ statusCode, headers, body }) => {
      res.writeHead(statusCode, forwardable(headers));
      pipeline(body, res, () => {});
    })
    .catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => reportReady(server));
exitWithParent(server);
