/**
 * SigV4: the signer used for Bedrock and STS (@smithy/signature-v4 via providers/bedrock/sigv4.ts)
 * against AWS's published examples, and against the independent verifier the Bedrock mock uses.
 */
import { describe, expect, it } from 'vitest';
import { signV4 } from '../../gateway/providers/bedrock/sigv4.ts';
import { signature, verifySigV4 } from '../mocks/aws-wire.ts';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('SigV4 signing', () => {
  it('reproduces the AWS test suite get-vanilla signature', async () => {
    const headers = await signV4({
      method: 'GET',
      origin: 'https://example.amazonaws.com',
      path: '/',
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 'service',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      signingDate: new Date('2015-08-30T12:36:00Z'),
      applyChecksum: false,
    });
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('reproduces the Amazon S3 documentation example (GET Object with a Range header)', async () => {
    const headers = await signV4({
      method: 'GET',
      origin: 'https://examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256 },
      body: '',
      region: 'us-east-1',
      service: 's3',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      signingDate: new Date('2013-05-24T00:00:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    // The mock's independent implementation computes the same published value.
    const independent = signature(
      {
        method: 'GET',
        url: '/test.txt',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          range: 'bytes=0-9',
          'x-amz-content-sha256': EMPTY_SHA256,
          'x-amz-date': '20130524T000000Z',
        },
        body: '',
      },
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      { date: '20130524', region: 'us-east-1', service: 's3' },
      ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      false,
    );
    expect(independent).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('signs a Bedrock Converse request (inference profile id double-encoded) as the independent verifier expects', async () => {
    const path = `/model/${encodeURIComponent('us.anthropic.claude-3-5-sonnet-20240620-v1:0')}/converse`;
    const body = '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}';
    const base = { 'content-type': 'application/json' };
    const credentials = {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session-token',
    };
    const added = await signV4({
      method: 'POST',
      origin: 'http://127.0.0.1:4010',
      path,
      headers: base,
      body,
      region: 'us-west-2',
      service: 'bedrock',
      credentials,
    });
    expect(added['x-amz-security-token']).toBe('session-token');
    const verdict = verifySigV4(
      { method: 'POST', url: path, headers: { ...base, ...added, host: '127.0.0.1:4010' }, body },
      new Map([['ASIAEXAMPLE', 'secret']]),
    );
    expect(verdict).toEqual({
      ok: true,
      accessKeyId: 'ASIAEXAMPLE',
      service: 'bedrock',
      region: 'us-west-2',
    });
    const tampered = verifySigV4(
      {
        method: 'POST',
        url: path,
        headers: { ...base, ...added, host: '127.0.0.1:4010' },
        body: body.replace('hi', 'ho'),
      },
      new Map([['ASIAEXAMPLE', 'secret']]),
    );
    expect(tampered.ok).toBe(false);
  });
});
