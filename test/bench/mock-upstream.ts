/**
 * Bench child: a fast mock OpenAI upstream. Answers POST /v1/chat/completions with one fixed
 * chat.completion (usage included) on keep-alive connections; prints `READY <port>` when
 * listening and exits when its parent closes stdin.
 */
import { createServer, type ServerResponse } from 'node:http';
import { exitWithParent, reportReady } from './child.ts';

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the bench mock.' },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
  }),
);
const models = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'bench' }],
  }),
);
const notFound = Buffer.from(
  JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: null, param: null } }),
);

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  const path = req.url?.split('?')[0];
  req.on('end', () => {
    if (req.method === 'POST' && path === '/v1/chat/completions') send(res, 200, completion);
    else if (req.method === 'GET' && path === '/v1/models') send(res, 200, models);
    else send(res, 404, notFound);
  });
  req.resume();
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => reportReady(server));
exitWithParent(server);
