/**
 * postgresql.enabled / redis.embedded: the evaluation-only servers the seeds' values ask for render
 * as single-instance StatefulSets on claims, with generated credentials Heimdall reads only through
 * secretKeyRef, and the rendered config.json loads with the env the pod gets.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../db/config/load.ts';
import { envOf, heimdallWorkloads, violations } from './invariants.ts';
import { at, ofKind, render, schemaErrors, type Json } from './render.ts';

const EMBEDDED = [
  '--set', 'image.tag=0.1.0',
  '--set', 'storage.mode=postgres',
  '--set', 'postgresql.enabled=true',
  '--set', 'redis.enabled=true',
  '--set', 'redis.embedded=true',
  '--set', 'replicaCount=2',
]; // prettier-ignore

describe('Helm chart: evaluation-only Postgres and Redis', () => {
  const r = render(EMBEDDED);
  const named = (kind: string, name: string) => ofKind(r, kind).find((d) => at(d, 'metadata.name') === name)!;

  it('renders valid manifests that keep the invariants', () => {
    expect(r.stderr).toBe('');
    expect(schemaErrors(r.docs)).toEqual([]);
    expect(violations(r, false)).toEqual([]);
  });

  it.each([
    ['heimdall-postgresql', 'postgresql'],
    ['heimdall-redis', 'redis'],
  ])('%s is one pod with a ReadWriteOnce claim and its own Service', (name, app) => {
    const sts = named('StatefulSet', name);
    expect(at(sts, 'spec.replicas')).toBe(1);
    const claims = at(sts, 'spec.volumeClaimTemplates') as Json[];
    expect(at(claims[0], 'spec.accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(named('Service', name), 'spec.selector')).toEqual({
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/instance': 'heimdall',
    });
  });

  it('Heimdall gets the generated credentials only through secretKeyRef, and its config loads', () => {
    const secret = named('Secret', 'heimdall-generated');
    const data = secret.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual([
      'encryption-key',
      'postgres-password',
      'redis-password',
      'redis-url',
    ]);
    const password = Buffer.from(data['redis-password']!, 'base64').toString();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(Buffer.from(data['redis-url']!, 'base64').toString()).toBe(
      `redis://:${password}@heimdall-redis:6379`,
    );

    const [workload] = heimdallWorkloads(r);
    const env = envOf(workload!);
    expect(env.DATABASE_URL?.value).toBe(
      'postgres://heimdall@heimdall-postgresql:5432/heimdall?sslmode=disable',
    );
    for (const [name, key] of [
      ['PGPASSWORD', 'postgres-password'],
      ['HEIMDALL_ENCRYPTION_KEY', 'encryption-key'],
      ['REDIS_URL', 'redis-url'],
    ]) {
      expect(env[name!]?.valueFrom, name).toEqual({ secretKeyRef: { name: 'heimdall-generated', key } });
    }
    const configMap = ofKind(r, 'ConfigMap')[0]!;
    const config: unknown = JSON.parse(String((configMap.data as Json)['config.json']));
    const podEnv = Object.fromEntries(
      Object.entries(env).map(([k, e]) => [
        k,
        typeof e.value === 'string' ? e.value : `secret-value-of-${k}`,
      ]),
    );
    expect(() => validateConfig(config, { env: podEnv })).not.toThrow();
  });

  it('a given encryption key Secret is used instead of a generated one', () => {
    const own = render([...EMBEDDED, '--set', 'bifrost.encryptionKeySecret.name=mine']);
    const env = envOf(heimdallWorkloads(own)[0]!);
    expect(env.HEIMDALL_ENCRYPTION_KEY?.valueFrom).toEqual({
      secretKeyRef: { name: 'mine', key: 'encryption-key' },
    });
  });

  it.each([
    [['--set', 'image.tag=1', '--set', 'postgresql.enabled=true'], 'needs storage.mode=postgres'],
    [['--set', 'image.tag=1', '--set', 'redis.enabled=true'], 'or redis.embedded=true'],
  ])('refuses %j with the way out', (args, message) => {
    const refused = render(args);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain(message);
  });
});
