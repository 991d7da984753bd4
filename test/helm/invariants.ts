/**
 * What every rendering of the chart must satisfy, whatever the values: checked for the examples,
 * the seed documents' values and the split mode alike. Returns the violations (empty when fine) so
 * a failing case lists everything wrong at once.
 */
import { at, isObject, ofKind, type Json, type Rendered } from './render.ts';

/** Variables that carry secrets: present only as secretKeyRef, never as a literal value. */
const SECRET_VARS = new Set([
  'PGPASSWORD',
  'HEIMDALL_ENCRYPTION_KEY',
  'HEIMDALL_ADMIN_USERNAME',
  'HEIMDALL_ADMIN_PASSWORD',
  'HEIMDALL_CONTROL_PLANE_TOKEN',
]);

/** Heimdall's own workloads (not the evaluation-only Postgres/Redis the chart may add). */
export const heimdallWorkloads = (r: Rendered) =>
  r.docs.filter(
    (d) =>
      (d.kind === 'Deployment' || d.kind === 'StatefulSet') &&
      ['gateway', 'control-plane'].includes(
        String((at(d, 'metadata.labels') as Json | undefined)?.['app.kubernetes.io/component']),
      ),
  );

const containerOf = (workload: Json) => (at(workload, 'spec.template.spec.containers') as Json[])[0]!;
export const envOf = (workload: Json) =>
  Object.fromEntries(((containerOf(workload).env ?? []) as Json[]).map((e) => [String(e.name), e]));

/** matchLabels of every label selector in affinity rules and topology spread constraints. */
function spreadSelectors(spec: Json): Json[] {
  const found: Json[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if (isObject(node.labelSelector) && isObject(node.labelSelector.matchLabels))
        found.push(node.labelSelector.matchLabels);
      Object.values(node).forEach(walk);
    }
  };
  walk([spec.affinity, spec.topologySpreadConstraints]);
  return found;
}

const matches = (selector: Json, labels: Json) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

export function violations(r: Rendered, serviceMonitorEnabled: boolean): string[] {
  const out: string[] = [];
  const workloads = heimdallWorkloads(r);
  if (workloads.length === 0) out.push('no Heimdall workload rendered');
  for (const w of workloads) {
    const id = `${String(w.kind)}/${String(at(w, 'metadata.name'))}`;
    const spec = at(w, 'spec.template.spec') as Json;
    const labels = at(w, 'spec.template.metadata.labels') as Json;
    const c = containerOf(w);
    const env = envOf(w);
    const volumes = (spec.volumes ?? []) as Json[];
    const dataOnVolume =
      Boolean(at(w, 'spec.volumeClaimTemplates')) ||
      volumes.some((v) => v.name === 'data' && isObject(v.persistentVolumeClaim));
    const sqlite = !env.DATABASE_URL && !env.HEIMDALL_CONTROL_PLANE_URL;
    if ((w.kind === 'StatefulSet') !== (sqlite && dataOnVolume))
      out.push(`${id}: StatefulSet must be used iff SQLite is kept on a volume`);
    if (at(c, 'livenessProbe.httpGet.path') !== '/livez') out.push(`${id}: liveness probe must be /livez`);
    if (at(c, 'readinessProbe.httpGet.path') !== '/health')
      out.push(`${id}: readiness probe must be /health`);
    if (at(c, 'startupProbe.httpGet.path') !== '/health') out.push(`${id}: startup probe must be /health`);
    const delay = Number(at(env.HEIMDALL_SHUTDOWN_DELAY_SECONDS, 'value') ?? 5);
    const grace = Number(at(env.HEIMDALL_SHUTDOWN_GRACE_SECONDS, 'value') ?? 55);
    if (Number(spec.terminationGracePeriodSeconds) < delay + grace)
      out.push(`${id}: terminationGracePeriodSeconds < drain ${delay + grace}`);
    for (const [name, entry] of Object.entries(env)) {
      if (SECRET_VARS.has(name) && !at(entry, 'valueFrom.secretKeyRef'))
        out.push(`${id}: ${name} must come from a secretKeyRef`);
    }
    if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(String(at(env.DATABASE_URL, 'value') ?? '')))
      out.push(`${id}: DATABASE_URL carries a password`);
    for (const selector of spreadSelectors(spec)) {
      if (!matches(selector, labels))
        out.push(`${id}: spread selector ${JSON.stringify(selector)} does not select its own pods`);
    }
    const pdbs = ofKind(r, 'PodDisruptionBudget').filter((p) =>
      matches(at(p, 'spec.selector.matchLabels') as Json, labels),
    );
    if (pdbs.length > 1) out.push(`${id}: more than one PodDisruptionBudget selects its pods`);
  }
  for (const hpa of ofKind(r, 'HorizontalPodAutoscaler')) {
    const target = workloads.find(
      (w) =>
        w.kind === at(hpa, 'spec.scaleTargetRef.kind') &&
        at(w, 'metadata.name') === at(hpa, 'spec.scaleTargetRef.name'),
    );
    if (target?.kind !== 'Deployment')
      out.push(`HPA ${String(at(hpa, 'metadata.name'))} must scale a Deployment`);
  }
  for (const pdb of ofKind(r, 'PodDisruptionBudget')) {
    const selector = at(pdb, 'spec.selector.matchLabels') as Json;
    if (!workloads.some((w) => matches(selector, at(w, 'spec.template.metadata.labels') as Json)))
      out.push(`PodDisruptionBudget ${String(at(pdb, 'metadata.name'))} selects no pods`);
  }
  if (ofKind(r, 'ServiceMonitor').length > 0 !== serviceMonitorEnabled)
    out.push('a ServiceMonitor must be rendered iff serviceMonitor.enabled');
  return out;
}
