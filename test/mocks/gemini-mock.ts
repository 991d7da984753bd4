/**
 * A loopback Gemini API (AI Studio `v1beta/models/{m}:…` and Vertex
 * `v1/projects/{p}/locations/{r}/publishers/google/models/{m}:…`). Requests are checked against
 * the documented shape (contents of user/model turns whose parts hold exactly one of text,
 * inlineData, fileData, functionCall, functionResponse; known generationConfig fields; auth
 * header); answers follow the documentation's examples: text, a `find_theaters` function call
 * when tools are offered, safety blocks, SSE chunks, batchEmbedContents / predict embeddings.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startHttpMock, type HttpMock, type Recorded } from './http-mock.ts';

export const GEMINI_TEXT = 'Once upon a time, in a land far away, a magic backpack hummed softly.';
export const FUNCTION_CALL = {
  name: 'find_theaters',
  args: { location: 'Mountain View, CA', movie: 'Barbie' },
};
export const GEMINI_USAGE = {
  promptTokenCount: 40,
  cachedContentTokenCount: 30,
  candidatesTokenCount: 12,
  thoughtsTokenCount: 5,
  totalTokenCount: 57,
};

const PART_KINDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'];
const CONFIG_FIELDS = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'candidateCount',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseMimeType',
  'responseSchema',
  'thinkingConfig',
]);

export function googleError(code: number, status: string, message: string) {
  return { error: { code, message, status } };
}

function invalid(request: Recorded): string | undefined {
  const body = request.body;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  for (const content of contents as Array<Record<string, unknown>>) {
    if (content.role !== 'user' && content.role !== 'model')
      return `Please use a valid role: user, model. Got ${String(content.role)}`;
    if (!Array.isArray(content.parts) || content.parts.length === 0)
      return 'contents.parts must not be empty';
    for (const part of content.parts as Array<Record<string, unknown>>) {
      const kinds = PART_KINDS.filter((kind) => part[kind] !== undefined);
      if (kinds.length !== 1) return `Invalid part: ${JSON.stringify(part)}`;
    }
  }
  const config = (body.generationConfig ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(config))
    if (!CONFIG_FIELDS.has(field)) return `Unknown name "${field}" at 'generation_config'`;
  return undefined;
}

function lastParts(body: Record<string, unknown>): Array<Record<string, unknown>> {
  const contents = body.contents as Array<{ parts: Array<Record<string, unknown>> }>;
  return contents[contents.length - 1]!.parts;
}

function candidateParts(
  body: Record<string, unknown>,
): { parts: unknown[]; finishReason: string } | 'blocked' {
  const last = lastParts(body);
  const text = last.map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ');
  if (text.includes('blocked-prompt')) return 'blocked';
  if (text.includes('unsafe')) return { parts: [], finishReason: 'SAFETY' };
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  if (tools && !last.some((part) => part.functionResponse))
    return { parts: [{ functionCall: FUNCTION_CALL }], finishReason: 'STOP' };
  return { parts: [{ text: 'Let me think.', thought: true }, { text: GEMINI_TEXT }], finishReason: 'STOP' };
}

function answer(body: Record<string, unknown>) {
  const result = candidateParts(body);
  if (result === 'blocked')
    return {
      promptFeedback: {
        blockReason: 'SAFETY',
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }],
      },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
    };
  return {
    candidates: [
      { content: { parts: result.parts, role: 'model' }, finishReason: result.finishReason, index: 0 },
    ],
    usageMetadata: GEMINI_USAGE,
    modelVersion: 'gemini-2.0-flash',
    responseId: 'resp-gemini-1',
  };
}

function streamChunks(body: Record<string, unknown>): Array<readonly [undefined, unknown]> {
  const full = answer(body) as {
    candidates?: Array<{ content: { parts: Array<Record<string, unknown>> }; finishReason: string }>;
  };
  if (!full.candidates) return [[undefined, full]];
  const candidate = full.candidates[0]!;
  const chunks: Array<readonly [undefined, unknown]> = [];
  const pieces = candidate.content.parts.flatMap((part) =>
    typeof part.text === 'string' && !part.thought
      ? (part.text.match(/\S+\s*/g) ?? []).map((text) => ({ text }))
      : [part],
  );
  pieces.forEach((part, i) => {
    const last = i === pieces.length - 1;
    const chunk: Record<string, unknown> = {
      candidates: [
        {
          content: { parts: [part], role: 'model' },
          index: 0,
          ...(last ? { finishReason: candidate.finishReason } : {}),
        },
      ],
      modelVersion: 'gemini-2.0-flash',
      responseId: 'resp-gemini-1',
    };
    chunk.usageMetadata = last ? GEMINI_USAGE : { promptTokenCount: 40, totalTokenCount: 40 };
    chunks.push([undefined, chunk]);
  });
  if (pieces.length === 0) chunks.push([undefined, full]);
  return chunks;
}

