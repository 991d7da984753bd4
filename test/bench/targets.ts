/**
 * The processes under test and the mock they call, each started pinned: nginx on the load core
 * (with wrk), the bare proxy and every Heimdall on the target core (only the one under load is
 * busy). Heimdall runs as `npm start` runs it: `node <flags of the start script> dist/api/main.js`,
 * SQLite in a fresh data directory, no DATABASE_URL/REDIS_URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { benchVirtualKey, heimdallConfig, type Scenario } from './config.ts';
import { nginxConfig, type MockPorts } from './nginx-mock.ts';
import {
  freePort,
  startNode,
  startProcess,
  waitForHealth,
  waitForReadyLine,
  type Child,
} from './processes.ts';

export interface Cores {
  load: number | undefined;
  target: number | undefined;
}

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  child: Child | undefined;
  /** Spawn to first `/health` 200 (Heimdall). */
  coldStartMs?: number;
  /** Heimdall's data directory (SQLite file), for the ledger check. */
  dataDir?: string;
  origin?: string;
}

export async function startMock(workDir: string, cores: Cores): Promise<{ child: Child } & MockPorts> {
  const ports = { jsonPort: await freePort(), ssePort: await freePort() };
  const prefix = join(workDir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig(ports));
  const child = startProcess('nginx mock', 'nginx', ['-p', `${prefix}/`, '-c', 'nginx.conf'], {
    cpu: cores.load,
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const { statusCode, body } = await request(`http://127.0.0.1:${ports.jsonPort}/health`);
      await body.dump();
      if (statusCode === 200) return { child, ...ports };
    } catch {
      // not listening yet
    }
    if (child.process.exitCode !== null || Date.now() > deadline)
      throw new Error(`nginx mock did not start:\n${child.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bareProxyFile = fileURLToPath(new URL('bare-proxy.mjs', import.meta.url));

export async function startBareProxy(name: string, upstream: string, cores: Cores): Promise<Target> {
  const child = startNode(name, [bareProxyFile, upstream], { cpu: cores.target });
  const port = await waitForReadyLine(child);
  return { name, url: `http://127.0.0.1:${port}/v1/chat/completions`, headers: {}, child };
}

export interface HeimdallLaunch {
  root: string;
  nodeFlags: string[];
  workDir: string;
  cores: Cores;
  /** A program Heimdall's `node` runs under (valgrind, for instructions.ts), and its slower start. */
  wrapper?: { program: string; args: string[]; healthTimeoutMs: number };
}

export const scenarioNames: Record<Scenario, string> = {
  plain: 'heimdall',
  governance: 'heimdall governed',
  strict: 'heimdall strict',
};

export async function startHeimdall(
  launch: HeimdallLaunch,
  scenario: Scenario,
  upstream: string,
  tag: string,
): Promise<Target> {
  const name = `${scenarioNames[scenario]}${tag ? ` ${tag}` : ''}`;
  const slug = `${scenario}${tag ? `-${tag.replace(/\W/g, '')}` : ''}`;
  const configFile = join(launch.workDir, `config-${slug}.json`);
  writeFileSync(configFile, JSON.stringify(heimdallConfig(scenario, upstream), null, 2));
  const port = await freePort();
  const dataDir = join(launch.workDir, `data-${slug}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    HEIMDALL_CONFIG: configFile,
    HEIMDALL_DATA_DIR: dataDir,
    HEIMDALL_ENCRYPTION_KEY: 'bench-key',
    LOG_LEVEL: 'warn',
    // No load balancer to wait for: stop at once, flushing usage and logs (the ledger check and
    // --cpu-prof both need a clean exit, not the SIGKILL that ends a stop taking too long).
    HEIMDALL_SHUTDOWN_DELAY_SECONDS: '0',
  };
  delete env.DATABASE_URL; // the default one-process SQLite deployment
  delete env.REDIS_URL;
  const started = performance.now();
  const nodeArgs = [...launch.nodeFlags, join(launch.root, 'dist/api/main.js')];
  const options = { cpu: launch.cores.target, env, cwd: launch.root };
  const wrapper = launch.wrapper;
  const child = wrapper
    ? startProcess(name, wrapper.program, [...wrapper.args, process.execPath, ...nodeArgs], options)
    : startNode(name, nodeArgs, options);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(child, origin, wrapper?.healthTimeoutMs);
  const coldStartMs = performance.now() - started;
  const headers: Record<string, string> = scenario === 'plain' ? {} : { 'x-bf-vk': benchVirtualKey };
  return { name, url: `${origin}/v1/chat/completions`, headers, child, coldStartMs, dataDir, origin };
}
