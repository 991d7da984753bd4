/** wrk's RESULT line (printed by chat.lua) becomes a phase result in req/s and ms. */
import { describe, expect, it } from 'vitest';
import { parseWrkResult } from './wrk.ts';

describe('bench wrk output', () => {
  it('reads the RESULT line among wrk’s own output', () => {
    const output = [
      'Running 10s test @ http://127.0.0.1:1/v1/chat/completions',
      '  1 threads and 64 connections',
      'RESULT requests=50000 micros=10000000 failed=3 bytes=43750000 p50=1250 p99=9800',
    ].join('\n');
    expect(parseWrkResult(output)).toEqual({
      requestsPerSecond: 5000,
      p50: 1.25,
      p99: 9.8,
      total: 50000,
      failed: 3,
      bytesPerRequest: 875,
    });
  });

  it('refuses output without a RESULT line or with a field missing', () => {
    expect(() => parseWrkResult('unable to connect to 127.0.0.1:1')).toThrow(/no RESULT line/);
    expect(() => parseWrkResult('RESULT requests=1 micros=1 failed=0 bytes=1 p50=1')).toThrow(/lacks p99/);
  });
});
