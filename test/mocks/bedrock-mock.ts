/**
 * A loopback AWS Bedrock runtime plus STS. Every Bedrock request must carry a valid SigV4
 * signature (checked by an independent verifier) or a known Bedrock API key. Converse requests
 * are checked against the documented shape; answers follow the documentation's examples (text,
 * the `top_song` tool use), ConverseStream answers in true event-stream binary frames, InvokeModel
 * serves Titan and Cohere embeddings. STS answers AssumeRole (signed) and
 * AssumeRoleWithWebIdentity with XML credentials that the Bedrock side then accepts.
 */
import type { ServerResponse } from 'node:http';
import { eventMessage, exceptionMessage, verifySigV4 } from './aws-wire.ts';
import { sendJson, startHttpMock, type HttpMock, type Recorded } from './http-mock.ts';

export const BEDROCK_TEXT = 'Here is a song recommendation for you: "Blue in Green" by Miles Davis.';
export const TOP_SONG = {
  toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
  name: 'top_song',
  input: { sign: 'WZPZ' },
};
export const BEDROCK_USAGE = {
  inputTokens: 30,
  outputTokens: 62,
  totalTokens: 192,
  cacheReadInputTokens: 80,
  cacheWriteInputTokens: 20,
};
export const STATIC_KEY = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
export const BEDROCK_API_KEY = 'bedrock-api-key-EXAMPLE';
export const IRSA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.irsa-token.signature';

// `cachePoint` marks the end of a cached prompt prefix (Claude and Nova models).
const BLOCK_KEYS = ['text', 'image', 'toolUse', 'toolResult', 'reasoningContent', 'document', 'cachePoint'];

function invalid(body: Record<string, unknown>): string | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: required';
  for (const message of body.messages as Array<Record<string, unknown>>) {
    if (message.role !== 'user' && message.role !== 'assistant')
      return `invalid role ${String(message.role)}`;
    for (const block of message.content as Array<Record<string, unknown>>) {
      const keys = Object.keys(block);
      if (keys.length !== 1 || !BLOCK_KEYS.includes(keys[0]!))
        return `invalid content block ${JSON.stringify(block)}`;
    }
  }
  const config = (body.inferenceConfig ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(config))
    if (!['maxTokens', 'temperature', 'topP', 'stopSequences'].includes(name))
      return `inferenceConfig.${name} is not allowed`;
  return undefined;
}

function wantsTool(body: Record<string, unknown>): boolean {
  if (!body.toolConfig) return false;
  const messages = body.messages as Array<{ content: Array<Record<string, unknown>> }>;
  return !messages[messages.length - 1]!.content.some((block) => block.toolResult);
}

function converse(body: Record<string, unknown>) {
  const tool = wantsTool(body);
  const content = tool ? [{ toolUse: TOP_SONG }] : [{ text: BEDROCK_TEXT }];
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: tool ? 'tool_use' : 'end_turn',
    usage: BEDROCK_USAGE,
    metrics: { latencyMs: 1275 },
  };
}

