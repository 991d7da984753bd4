/**
 * Issue 14, section 1: `npm start` builds dist/ when it is stale and runs the compiled JavaScript
 * (no tsx at run time), with source maps beside the code, not inline. Started as the README says,
 * with the shipped example config: /health answers and the mocker answers an inference request.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { DEFAULT_WARMUP_REQUESTS } from '../../api/warm-up.ts';
import { freePort } from '../support/heimdall-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');

/** The server's compiled files; dist/dashboard is the browser bundle Vite builds, not tsc's output. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() && join(dir, entry.name) === join(DIST, 'dashboard')
      ? []
      : entry.isDirectory()
        ? jsFiles(join(dir, entry.name))
        : entry.name.endsWith('.js')
          ? [join(dir, entry.name)]
          : [],
  );
}

describe('npm start runs the compiled build', () => {
  let child: ChildProcess;
  let url = '';
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'heimdall-compiled-'));

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The README's default deployment: embedded SQLite, one process.
    const { DATABASE_URL: _db, REDIS_URL: _redis, HEIMDALL_CONTROL_PLANE_URL: _cp, ...env } = process.env;
    // `npm start` in its own process group, so the build, npm's shell and node stop together.
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: {
        ...env,
        PORT: String(port),
        HEIMDALL_DATA_DIR: dataDir,
        HEIMDALL_CONFIG: join(ROOT, 'config.json'),
        HEIMDALL_ENCRYPTION_KEY: 'compiled-start-test-encryption-key',
        HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Generous: the first start compiles (seconds on an idle machine, far more on a loaded one).
    const deadline = Date.now() + 150_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      const status = await fetch(`${url}/health`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`no /health 200 from npm start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 180_000);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /health and an inference request through the mocker from dist/', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toContain('mocker');
    // The process serving is node on the compiled entry, not tsx on the sources.
    const pids = execFileSync('pgrep', ['-g', String(child.pid)])
      .toString()
      .trim()
      .split('\n');
    const commands = pids.map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return '';
      }
    });
    expect(commands.some((c) => /--enable-source-maps .*dist\/api\/main\.js/.test(c))).toBe(true);
    expect(commands.join('\n')).not.toMatch(/tsx/);
    // The SQLite writer thread found its compiled entry (else it falls back with this warning).
    expect(output).not.toContain('SQLite writer thread unavailable');
  });

  it('warms up before listening, sealed off from the gateway that serves', async () => {
    // api/warm-up.ts: every request it sent went as planned (answered whole, or an unknown virtual
    // key refused). It may stop short of DEFAULT_WARMUP_REQUESTS at its time limit on a loaded machine.
    const warm =
      /"msg":"warmed up","sent":(\d+),"answered":(\d+),"streamed":(\d+),"anthropic":(\d+),"refused":(\d+),"failed":(\d+),/.exec(
        output,
      );
    const [sent, answered, streamed, anthropic, refused, failed] = (warm ?? []).slice(1).map(Number);
    expect(failed).toBe(0);
    expect(sent).toBeGreaterThan(DEFAULT_WARMUP_REQUESTS / 10);
    expect(sent).toBeLessThanOrEqual(DEFAULT_WARMUP_REQUESTS);
    expect(answered! + refused!).toBe(sent);
    expect(refused).toBe(Math.floor(sent! / 20));
    expect(streamed).toBeGreaterThan(0);
    expect(anthropic).toBeGreaterThan(0);
    expect(output.indexOf('"msg":"warmed up"')).toBeLessThan(output.indexOf('"msg":"heimdall listening"'));
    // The serving gateway counted only the request above, none of the warm-up's.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const counted = [...metrics.matchAll(/^heimdall_requests_total\{[^}]*\} (\d+)$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(counted.reduce((sum, n) => sum + n, 0)).toBe(1);
    // Nor did any of its (partly governed) requests reach the database: no ledger entry, and at
    // most the one request log of the request above.
    const db = new Database(join(dataDir, 'heimdall.db'), { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect(count('usage_ledger')).toBe(0);
      expect(count('request_logs')).toBeLessThanOrEqual(1);
    } finally {
      db.close();
    }
  });

  it('emits plain JavaScript with .js imports and source maps on disk, not inline', () => {
    const files = jsFiles(DIST);
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from "\.{1,2}\/[^"]*\.ts"/);
      expect(text, file).not.toContain('sourceMappingURL=data:');
      expect(text, file).toMatch(/\/\/# sourceMappingURL=[\w.-]+\.js\.map\s*$/);
    }
    expect(readdirSync(join(DIST, 'db/migrations/sqlite'))).toContain('0000_init.sql');
  });
});
