/**
 * `npm run bench [-- --scenario=plain|governance|all] [--duration=12] [--warmup=6] [--rounds=6] [--entry=dist/api/main.js,api/main.ts]`
 *
 * Measures, on loopback: a mock OpenAI upstream hit directly, a thin node:http + undici proxy in
 * front of it (the Node ceiling), and Heimdall in front of it — plain (governance and request
 * logging off) and/or with governance on (virtual key, budget, rate limit, routing rule, logging).
 * Each scenario runs once per `--entry` (comma-separated): by default the compiled build
 * (`dist/api/main.js`, built first when stale, as `npm start` does) and the sources through tsx,
 * side by side, each with its cold start (spawn to first `/health` 200) and RSS after warm-up.
 *
 * Interleaved slices: the thin proxy and every Heimdall scenario are started once and stay up;
 * each target's `--duration` seconds (per connection count) are cut into `--rounds` slices, and
 * the slices alternate target by target (thin, plain, governed, thin, plain, governed, …). On a
 * shared VM the machine's own speed drifts by tens of percent over tens of seconds; slices a few
 * seconds apart see the same machine, so each round's ratio to the thin proxy is a fair pairing
 * and the table's "% of thin proxy" is the median of those per-round ratios (rounds.ts).
 * Figures are reported, not asserted; the exit code is non-zero only when a target could not be
 * measured or more than 1% of its responses failed.
 *
 * CPU pinning (Linux with taskset): the load generator (this process) owns CPU 0 and the targets
 * own CPU 1 (only the one under load is busy). With 3+ CPUs the mock upstream gets CPU 2; with 2
 * CPUs it shares CPU 0 with the load generator while it is the upstream, and moves to CPU 1 while
 * it is itself the target. Proxy and Heimdall are thus measured under identical conditions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { benchVirtualKey, heimdallConfig, type Scenario } from './config.ts';
import { measureDocumentBomb } from './document-bomb.ts';
import { requestBody, runPhase, type Target } from './load.ts';
import {
  canPin,
  cpuSeconds,
  freePort,
  killAllChildren,
  pin,
  rssMiB,
  startNode,
  waitForHealth,
  waitForReadyLine,
  type Child,
} from './processes.ts';
import { formatRows, machineFacts, rowFailed, type Row } from './report.ts';
import { heimdallNodeFlags, launchArgs } from './launch.ts';
import { medianRow, proxyShare, roundRatios } from './rounds.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    duration: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '6' },
    entry: { type: 'string', default: 'dist/api/main.js,api/main.ts' },
  },
});
const scenarios: Scenario[] =
  args.scenario === 'all'
    ? ['plain', 'governance']
    : args.scenario === 'plain' || args.scenario === 'governance'
      ? [args.scenario]
      : [];
if (scenarios.length === 0) {
  console.error(`--scenario must be plain, governance or all (got "${args.scenario}")`);
  process.exit(2);
}
const seconds = Number(args.duration);
const warmupSeconds = Number(args.warmup);
const rounds = Number(args.rounds);
if (!(seconds > 0) || !(warmupSeconds >= 0) || !Number.isInteger(rounds) || rounds < 1) {
  console.error(
    '--duration must be a positive number of seconds, --warmup a non-negative one, --rounds a whole number ≥ 1',
  );
  process.exit(2);
}
const heimdallEntries = args.entry
  .split(',')
  .map((entry) => entry.trim())
  .filter(Boolean)
  .map((entry) => resolve(root, entry));
/** The package.json above an entry (the repository root, for dist/api/main.js too). */
function packageJsonOf(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && !dir.endsWith(`${sep}dist`)) return candidate;
  }
  throw new Error(`no package.json above ${entry}`);
}
/** As `npm start` runs it (package.json), whichever tree the entry comes from; the thin proxy too. */
const heimdallFlags = heimdallNodeFlags(packageJsonOf(heimdallEntries[0] ?? join(root, 'api/main.ts')));
/** "compiled" or "tsx", for the row names. */
const buildOf = (entry: string): string => (entry.endsWith('.ts') ? 'tsx' : 'compiled');

const cores = availableParallelism();
const cpu = canPin && cores >= 2 ? { load: 0, target: 1, mock: cores >= 3 ? 2 : 0 } : undefined;
const pinning = cpu
  ? `load generator on CPU ${cpu.load}, target alone on CPU ${cpu.target}, mock upstream on CPU ${cpu.mock} (CPU ${cores >= 3 ? cpu.mock : cpu.target} when it is the target)`
  : 'none (needs Linux, taskset and 2+ CPUs)';

const workDir = mkdtempSync(join(tmpdir(), 'heimdall-bench-'));
const cleanUp = (): void => {
  killAllChildren();
  rmSync(workDir, { recursive: true, force: true });
};
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const tsx = (file: string, ...rest: string[]): string[] => ['--import', 'tsx', join(here, file), ...rest];

