/**
 * Child processes of the bench: spawned (optionally pinned to a CPU with `taskset`), awaited until
 * ready, and always killed by PID on the way out — normal end, error, or Ctrl-C.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';

const live = new Set<ChildProcess>();

function hasTaskset(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
export const canPin = hasTaskset();

/** Moves a running process (all its threads) to one CPU; silently does nothing without taskset. */
export function pin(pid: number, cpu: number | undefined): void {
  if (!canPin || cpu === undefined) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    // Affinity is an optimisation; a refusal (e.g. a restricted cgroup) must not stop the bench.
  }
}

export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines the child wrote to stdout/stderr, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** Spawns `node <args>` (through `taskset -c <cpu>` when pinning), keeping the PID of node itself. */
export function startNode(
  name: string,
  args: string[],
  options: { cpu?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  return startProcess(name, process.execPath, args, options);
}

/** Spawns any program the same way (nginx for the mock upstream). */
export function startProcess(
  name: string,
  program: string,
  args: string[],
  options: { cpu?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  const argv = [program, ...args];
  const [command, ...rest] =
    canPin && options.cpu !== undefined ? ['taskset', '-c', String(options.cpu), ...argv] : argv;
  const child = spawn(command!, rest, {
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, process: child, tail: () => lines.join('\n'), stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && killQuietly(child.pid), 15_000);
  await exited;
  clearTimeout(timer);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Last resort on any exit path: nothing we started outlives us. */
export function killAllChildren(): void {
  for (const child of live) if (child.pid !== undefined) killQuietly(child.pid);
  live.clear();
}

function exitedError(child: Child, what: string): Error {
  const code = child.process.exitCode ?? child.process.signalCode;
  return new Error(`${child.name} exited (${code}) before ${what}.\n--- last output ---\n${child.tail()}`);
}

/** Resolves with the port from the child's `READY <port>` line. */
export function waitForReadyLine(child: Child, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${child.name} not ready after ${timeoutMs} ms\n${child.tail()}`)),
      timeoutMs,
    );
    child.process.stdout?.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.process.once('exit', () => {
      clearTimeout(timer);
      reject(exitedError(child, 'it was ready'));
    });
  });
}

/** Polls `GET <origin>/health` until it answers 200. */
export async function waitForHealth(child: Child, origin: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null)
      throw exitedError(child, '/health answered 200');
    try {
      const { statusCode, body } = await request(`${origin}/health`, {
        headersTimeout: 1000,
        bodyTimeout: 1000,
      });
      const text = await body.text();
      if (statusCode === 200) return;
      last = `${statusCode} ${text.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    // Short polls: the time to the first 200 is reported as the cold start.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `${child.name}: GET /health not 200 within ${timeoutMs} ms (last: ${last})\n${child.tail()}`,
  );
}

/** A loopback port that was free a moment ago (listen(0), read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process has used so far; undefined where /proc is missing. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MiB (VmRSS); undefined where /proc is missing. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
