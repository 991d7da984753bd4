/**
 * The chart's values.schema.json: generated from helm/values.schema.in.json (hand-written) and the
 * app's config schema (the `bifrost:` subtree), committed, and enforced by helm itself, so a
 * mistyped value stops `helm template` / `helm install` with the path of the value.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartValuesSchemaText } from '../../codegen.ts';
import { helmBinary } from './helm-binary.ts';

const CHART = new URL('../../helm/heimdall/', import.meta.url).pathname;
const HELM = helmBinary();

function template(args: string[]) {
  const result = spawnSync(HELM, ['template', 'heimdall', CHART, '--set', 'image.tag=1', ...args], {
    encoding: 'utf8',
  });
  return { ok: result.status === 0, stderr: result.stderr };
}

describe('Helm values.schema.json', () => {
  it('is the generated file (run `npm run codegen` after changing the config model or the .in.json)', async () => {
    const committed = readFileSync(join(CHART, 'values.schema.json'), 'utf8');
    expect(committed).toBe(await chartValuesSchemaText());
  });

  it.each([
    [['--set-string', 'replicaCount=3'], "at '/replicaCount': got string, want integer"],
    [['--set', 'storage.persistence.enabled=maybe'], "at '/storage/persistence/enabled'"],
    [['--set', 'postgresql.external.sslMode=required'], "at '/postgresql/external/sslMode'"],
    [
      ['--set-string', 'bifrost.client.dropExcessRequests=yes'],
      "at '/bifrost/client/dropExcessRequests': got string, want boolean",
    ],
    [
      [
        '--set-string',
        'bifrost.governance.budgets[0].id=b',
        '--set',
        'bifrost.governance.budgets[0].max_limit=5',
      ],
      "at '/bifrost/governance/budgets/0': missing property 'reset_duration'",
    ],
    [['--set', 'bifrost.plugins.governance.enabled=sometimes'], '/bifrost/plugins'],
  ])('refuses %j naming the value', (args, message) => {
    const r = template(args);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(message);
  });

  it('accepts both spellings the loader accepts (camelCase sections, plugin map or list)', () => {
    const r = template([
      '--set',
      'bifrost.client.drop_excess_requests=true',
      '--set',
      'bifrost.client.enforceGovernanceHeader=true',
      '--set',
      'bifrost.plugins[0].name=logging',
    ]);
    // (helm logs that a list replaces the default empty map; that is not an error)
    expect(r.stderr).not.toContain('schema');
    expect(r.ok).toBe(true);
  });
});
