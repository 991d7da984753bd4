/**
 * Acceptance: the official `@anthropic-ai/sdk` pointed at Heimdall's `/anthropic` completes plain
 * and streamed messages against an Anthropic mock (pass-through: body, betas, answer and events
 * verbatim), counts tokens there, gets Anthropic's errors, and gets every error in Anthropic's
 * envelope; virtual keys (SDK key, `x-api-key`, `x-bf-vk`) are checked by the real governance hooks.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_TEXT, ANTHROPIC_USAGE, anthropicError } from '../mocks/anthropic-mock.ts';
import { postJson } from '../gateway/harness.ts';
import { ask, useAnthropicRoute } from './anthropic-route-setup.ts';

const env = useAnthropicRoute();

describe('Anthropic SDK → /anthropic → Anthropic (pass-through)', () => {
  it('completes a message: body sent as it came, answer verbatim, the client key never forwarded', async () => {
    const message = await env.sdk.messages.create(
      {
        model: 'anthropic/claude-3-7-sonnet-20250219',
        ...ask,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        metadata: { user_id: 'u-1' },
      },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    expect(message.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject(ANTHROPIC_USAGE);
    const sent = env.anthropicMock.requests[0]!;
    expect(sent.body).toEqual({
      model: 'claude-3-7-sonnet-20250219',
      ...ask,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      metadata: { user_id: 'u-1' },
    });
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(sent.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(env.seenKeys).toEqual(['vk-client']);
  });

  it('streams a message: events passed through, final text, stop reason and usage', async () => {
    const stream = env.sdk.messages.stream({ model: 'anthropic/claude-3-7-sonnet-20250219', ...ask });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject(ANTHROPIC_USAGE);
    expect(types.at(-1)).toBe('message_stop');
    // Raw: the provider's events, ping included, byte for byte in order.
    const raw = await postJson(
      `${env.gw.url}/anthropic/v1/messages`,
      { model: 'anthropic/claude-3-7-sonnet-20250219', ...ask, stream: true },
      { 'x-api-key': 'sk-bf-raw' },
    );
    expect(raw.text.startsWith('event: message_start\n')).toBe(true);
    expect(raw.text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(raw.text.trim().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(true);
    expect(env.seenKeys.at(-1)).toBe('vk-raw');
  });

  it('counts tokens at Anthropic', async () => {
    const count = await env.sdk.messages.countTokens({
      model: 'anthropic/claude-3-7-sonnet-20250219',
      messages: ask.messages,
    });
    expect(count.input_tokens).toBe(2095);
    expect(env.anthropicMock.requests[0]!.path).toBe('/v1/messages/count_tokens');
    expect(env.anthropicMock.requests[0]!.body).toEqual({
      model: 'claude-3-7-sonnet-20250219',
      messages: ask.messages,
    });
  });

  it('reports Anthropic errors with their status and type', async () => {
    env.anthropicMock.fail({ status: 529, body: anthropicError('overloaded_error', 'Overloaded') });
    const error = await env.sdk.messages
      .create({ model: 'anthropic/claude-3-7-sonnet-20250219', ...ask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as { error: unknown }).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });
});

describe('the /anthropic envelope and listing', () => {
  it('answers errors in Anthropic’s envelope: bad input, unknown model, refused virtual key', async () => {
    const missing = await postJson(
      `${env.gw.url}/anthropic/v1/messages`,
      {
        model: 'openai/gpt-4o-mini',
        max_tokens: 5,
      },
      { 'x-api-key': 'sk-bf-client' },
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const unknown = await env.sdk.messages.create({ model: 'nobody/none', ...ask }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    const refused = await postJson(
      `${env.gw.url}/anthropic/v1/messages`,
      { model: 'openai/gpt-4o-mini', ...ask },
      { 'x-bf-vk': 'sk-bf-revoked' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      type: 'error',
      error: { type: 'permission_error', message: 'virtual key is not active' },
    });
    const anonymous = await postJson(`${env.gw.url}/anthropic/v1/messages`, {
      model: 'openai/gpt-4o-mini',
      ...ask,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('lists models in Anthropic’s format', async () => {
    const page = await env.sdk.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain('openai/gpt-4o-mini');
    expect(page.data[0]).toMatchObject({ type: 'model', display_name: expect.any(String) });
  });
});