async function post(target: Target): Promise<{ status: number; text: string }> {
  const { statusCode, body } = await request(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: requestBody,
  });
  return { status: statusCode, text: await body.text() };
}

/** One request first, so a misconfigured target fails with its own error message, not a statistic. */
async function check(target: Target): Promise<void> {
  const { status, text } = await post(target);
  if (status !== 200) throw new Error(`expected 200, got ${status}: ${text.slice(0, 300)}`);
}

/** A target that stays up for the whole run, with where its load is sent. */
interface Running {
  target: Target;
  pid: number | undefined;
  /** Spawn to first `/health` 200, for Heimdall targets. */
  coldStartMs?: number;
  /** Resident set size after the warm-up rounds. */
  rssMiB?: number;
  /** Checked after the slices (e.g. governance really refused a request without a key). */
  verify?: () => Promise<string | undefined>;
}

/** One slice at 64 connections, with the CPU the target used meanwhile (% of one core). */
async function slice64(running: Running, seconds: number): Promise<Pick<Row, 'at64' | 'cpuAt64'>> {
  const cpuBefore = cpuSeconds(running.pid);
  const started = performance.now();
  const at64 = await runPhase(running.target, 64, seconds);
  const cpuAfter = cpuSeconds(running.pid);
  const elapsed = (performance.now() - started) / 1000;
  return cpuBefore === undefined || cpuAfter === undefined
    ? { at64 }
    : { at64, cpuAt64: (100 * (cpuAfter - cpuBefore)) / elapsed };
}

/** The direct row: the mock alone, measured once before the interleaved targets. */
async function measureDirect(target: Target, pid: number | undefined): Promise<Row> {
  process.stdout.write(
    `${target.name}: warm-up ${warmupSeconds} s, then ${seconds} s @64 and ${seconds} s @1 …`,
  );
  if (warmupSeconds > 0) await runPhase(target, 64, warmupSeconds);
  const { at64, cpuAt64 } = await slice64({ target, pid }, seconds);
  const at1 = await runPhase(target, 1, seconds);
  process.stdout.write(' done\n');
  return { name: target.name, ...(at64 ? { at64 } : {}), at1, ...(cpuAt64 !== undefined ? { cpuAt64 } : {}) };
}

