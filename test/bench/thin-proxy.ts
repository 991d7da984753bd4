/**
 * Bench child: the Node ceiling. A thin pass-through proxy (node:http in, undici Pool out) that
 * forwards every request to the upstream origin given as argv[2] and sends the answer back.
 * Anything Heimdall does beyond this is its own cost.
 *
 * Bodies are buffered, not piped: for small JSON bodies a stream pipeline in each direction costs
 * more than the forwarding itself (measured here: piping both ways gave ~60 % of this proxy's
 * req/s), and Heimdall buffers non-streamed JSON too, so a piping proxy would be a ceiling that
 * Heimdall beats — flattering every ratio against it.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
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

async function bodyOf(req: IncomingMessage): Promise<Buffer | null> {
  if (req.method === 'GET') return null;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(
  req: IncomingMessage,
): Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }> {
  const { statusCode, headers, body } = await pool.request({
    path: req.url ?? '/',
    method: req.method === 'GET' ? 'GET' : 'POST',
    headers: forwardable(req.headers) as Record<string, string>,
    body: await bodyOf(req),
  });
  return { status: statusCode, headers: forwardable(headers), body: Buffer.from(await body.arrayBuffer()) };
}

const server = createServer((req, res) => {
  forward(req).then(
    ({ status, headers, body }) => {
      res.writeHead(status, headers);
      res.end(body);
    },
    (error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    },
  );
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => reportReady(server));
exitWithParent(server);
