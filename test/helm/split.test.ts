/**
 * mode=split: a control-plane Deployment (Postgres) and a gateway Deployment (HPA, no database)
 * that reaches the control plane's own Service with a GATEWAY token from a Secret.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envOf } from './invariants.ts';
import { at, CHART, ofKind, render, type Json } from './render.ts';

const SPLIT = ['-f', join(CHART, 'values-examples', 'split-control-plane.yaml')];
const named = (docs: Json[], name: string) => docs.find((d) => at(d, 'metadata.name') === name)!;
const selects = (selector: Json, labels: Json) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('Helm chart: split mode', () => {
  const r = render(SPLIT);
  const deployments = ofKind(r, 'Deployment');
  const gateway = named(deployments, 'heimdall');
  const controlPlane = named(deployments, 'heimdall-control-plane');
  const podLabels = (w: Json) => at(w, 'spec.template.metadata.labels') as Json;

  it('renders a gateway and a control-plane Deployment, each behind its own Service', () => {
    expect(r.stderr).toBe('');
    expect(deployments).toHaveLength(2);
    expect(at(controlPlane, 'spec.replicas')).toBe(2);
    expect(at(gateway, 'spec.replicas')).toBeUndefined(); // the HPA owns it
    expect(at(ofKind(r, 'HorizontalPodAutoscaler')[0], 'spec.scaleTargetRef.name')).toBe('heimdall');
    for (const [service, own, other] of [
      ['heimdall', gateway, controlPlane],
      ['heimdall-control-plane', controlPlane, gateway],
    ] as const) {
      const selector = at(named(ofKind(r, 'Service'), service), 'spec.selector') as Json;
      expect(selects(selector, podLabels(own)), service).toBe(true);
      expect(selects(selector, podLabels(other)), service).toBe(false);
    }
    // Each Deployment selects only its own pods too.
    expect(selects(at(gateway, 'spec.selector.matchLabels') as Json, podLabels(controlPlane))).toBe(false);
    expect(selects(at(controlPlane, 'spec.selector.matchLabels') as Json, podLabels(gateway))).toBe(false);
  });

  it('gateways get the control plane URL and a GATEWAY token from a Secret, and no database', () => {
    const env = envOf(gateway);
    expect(env.HEIMDALL_CONTROL_PLANE_URL?.value).toBe('http://heimdall-control-plane:8080');
    expect(env.HEIMDALL_CONTROL_PLANE_TOKEN?.valueFrom).toEqual({
      secretKeyRef: { name: 'heimdall-gateway-token', key: 'token' },
    });
    expect(env.HEIMDALL_ENCRYPTION_KEY?.valueFrom).toBeTruthy(); // opens the sealed provider secrets
    expect(Object.keys(env)).not.toEqual(expect.arrayContaining(['DATABASE_URL']));
    expect(Object.keys(env)).not.toContain('PGPASSWORD');
    const cpEnv = envOf(controlPlane);
    expect(cpEnv.DATABASE_URL?.value).toContain('heimdall-db.abc123xyz.us-east-1.rds.amazonaws.com');
    expect(Object.keys(cpEnv)).not.toContain('HEIMDALL_CONTROL_PLANE_URL');
    const cpResources = at(controlPlane, 'spec.template.spec.containers') as Json[];
    expect(at(cpResources[0], 'resources.limits.memory')).toBe('1Gi');
  });

  it.each([
    [['--set', 'mode=split', '--set', 'image.tag=1'], 'mode=split needs storage.mode=postgres'],
    [
      [...SPLIT, '--set', 'controlPlane.gatewayTokenSecret.name='],
      'mode=split needs controlPlane.gatewayTokenSecret.name',
    ],
    [['--set', 'mode=both', '--set', 'image.tag=1'], "at '/mode'"],
  ])('refuses %j', (args, message) => {
    const refused = render(args);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain(message);
  });
});
