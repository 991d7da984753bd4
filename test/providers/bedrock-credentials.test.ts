/**
 * Bedrock credentials against the loopback Bedrock + STS mock: Bedrock API keys, STS AssumeRole
 * (signed by the source keys, external id, session name) and IRSA (web-identity token file),
 * minted credentials cached and refreshed before expiry, STS refusals.
 */
import { describe, expect, it } from 'vitest';
import { clearCredentialCache } from '../../gateway/providers/bedrock/credentials.ts';
import { BEDROCK_API_KEY } from '../mocks/bedrock-mock.ts';
import { errorOf } from '../gateway/harness.ts';
import { ROLE, useBedrockGateway } from './bedrock-setup.ts';

const env = useBedrockGateway();

describe('bedrock credentials', () => {
  it('sends a Bedrock API key as Bearer without signing', async () => {
    const response = await env.chat({}, { 'x-bf-api-key': 'apikey' });
    expect(response.status).toBe(200);
    expect(env.mock.requests[0]!.headers.authorization).toBe(`Bearer ${BEDROCK_API_KEY}`);
    expect(env.mock.requests[0]!.headers['x-amz-date']).toBeUndefined();
  });

  it('assumes a role with STS (signed by the source keys, external id, session name), cached until near expiry', async () => {
    expect((await env.chat({}, { 'x-bf-api-key': 'assume' })).status).toBe(200);
    expect((await env.chat({}, { 'x-bf-api-key': 'assume' })).status).toBe(200);
    expect(env.mock.stsCalls).toHaveLength(1);
    const params = env.mock.stsCalls[0]!.params;
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      ExternalId: 'ext-42',
      RoleSessionName: 'heimdall-test',
    });
    const bedrockCall = env.mock.requests.find((r) => r.path.endsWith('/converse'))!;
    expect(bedrockCall.headers.authorization).toContain('Credential=ASIA1ROLE/');
    expect(bedrockCall.headers['x-amz-security-token']).toBe('token-ASIA1ROLE');

    clearCredentialCache();
    env.mock.stsCalls.length = 0;
    env.mock.credentialSeconds = 120; // inside the five-minute refresh margin: renewed on every use
    await env.chat({}, { 'x-bf-api-key': 'assume' });
    await env.chat({}, { 'x-bf-api-key': 'assume' });
    expect(env.mock.stsCalls).toHaveLength(2);
  });

  it('uses the IRSA web-identity token file from the default chain', async () => {
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect((await env.chat({}, { 'x-bf-api-key': 'irsa' })).status).toBe(200);
    expect(env.mock.stsCalls.map((call) => call.action)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(env.mock.stsCalls[0]!.params.get('RoleArn')).toBe(
      'arn:aws:iam::123456789012:role/BifrostBedrockRole',
    );
    expect(env.mock.stsCalls[0]!.params.get('RoleSessionName')).toBe('heimdall');
    const bedrockCall = env.mock.requests.find((r) => r.path.endsWith('/converse'))!;
    expect(bedrockCall.headers.authorization).toMatch(/Credential=ASIA1IRSA\/\d{8}\/us-east-1\/bedrock/);
  });

  it('fails with the STS error when the role cannot be assumed', async () => {
    const saved = process.env.TEST_AWS_SECRET;
    process.env.TEST_AWS_SECRET = 'wrong-secret';
    const response = await env.chat({}, { 'x-bf-api-key': 'assume' });
    process.env.TEST_AWS_SECRET = saved;
    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: 'aws_credentials_error' });
    expect(errorOf(response).message).toContain('AccessDenied');
  });
});
