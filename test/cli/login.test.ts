/**
 * `heimdall login` and where commands get their endpoint and token: a session stored with mode
 * 0600 under XDG_CONFIG_HOME, HEIMDALL_TOKEN, and the `heimdall` executable itself (shebang
 * entry, exit codes through the process).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestControlPlane, type TestControlPlane } from '../graphql/harness.ts';
import { cli, scratchDir } from './support.ts';

const PASSWORD = 'correct horse battery staple';
const ROOT = new URL('../../', import.meta.url).pathname;
const FILE = 'budget.yaml';
const CONFIG =
  'governance:\n  budgets:\n    - id: budget-cli\n      max_limit: 5\n      reset_duration: 1d\n';

describe('heimdall login', () => {
  let cp: TestControlPlane;
  let endpoint: string;
  let dir: string;
  let home: string;

  beforeAll(async () => {
    cp = await createTestControlPlane('sqlite', {
      auth: { is_enabled: true, admin_username: 'admin', admin_password: PASSWORD },
    });
    endpoint = (await cp.listen()).url.replace(/\/graphql$/, '');
    dir = scratchDir();
    home = scratchDir('heimdall-cli-home-');
    writeFileSync(join(dir, FILE), CONFIG);
  });
  afterAll(() => cp?.close());

  it('without credentials a command fails and says how to log in', async () => {
    const result = await cli(['plan', '-f', FILE, '--endpoint', endpoint], {
      cwd: dir,
      env: { XDG_CONFIG_HOME: home },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('heimdall login');
  });

  it('refuses a wrong password and stores nothing', async () => {
    const result = await cli(['login', '--endpoint', endpoint, '--username', 'admin', '--password-stdin'], {
      env: { XDG_CONFIG_HOME: home },
      stdin: 'wrong password\n',
    });
    expect(result.code).toBe(1);
    expect(() => statSync(join(home, 'heimdall/credentials.json'))).toThrow();
  });

  it('stores the session with mode 0600, and later commands use it', async () => {
    const result = await cli(['login', '--endpoint', endpoint, '--username', 'admin', '--password-stdin'], {
      env: { XDG_CONFIG_HOME: home },
      stdin: `${PASSWORD}\n`,
    });
    expect(result.code).toBe(0);
    const path = join(home, 'heimdall/credentials.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'heimdall')).mode & 0o777).toBe(0o700);
    expect(result.stdout).not.toContain(PASSWORD);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as {
      current: string;
      endpoints: Record<string, { token: string }>;
    };
    expect(stored.current).toBe(endpoint);
    expect(result.stdout + result.stderr).not.toContain(stored.endpoints[endpoint]!.token);

    // No --endpoint: the one logged in to; its stored token.
    const plan = await cli(['plan', '-f', FILE], { cwd: dir, env: { XDG_CONFIG_HOME: home } });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('+ budget budget-cli');
  });

  it('HEIMDALL_TOKEN is used, and wins over the stored login', async () => {
    const token = (
      await cp.ok<{ login: { token: string } }>(
        'mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }',
        { p: PASSWORD },
      )
    ).login.token;
    const fresh = scratchDir('heimdall-cli-home-');
    const ok = await cli(['plan', '-f', FILE, '--endpoint', endpoint], {
      cwd: dir,
      env: { XDG_CONFIG_HOME: fresh, HEIMDALL_TOKEN: token },
    });
    expect(ok.code).toBe(2);
    const bad = await cli(['plan', '-f', FILE], {
      cwd: dir,
      env: { XDG_CONFIG_HOME: home, HEIMDALL_TOKEN: 'not-a-token' },
    });
    expect(bad.code).toBe(1);
  });

  it('the heimdall executable runs a command and exits with its code', async () => {
    const run = promisify(execFile);
    const error = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'clients/cli/main.ts'),
        'plan',
        '-f',
        join(dir, FILE),
        '--endpoint',
        endpoint,
        '--output',
        'json',
      ],
      // From the repository, where `--import tsx` resolves.
      { cwd: ROOT, env: { ...process.env, XDG_CONFIG_HOME: home, NO_COLOR: '1' } },
    ).catch((e: { code: number; stdout: string }) => e);
    expect('code' in error ? error.code : 0).toBe(2);
    expect(JSON.parse(error.stdout)).toMatchObject({ hasChanges: true, summary: { create: 1 } });
    expect(readFileSync(join(ROOT, 'clients/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
      true,
    );
  });
});