async function startHeimdall(
  scenario: Scenario,
  upstream: string,
  heimdallEntry: string,
): Promise<{ child: Child; origin: string; coldStartMs: number }> {
  if (!existsSync(heimdallEntry)) {
    throw new Error(`${heimdallEntry} does not exist: Heimdall's composition root is needed to bench it`);
  }
  const tag = `${scenario}-${buildOf(heimdallEntry)}`;
  const configFile = join(workDir, `config-${tag}.json`);
  writeFileSync(configFile, JSON.stringify(heimdallConfig(scenario, upstream), null, 2));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HEIMDALL_CONFIG: configFile,
    HEIMDALL_DATA_DIR: join(workDir, `data-${tag}`),
    HEIMDALL_ENCRYPTION_KEY: 'bench-key',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  delete env.DATABASE_URL; // the bench measures the default one-process SQLite deployment
  delete env.REDIS_URL;
  const started = performance.now();
  const child = startNode(`heimdall (${tag})`, launchArgs(heimdallFlags, heimdallEntry), {
    cpu: cpu?.target,
    env,
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(child, origin);
  return { child, origin, coldStartMs: performance.now() - started };
}

/** Starts one Heimdall scenario and checks it answers; an error row when it cannot be measured. */
async function runningHeimdall(
  scenario: Scenario,
  upstream: string,
  heimdallEntry: string,
  children: Child[],
): Promise<Running | Row> {
  const name = `${scenario === 'plain' ? 'heimdall' : 'heimdall+governance'} [${buildOf(heimdallEntry)}]`;
  try {
    const { child, origin, coldStartMs } = await startHeimdall(scenario, upstream, heimdallEntry);
    children.push(child);
    const url = `${origin}/v1/chat/completions`;
    const headers: Record<string, string> = scenario === 'governance' ? { 'x-bf-vk': benchVirtualKey } : {};
    const target = { name, url, headers };
    await check(target);
    // Without the virtual key the request must be refused, or the row did not measure governance.
    const verify =
      scenario === 'plain'
        ? undefined
        : async () => {
            const { status } = await post({ ...target, headers: {} });
            return status === 401
              ? undefined
              : `governance not in force? No virtual key got ${status}, not 401`;
          };
    return { target, pid: child.process.pid, coldStartMs, ...(verify ? { verify } : {}) };
  } catch (error) {
    const message = (error as Error).message;
    console.error(`\n${name}: ${message}`);
    return { name, error: message.split('\n')[0] ?? message };
  }
}

/**
 * Every target's slices, alternating target by target within each round; the @1 latency slices
 * follow the same pattern. Returns one row per round per target, in `targets` order.
 */
async function interleave(targets: readonly Running[]): Promise<Row[][]> {
  const slice = seconds / rounds;
  // Warm-up interleaved the same way and discarded. Warming each target once up front left the
  // first measured round 20-40 points low for both Heimdall scenarios, even after 15 s of
  // warm-up: they had then sat idle through the other targets' warm-ups (a longer idle gap than
  // any round has), and a process that idles is slower for a while after.
  const warmupRounds = Math.ceil(warmupSeconds / slice);
  for (let round = 1; round <= warmupRounds; round++) {
    process.stdout.write(`warm-up round ${round} of ${warmupRounds}: ${slice.toFixed(1)} s @64 per target\n`);
    for (const running of targets) await runPhase(running.target, 64, slice);
  }
  for (const running of targets) {
    const rss = rssMiB(running.pid);
    if (rss !== undefined) running.rssMiB = rss;
  }
  const perRound: Row[][] = [];
  for (let round = 1; round <= rounds; round++) {
    process.stdout.write(`round ${round} of ${rounds}: ${slice.toFixed(1)} s @64 per target …`);
    const rows: Row[] = [];
    for (const running of targets)
      rows.push({ name: running.target.name, ...(await slice64(running, slice)) });
    perRound.push(rows);
    process.stdout.write(' done\n');
  }
  for (let round = 0; round < rounds; round++) {
    process.stdout.write(`round ${round + 1} of ${rounds}: ${slice.toFixed(1)} s @1 per target …`);
    for (const [index, running] of targets.entries())
      perRound[round]![index]!.at1 = await runPhase(running.target, 1, slice);
    process.stdout.write(' done\n');
  }
  return perRound;
}

async function main(): Promise<number> {
  console.log(
    machineFacts(
      pinning,
      `${seconds} s per target and connection count, in ${rounds} interleaved slices of ${(seconds / rounds).toFixed(1)} s`,
    ),
  );
  if (cpu) pin(process.pid, cpu.load);
  const rows: Row[] = [];

  const mock = startNode('mock upstream', tsx('mock-upstream.ts'), { cpu: cpu?.mock });
  const upstream = `http://127.0.0.1:${await waitForReadyLine(mock)}`;
  const direct: Target = { name: 'direct (mock)', url: `${upstream}/v1/chat/completions`, headers: {} };
  await check(direct);
  if (cpu && cores < 3) pin(mock.process.pid!, cpu.target);
  rows.push(await measureDirect(direct, mock.process.pid));
  if (cpu && cores < 3) pin(mock.process.pid!, cpu.mock);

  // The Node ceiling gets Heimdall's node flags too: a GC setting is not Heimdall's own merit.
  const proxy = startNode('thin proxy', [...heimdallFlags, ...tsx('thin-proxy.ts', upstream)], {
    cpu: cpu?.target,
  });
  const children: Child[] = [proxy];
  const thin: Target = {
    name: 'thin proxy',
    url: `http://127.0.0.1:${await waitForReadyLine(proxy)}/v1/chat/completions`,
    headers: {},
  };
  await check(thin);
  const targets: Running[] = [{ target: thin, pid: proxy.process.pid }];
  const unmeasured: Row[] = [];
  if (heimdallEntries.some((entry) => !entry.endsWith('.ts'))) {
    // As `npm start` does: the compiled build is measured as of the current sources.
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  }
  for (const scenario of scenarios) {
    for (const entry of heimdallEntries) {
      const started = await runningHeimdall(scenario, upstream, entry, children);
      if ('target' in started) targets.push(started);
      else unmeasured.push(started);
    }
  }

  const perRound = await interleave(targets);
  const notes = await Promise.all(targets.map((t) => t.verify?.() ?? Promise.resolve(undefined)));
  const heimdall = targets.find((t) => t.target !== thin);
  const bombLine = heimdall ? await measureDocumentBomb(new URL(heimdall.target.url).origin) : undefined;
  await Promise.all(children.map((child) => child.stop()));
  await mock.stop();
  targets.forEach((running, index) => {
    const row = medianRow(perRound.map((paired) => paired[index]!));
    const share = proxyShare(perRound, thin.name, running.target.name);
    const note = notes[index];
    rows.push({
      ...row,
      ...(share !== undefined ? { ofProxy: share } : {}),
      ...(running.coldStartMs !== undefined ? { coldStartMs: running.coldStartMs } : {}),
      ...(running.rssMiB !== undefined ? { rssMiB: running.rssMiB } : {}),
      ...(note ? { note } : {}),
    });
  });
  rows.push(...unmeasured);

  console.log(`\n${formatRows(rows, direct.name, thin.name)}`);
  console.log(
    `\nmedians of ${rounds} interleaved rounds (%proxy: median of the per-round ratios);\n${roundRatios(perRound, thin.name).join('\n')}`,
  );
  if (bombLine) console.log(`\n${bombLine}`);
  const broken = rows.filter(rowFailed).map((r) => r.name);
  if (broken.length > 0)
    console.error(`\nFAILED: ${broken.join(', ')} (not measured, or more than 1% failed responses)`);
  return broken.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
