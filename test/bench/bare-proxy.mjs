// The ceiling `npm run bench` compares Heimdall with: the fastest sensible Node proxy. node:http
// in, undici `pool.stream` out (the response is written straight into the client's response,
// no intermediate stream or iterator), raw header arrays, the small request body sent as one
// Buffer, no parsing. Plain JavaScript so nothing is transpiled at run time.
//   node bare-proxy.mjs <upstream origin>     prints `READY <port>` once listening
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { Pool } from 'undici';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: node bare-proxy.mjs <upstream origin>');
const pool = new Pool(upstream, { connections: 256, pipelining: 1, keepAliveTimeout: 120_000 });

// Hop-by-hop headers are the connection's, not the message's (RFC 9110 §7.6.1).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function forwardedHeaders(raw) {
  const kept = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!hopByHop.has(raw[i].toLowerCase())) kept.push(raw[i], raw[i + 1]);
  }
  return kept;
}

function answerError(res, error) {
  if (res.headersSent) return res.destroy(error);
  res.writeHead(502, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"bare proxy: upstream failed","type":"upstream_error"}}');
}

function forward(req, res, body) {
  pool.stream(
    { path: req.url, method: req.method, headers: forwardedHeaders(req.rawHeaders), body },
    ({ statusCode, headers }) => {
      for (const name of hopByHop) delete headers[name];
      res.writeHead(statusCode, headers);
      return res;
    },
    (error) => error && answerError(res, error),
  );
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => forward(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  req.on('error', (error) => answerError(res, error));
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
const stop = () => {
  server.closeAllConnections();
  server.close(() => pool.close().then(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