function converseStream(body: Record<string, unknown>, throttleAfter: number | undefined): Buffer[] {
  const frames = [eventMessage('messageStart', { role: 'assistant', p: 'abcd' })];
  if (wantsTool(body)) {
    frames.push(
      eventMessage('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: TOP_SONG.toolUseId, name: TOP_SONG.name } },
      }),
    );
    for (const input of ['{"sign": ', '"WZPZ"}'])
      frames.push(eventMessage('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input } } }));
  } else
    for (const text of BEDROCK_TEXT.match(/\S+\s*/g) ?? [])
      frames.push(eventMessage('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
  frames.push(eventMessage('contentBlockStop', { contentBlockIndex: 0 }));
  frames.push(eventMessage('messageStop', { stopReason: wantsTool(body) ? 'tool_use' : 'end_turn' }));
  frames.push(eventMessage('metadata', { usage: BEDROCK_USAGE, metrics: { latencyMs: 802 } }));
  if (throttleAfter === undefined) return frames;
  return [
    ...frames.slice(0, throttleAfter),
    exceptionMessage('throttlingException', 'Too many requests, please wait before trying again.'),
  ];
}

function embeddings(model: string, body: Record<string, unknown>) {
  if (model.includes('titan-embed')) {
    if (typeof body.inputText !== 'string')
      return { status: 400, body: { message: 'inputText is required' } };
    return { status: 200, body: { embedding: [0.5, -0.25, 0.125], inputTextTokenCount: 7 } };
  }
  const texts = body.texts as string[] | undefined;
  if (!Array.isArray(texts) || typeof body.input_type !== 'string')
    return { status: 400, body: { message: 'texts and input_type are required' } };
  return {
    status: 200,
    body: { id: 'emb-1', embeddings: texts.map(() => [0.1, 0.2]), texts, response_type: 'embeddings_floats' },
  };
}

export interface BedrockMock extends HttpMock {
  secrets: Map<string, string>;
  stsCalls: Array<{ action: string; params: URLSearchParams }>;
  /** Lifetime of minted credentials. */
  credentialSeconds: number;
  throttleAfter: number | undefined;
}

function stsXml(action: string, id: string, seconds: number): string {
  const expiration = new Date(Date.now() + seconds * 1000).toISOString();
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>secret-${id}</SecretAccessKey><SessionToken>token-${id}</SessionToken><Expiration>${expiration}</Expiration></Credentials></${action}Result><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></${action}Response>`;
}

function sts(mock: BedrockMock, request: Recorded, res: ServerResponse): void {
  const params = new URLSearchParams(request.raw);
  const action = params.get('Action') ?? '';
  mock.stsCalls.push({ action, params });
  const deny = (message: string) => {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error></ErrorResponse>`,
    );
  };
  if (action === 'AssumeRole') {
    const verdict = verifySigV4(
      { method: request.method, url: request.url, headers: request.headers, body: request.raw },
      mock.secrets,
    );
    if (!verdict.ok || verdict.service !== 'sts') return deny(verdict.reason ?? 'wrong service');
  } else if (action !== 'AssumeRoleWithWebIdentity' || params.get('WebIdentityToken') !== IRSA_TOKEN)
    return deny('invalid web identity token');
  const id = `ASIA${mock.stsCalls.length}${action === 'AssumeRole' ? 'ROLE' : 'IRSA'}`;
  mock.secrets.set(id, `secret-${id}`);
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(stsXml(action, id, mock.credentialSeconds));
}

function authorized(mock: BedrockMock, request: Recorded): string | undefined {
  if (request.headers.authorization === `Bearer ${BEDROCK_API_KEY}`) return undefined;
  const verdict = verifySigV4(
    { method: request.method, url: request.url, headers: request.headers, body: request.raw },
    mock.secrets,
  );
  if (!verdict.ok) return verdict.reason;
  if (verdict.service !== 'bedrock') return `wrong signing service ${verdict.service}`;
  if (
    verdict.accessKeyId!.startsWith('ASIA') &&
    request.headers['x-amz-security-token'] !== `token-${verdict.accessKeyId}`
  )
    return 'The security token included in the request is invalid.';
  return undefined;
}

export async function startBedrockMock(): Promise<BedrockMock> {
  const holder: { mock?: BedrockMock } = {};
  const mock = await startHttpMock((request, res) => {
    const m = holder.mock!;
    if (request.path === '/') return sts(m, request, res);
    const problem = authorized(m, request);
    if (problem)
      return sendJson(res, 403, { message: problem }, { 'x-amzn-errortype': 'UnrecognizedClientException' });
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(request.path);
    if (!match) return sendJson(res, 404, { message: `no route ${request.path}` });
    const model = decodeURIComponent(match[1]!);
    if (match[2] === 'invoke') {
      const result = embeddings(model, request.body);
      return sendJson(res, result.status, result.body);
    }
    const issue = invalid(request.body);
    if (issue) return sendJson(res, 400, { message: issue }, { 'x-amzn-errortype': 'ValidationException' });
    if (match[2] === 'converse') return sendJson(res, 200, converse(request.body));
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    const frames = converseStream(request.body, m.throttleAfter);
    m.throttleAfter = undefined;
    // Split the bytes at odd places so frames straddle network chunks.
    const all = Buffer.concat(frames);
    for (let i = 0; i < all.length; i += 37) res.write(all.subarray(i, i + 37));
    res.end();
  });
  const reset = mock.reset;
  const self: BedrockMock = Object.assign(mock, {
    secrets: new Map([[STATIC_KEY.accessKeyId, STATIC_KEY.secretAccessKey]]),
    stsCalls: [] as Array<{ action: string; params: URLSearchParams }>,
    credentialSeconds: 3600,
    throttleAfter: undefined as number | undefined,
    reset() {
      reset();
      self.stsCalls.length = 0;
      self.throttleAfter = undefined;
    },
  });
  holder.mock = self;
  return self;
}