function embeddings(request: Recorded): unknown {
  if (request.path.endsWith(':predict')) {
    const instances = request.body.instances as Array<{ content: string }>;
    return {
      predictions: instances.map((instance) => ({
        embeddings: {
          values: [0.1, 0.2, 0.3],
          statistics: { token_count: instance.content.split(' ').length, truncated: false },
        },
      })),
    };
  }
  const requests = request.body.requests as Array<{
    model: string;
    content: { parts: Array<{ text: string }> };
  }>;
  return { embeddings: requests.map(() => ({ values: [0.013168523, -0.008711934, -0.046782676] })) };
}

/** What AI Studio's `GET /v1beta/models` lists here. */
export const GEMINI_MODELS = ['gemini-2.0-flash', 'gemini-2.5-pro', 'text-embedding-004'];
/** The mock pages its model list this small (the real API takes up to 1,000), so paging is exercised. */
const MODEL_PAGE_SIZE = 2;

/** One page of `GET /v1beta/models`: `pageToken` is the index of the page's first model. */
function modelPage(request: Recorded) {
  const start = Number(new URLSearchParams(request.url.split('?')[1] ?? '').get('pageToken') ?? 0) || 0;
  const models = GEMINI_MODELS.slice(start, start + MODEL_PAGE_SIZE).map((id) => ({
    name: `models/${id}`,
    displayName: id,
    supportedGenerationMethods: id.startsWith('text-embedding') ? ['embedContent'] : ['generateContent'],
  }));
  const next = start + MODEL_PAGE_SIZE;
  return next < GEMINI_MODELS.length ? { models, nextPageToken: String(next) } : { models };
}

/** Serves one Gemini request (AI Studio or Vertex publisher path). */
export function handleGemini(
  request: Recorded,
  res: ServerResponse,
  self: { truncateAfter: number | undefined },
): void {
  const auth = request.headers['x-goog-api-key'] ?? request.headers.authorization;
  if (typeof auth !== 'string')
    return sendJson(
      res,
      401,
      googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.'),
    );
  if (request.method === 'GET' && request.path.endsWith('/v1beta/models'))
    return sendJson(res, 200, modelPage(request));
  if (request.path.endsWith(':batchEmbedContents') || request.path.endsWith(':predict'))
    return sendJson(res, 200, embeddings(request));
  const problem = invalid(request);
  if (problem) return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', problem));
  if (request.path.endsWith(':streamGenerateContent')) {
    let chunks = streamChunks(request.body);
    if (self.truncateAfter !== undefined) {
      chunks = chunks.slice(0, self.truncateAfter);
      self.truncateAfter = undefined;
    }
    return sendSse(res, chunks);
  }
  if (request.path.endsWith(':generateContent')) return sendJson(res, 200, answer(request.body));
  sendJson(res, 404, googleError(404, 'NOT_FOUND', `no route ${request.path}`));
}

export interface GeminiMock extends HttpMock {
  /** Break the next stream after `n` chunks (no finish reason). */
  truncateAfter: number | undefined;
}

export async function startGeminiMock(): Promise<GeminiMock> {
  let self: { truncateAfter: number | undefined } = { truncateAfter: undefined };
  const handle = (request: Recorded, res: ServerResponse): void => handleGemini(request, res, self);
  const mock = await startHttpMock(handle);
  const result: GeminiMock = Object.assign(mock, { truncateAfter: undefined as number | undefined });
  self = result;
  return result;
}
