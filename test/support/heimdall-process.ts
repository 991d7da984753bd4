/**
 * Runs Heimdall as users do (`npm start` = `tsx api/main.ts`) in a child process, for tests of
 * start-up behaviour: exit codes, messages, /health.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface HeimdallChild {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function spawnHeimdall(
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}api/main.ts`], {
    cwd,
    // No drain delay unless a test asks for one: stop() would otherwise wait 5 s per process. No
    // start-up warm-up either (api/warm-up.ts): it only makes the first requests faster, and
    // test/e2e/compiled-start.test.ts starts Heimdall with it, as `npm start` does.
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0',
      HEIMDALL_WARMUP_REQUESTS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Resolves with the exit code of a process expected to stop by itself. */
export async function runToExit(
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnHeimdall(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output: output() };
}

/** Starts Heimdall and waits for /health: on `env.PORT` when given (a restart), else a free port. */
export async function startHeimdallChild(env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<HeimdallChild> {
  const port = env.PORT ?? String(await freePort());
  const { child, output } = spawnHeimdall({ ...env, PORT: port });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`heimdall exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`heimdall did not answer /health within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
