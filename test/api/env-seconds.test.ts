/**
 * Every duration read from the environment in seconds refuses a bad value by name at start-up.
 * The split gateway's HEIMDALL_CONTROL_PLANE_WAIT_SECONDS used to become NaN silently (and the
 * wait for the first snapshot then ended at once).
 */
import { describe, expect, it } from 'vitest';
import { leaseTtlMs } from '../../api/counters/service.ts';
import { shutdownGraceMs } from '../../api/drain.ts';
import { secondsFromEnv } from '../../api/env-seconds.ts';
import { createLogger } from '../../api/logger.ts';
import { startGatewayOnly } from '../../api/start-gateway.ts';

describe('seconds from the environment', () => {
  it('reads seconds as milliseconds, blank or unset as the fallback', () => {
    const setting = { fallback: 60 };
    expect(secondsFromEnv({ X: '1.5' }, 'X', setting)).toBe(1_500);
    expect(secondsFromEnv({ X: ' 0 ' }, 'X', setting)).toBe(0);
    expect(secondsFromEnv({ X: '   ' }, 'X', setting)).toBe(60_000);
    expect(secondsFromEnv({}, 'X', setting)).toBe(60_000);
  });

  it('names the variable, the minimum and the value it refuses', () => {
    expect(() => secondsFromEnv({ X: 'soon' }, 'X', { fallback: 5 })).toThrow(
      'X: expected a number of seconds ≥ 0 (e.g. 5), got "soon"',
    );
    expect(() => secondsFromEnv({ X: '-1' }, 'X', { fallback: 5 })).toThrow(/≥ 0/);
    expect(() => secondsFromEnv({ X: 'Infinity' }, 'X', { fallback: 5 })).toThrow(/got "Infinity"/);
    expect(() => leaseTtlMs({ HEIMDALL_LEASE_TTL_SECONDS: '10' })).toThrow(
      'HEIMDALL_LEASE_TTL_SECONDS: expected a number of seconds ≥ 30 (gateways heartbeat every 10 s), got "10"',
    );
    expect(() => shutdownGraceMs({ HEIMDALL_SHUTDOWN_GRACE_SECONDS: 'a while' })).toThrow(
      /HEIMDALL_SHUTDOWN_GRACE_SECONDS/,
    );
  });

  it('stops a split gateway whose wait for the control plane is not a number', async () => {
    await expect(
      startGatewayOnly({
        logger: createLogger('error', () => undefined),
        port: 0,
        host: '127.0.0.1',
        env: {
          HEIMDALL_CONTROL_PLANE_URL: 'http://127.0.0.1:1/graphql',
          HEIMDALL_CONTROL_PLANE_TOKEN: 'token',
          HEIMDALL_CONTROL_PLANE_WAIT_SECONDS: 'forever',
        },
      }),
    ).rejects.toThrow(
      'HEIMDALL_CONTROL_PLANE_WAIT_SECONDS: expected a number of seconds ≥ 0 (e.g. 60), got "forever"',
    );
  });
});
