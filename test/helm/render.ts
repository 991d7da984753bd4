/**
 * Rendering the chart with the real helm and checking the manifests offline: every document is
 * validated against the Kubernetes API schema of its kind (kubernetes-models, and the Prometheus
 * Operator's for ServiceMonitor), so a misspelt field or a string where an integer belongs fails
 * here rather than at `kubectl apply`.
 */
import { spawnSync } from 'node:child_process';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from './helm-binary.ts';

export type Json = Record<string, unknown>;
export const CHART = new URL('../../helm/heimdall/', import.meta.url).pathname;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function at(values: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), values);
}

export interface Rendered {
  ok: boolean;
  stderr: string;
  docs: Json[];
}

export function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function render(args: string[], chart = CHART, release = 'heimdall'): Rendered {
  const result = helm(['template', release, chart, '--namespace', 'ai', ...args]);
  const docs = result.status === 0 ? parseAllDocuments(result.stdout).map((d) => d.toJS() as unknown) : [];
  return { ok: result.status === 0, stderr: result.stderr, docs: docs.filter(isObject) };
}

/** apiVersion/kind → the model class whose validate() applies the API's OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Schema errors of every rendered document, as "Kind/name: message"; [] when all are valid. */
export function schemaErrors(docs: Json[]): string[] {
  return docs.flatMap((doc) => {
    const id = `${String(doc.kind)}/${String(at(doc, 'metadata.name'))}`;
    const Model = MODELS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
    if (!Model) return [`${id}: no schema known for apiVersion ${String(doc.apiVersion)}`];
    try {
      new Model(doc as never).validate();
      return [];
    } catch (error) {
      return [`${id}: ${String(error)}`];
    }
  });
}

export const ofKind = (r: Rendered, kind: string) => r.docs.filter((d) => d.kind === kind);
