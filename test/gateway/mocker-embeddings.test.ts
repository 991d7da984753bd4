/**
 * Issue 13, item 10: the built-in mocker honours `encoding_format: "base64"` (openai-node's
 * default, and so LangChain's `OpenAIEmbeddings`): vectors are packed as little-endian float32,
 * as OpenAI does, instead of float arrays the SDK then decodes into 2-dimensional garbage.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { key, postJson, provider, snapshotOf, useMockedGateway } from './harness.ts';

function decodeLittleEndianFloat32(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('mocked embeddings', () => {
  const suite = useMockedGateway((url) =>
    snapshotOf({
      providers: [provider('openai', url, [key({ models: ['*'] })])],
      plugins: [{ name: 'mocker', enabled: true, version: 1, config: { default_behavior: 'success' } }],
    }),
  );
  const client = () => new OpenAI({ apiKey: 'unused', baseURL: suite.gw.baseURL, maxRetries: 0 });

  it('answers the openai SDK’s default (base64) with vectors it decodes to the real values', async () => {
    const asFloats = await client().embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: ['first', 'second'],
      encoding_format: 'float',
    });
    // No encoding_format: the SDK asks for base64 and decodes it as float32.
    const decoded = await client().embeddings.create({
      model: 'openai/text-embedding-3-small',
      input: ['first', 'second'],
    });
    expect(decoded.data).toHaveLength(2);
    for (const [index, entry] of decoded.data.entries()) {
      expect(entry.embedding).toHaveLength(8);
      expect(entry.embedding).toEqual(asFloats.data[index]!.embedding);
    }
    expect(decoded.data[0]!.embedding[1]).toBe(Math.fround(Math.sin(1)));
    expect(suite.mock.requests).toHaveLength(0);
  });

  it('honours dimensions in both encodings', async () => {
    const decoded = await client().embeddings.create({
      model: 'openai/text-embedding-3-large',
      input: 'one',
      dimensions: 256,
    });
    expect(decoded.data[0]!.embedding).toHaveLength(256);
    const floats = await client().embeddings.create({
      model: 'openai/text-embedding-3-large',
      input: 'one',
      dimensions: 3,
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding).toEqual([0, Math.sin(1), Math.sin(2)].map(Math.fround));
  });

  it('sends a base64 string of little-endian float32 on the wire', async () => {
    const reply = await postJson(`${suite.gw.url}/v1/embeddings`, {
      model: 'openai/text-embedding-3-small',
      input: 'hello',
      encoding_format: 'base64',
    });
    expect(reply.status).toBe(200);
    const data = reply.body.data as Array<{ embedding: unknown }>;
    expect(typeof data[0]!.embedding).toBe('string');
    const vector = decodeLittleEndianFloat32(data[0]!.embedding as string);
    expect(vector).toEqual(Array.from({ length: 8 }, (_, i) => Math.fround(Math.sin(i))));
  });
});
