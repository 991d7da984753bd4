/**
 * Issue 14, section 2: the container image's steps (scripts/image.sh, called by the Dockerfile)
 * in a scratch copy of the repository, since there is no container daemon here. As the stages do:
 * `build` (all dependencies, dist/), `deps` (a fresh `npm ci --omit=dev`), then a runtime
 * directory holding only what the runtime stage copies (the deps stage's node_modules, dist/,
 * package.json, config.json, the script), started by `scripts/image.sh start` as uid 10001.
 * npm installs from the local cache (--prefer-offline). Slow (native modules are compiled when
 * no prebuilt binary can be fetched): minutes, with per-step time limits.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heimdallNodeFlags } from '../bench/launch.ts';
import { freePort } from '../support/heimdall-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const UID = 10001;
const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const MINUTE = 60_000;

/** What the runtime stage of the Dockerfile copies, relative to the app directory. */
const RUNTIME_FILES = ['node_modules', 'dist', 'package.json', 'config.json', 'scripts/image.sh'];

/** What the Dockerfile's deps stage copies. */
const DEPS_FILES = ['package.json', 'package-lock.json', 'scripts/image.sh', 'scripts/build.mjs'];

/** The repository as a build context sees it: tracked and new files, nothing ignored. */
function copyRepository(to: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT })
    .toString()
    .split('\0')
    .filter((file) => file && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file));
  }
}

async function step(cwd: string, name: string, timeoutMs: number): Promise<void> {
  try {
    await run(join(cwd, 'scripts/image.sh'), [name], {
      cwd,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 2 ** 20,
      env: { ...process.env, NPM_CI_FLAGS: '--prefer-offline' },
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `scripts/image.sh ${name} failed:\n${String(stdout).slice(-2000)}\n${String(stderr).slice(-4000)}`,
    );
  }
}

describe.runIf(isRoot)('scripts/image.sh: build, production deps, start as a non-root user', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'heimdall-image-'));
  const source = join(scratch, 'src');
  const deps = join(scratch, 'deps');
  const app = join(scratch, 'app');
  let child: ChildProcess | undefined;
  let url = '';
  let output = '';

  beforeAll(async () => {
    copyRepository(source);
    // The deps stage sees only the manifest, the lockfile and the two scripts (npm ci runs
    // `prepare`, i.e. build.mjs, which does nothing without TypeScript), as in the Dockerfile;
    // the two stages are independent, so they run side by side (BuildKit does the same).
    for (const file of DEPS_FILES) cpSync(join(source, file), join(deps, file), { recursive: true });
    await Promise.all([step(source, 'build', 12 * MINUTE), step(deps, 'deps', 12 * MINUTE)]);
    for (const file of RUNTIME_FILES) {
      mkdirSync(dirname(join(app, file)), { recursive: true });
      // Moved, not copied: the same files, and hundreds of MB less to write and delete.
      renameSync(join(file === 'node_modules' ? deps : source, file), join(app, file));
    }
    mkdirSync(join(app, 'data'));
    // As the Dockerfile: code readable by anyone and owned by root, only /data the user's own.
    chmodSync(scratch, 0o755);
    chmodSync(app, 0o755);
    chownSync(join(app, 'data'), UID, UID);
    chmodSync(join(app, 'data'), 0o700);

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { DATABASE_URL: _db, REDIS_URL: _redis, HEIMDALL_CONTROL_PLANE_URL: _cp, ...env } = process.env;
    child = spawn(
      'setpriv',
      [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', join(app, 'scripts/image.sh'), 'start'],
      {
        cwd: app,
        env: {
          ...env,
          HOME: '/nonexistent',
          NODE_ENV: 'production',
          PORT: String(port),
          HEIMDALL_DATA_DIR: join(app, 'data'),
          HEIMDALL_ENCRYPTION_KEY: 'image-script-test-encryption-key',
          HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 2 * MINUTE;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`image start exited with ${child.exitCode}:\n${output}`);
      const status = await fetch(`${url}/livez`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`no /livez 200 from the image start step:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 20 * MINUTE);

  afterAll(async () => {
    // setpriv and the script exec, so this PID is node itself.
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    // Three dependency trees: deleting them takes a while on a loaded disk.
    await rm(scratch, { recursive: true, force: true });
  }, 5 * MINUTE);

  it('serves /livez and an inference request through the mocker, as uid 10001', async () => {
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toContain('mocker');
    const status = readFileSync(`/proc/${child!.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'));
    const cmdline = readFileSync(`/proc/${child!.pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(cmdline).toContain('dist/api/main.js');
    expect(output).not.toContain('SQLite writer thread unavailable');
  });

  it('runs without dev dependencies (tsx included) or sources', () => {
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    // The compiled code needs no TypeScript loader at run time.
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'api'))).toBe(false);
  });

  it('answers the Dockerfile HEALTHCHECK command, run as the image user', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const match = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile);
    expect(match, 'HEALTHCHECK ... CMD [json] in the Dockerfile').not.toBeNull();
    const [command, ...args] = JSON.parse(match![1]!) as string[];
    execFileSync('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', command!, ...args], {
      env: { ...process.env, PORT: new URL(url).port },
      timeout: 30_000,
    });
  });

  it("starts node with package.json's start flags", () => {
    const script = readFileSync(join(ROOT, 'scripts/image.sh'), 'utf8');
    const flags = heimdallNodeFlags(join(ROOT, 'package.json')).join(' ');
    expect(script).toContain(`exec node ${flags} dist/api/main.js`);
  });
});
