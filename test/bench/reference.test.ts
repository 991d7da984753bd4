/**
 * `npm run bench:reference` (test/bench/reference.sh): the reference harness run against this
 * checkout from a copy whose governed virtual key Heimdall accepts. Run here against a stand-in
 * harness laid out as ../shared/bench is (its bench.sh prints what it was given and what its
 * files say), so the test needs neither nginx nor wrk; the key's length is checked against the
 * config loader's own rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualKeyValueProblem } from '../../db/index.ts';

const script = fileURLToPath(new URL('./reference.sh', import.meta.url));
const repository = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const governedConfig = (key: string): string =>
  JSON.stringify({ governance: { virtual_keys: [{ id: 'vk-bench', value: key }] } }, null, 1);
const target = (key: string): string =>
  `URL=http://127.0.0.1:18096/v1/chat/completions\nHEADERS=("x-bf-vk: ${key}")\nSTREAM_HEADERS=("x-bf-vk: ${key}")\n`;

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A harness shaped like ../shared/bench with `key` as its governed virtual key. */
function standInHarness(key: string): { harness: string; copy: string } {
  scratch = mkdtempSync(join(tmpdir(), 'heimdall-reference-'));
  const harness = join(scratch, 'bench');
  mkdirSync(join(harness, 'heimdall'), { recursive: true });
  mkdirSync(join(harness, 'targets'));
  writeFileSync(join(harness, 'heimdall', 'gov.json'), governedConfig(key));
  writeFileSync(join(harness, 'heimdall', 'strict-stream.json'), governedConfig(key));
  writeFileSync(join(harness, 'heimdall', 'plain.json'), JSON.stringify({ providers: {} }));
  writeFileSync(join(harness, 'targets', 'heimdall-gov.sh'), target(key));
  writeFileSync(
    join(harness, 'bench.sh'),
    [
      'here=$(cd "$(dirname "$0")" && pwd)',
      'echo "dir=$HEIMDALL_DIR"',
      'echo "args=$*"',
      'echo "rounds=${ROUNDS:-}"',
      'grep -rh "sk-bf-bench" "$here/heimdall" "$here/targets" | sed "s/^/key line: /"',
      '',
    ].join('\n'),
  );
  return { harness, copy: join(scratch, 'copy') };
}

function run(harness: string, copy: string, args: string[] = []): ReturnType<typeof spawnSync> {
  return spawnSync('bash', [script, ...args], {
    env: { ...process.env, REFERENCE_BENCH: harness, REFERENCE_COPY: copy, ROUNDS: '5' },
    encoding: 'utf8',
  });
}

describe('npm run bench:reference', () => {
  it("lengthens the harness's short governed key in a copy and runs its bench.sh against this checkout", () => {
    const { harness, copy } = standInHarness('sk-bf-bench');
    const result = run(harness, copy, ['direct', 'heimdall-gov']);
    expect(result.status).toBe(0);
    const out = String(result.stdout);
    expect(out).toContain('sk-bf-bench lengthened to sk-bf-bench-padded-to-20 in 3 files of a copy (');
    expect(out).toContain(`dir=${repository}\n`);
    expect(out).toContain('args=direct heimdall-gov\n');
    expect(out).toContain('rounds=5\n');
    const keyLines = out.split('\n').filter((line) => line.startsWith('key line: '));
    expect(keyLines).toHaveLength(4); // two configs, the target's two header arrays
    for (const line of keyLines) expect(line).toContain('sk-bf-bench-padded-to-20"');

    // The copy's key is one the config loader accepts, where the harness's own is refused.
    const copied = JSON.parse(readFileSync(join(copy, 'heimdall', 'gov.json'), 'utf8')) as {
      governance: { virtual_keys: { value: string }[] };
    };
    const value = copied.governance.virtual_keys[0]!.value;
    expect(virtualKeyValueProblem(value, {})).toBeUndefined();
    expect(virtualKeyValueProblem('sk-bf-bench', {})).toMatch(/at least 20 characters/);
    // The harness itself is left as it was.
    expect(readFileSync(join(harness, 'heimdall', 'gov.json'), 'utf8')).toBe(governedConfig('sk-bf-bench'));
  });

  it('leaves a harness whose key is already long enough as it is', () => {
    const { harness, copy } = standInHarness('sk-bf-bench-virtual-key-0001');
    const result = run(harness, copy);
    expect(result.status).toBe(0);
    const out = String(result.stdout);
    expect(out).not.toContain('lengthened');
    expect(out.split('\n').filter((line) => line.includes('sk-bf-bench-virtual-key-0001"'))).toHaveLength(4);
  });

  it('says where to point it when there is no harness', () => {
    const missing = join(tmpdir(), 'heimdall-reference-absent');
    const result = run(missing, join(tmpdir(), 'heimdall-reference-absent-copy'));
    expect(result.status).toBe(2);
    expect(String(result.stderr)).toContain(`no bench.sh in ${missing}; set REFERENCE_BENCH`);
  });

  it('refuses to replace a folder that is not an earlier copy of the harness', () => {
    const { harness, copy } = standInHarness('sk-bf-bench');
    mkdirSync(copy);
    writeFileSync(join(copy, 'keep.txt'), 'not a harness');
    const result = run(harness, copy);
    expect(result.status).toBe(2);
    expect(String(result.stderr)).toContain(`${copy} exists and is not an earlier copy of the harness`);
    expect(readFileSync(join(copy, 'keep.txt'), 'utf8')).toBe('not a harness');
    // An earlier copy is replaced: a second run over the first one's copy works.
    rmSync(copy, { recursive: true });
    expect(run(harness, copy).status).toBe(0);
    expect(run(harness, copy).status).toBe(0);
  });
});
