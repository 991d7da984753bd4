/**
 * The cluster's own Postgres and Redis, never the shared ones on 5432/6379: Postgres from initdb
 * into a temp dir on a free port (run as the `postgres` user when the tests run as root, since
 * Postgres refuses root), Redis as a second `redis-server` without persistence. Each stops by
 * the PID it started and removes its temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../support/heimdall-process.ts';

export interface OwnPostgres {
  /** postgres://…/postgres on the cluster's own server. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: clients are disconnected) and keeps its data: an outage. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and data. */
  resume(): Promise<void>;
  /** Stops the server (immediate) and removes its data directory. */
  stop(): Promise<void>;
}

export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0)
    throw new Error(`no Postgres under ${root}: install postgresql to run test/cluster`);
  return join(root, versions[0]!, 'bin', name);
}

/** uid/gid to run Postgres as: ourselves, or `postgres` when we are root. */
function pgUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

function run(cmd: string, args: string[], user: { uid: number; gid: number } | undefined): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...(user ?? {}), timeout: 60_000 });
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-cluster-pg-'));
  const user = pgUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  run(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], user);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  run(pgBin('pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'], user);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    halt: () => Promise.resolve(run(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], user)),
    resume: () =>
      Promise.resolve(
        run(pgBin('pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'], user),
      ),
    async stop() {
      spawnSync(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], {
        ...(user ?? {}),
        timeout: 30_000,
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A query pool on the cluster's Postgres that survives an outage (a lone client dies with the
 * server, and its unhandled 'error' would end the test worker).
 */
export function sqlPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined); // an idle connection cut by a halt; the next query reconnects
  return pool;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused until redis-server listens: connect() below says so
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (i > 100 || child.exitCode !== null)
        throw new Error(`redis-server on ${port} did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  probe.disconnect();
  return {
    url,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
