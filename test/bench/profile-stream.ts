/**
 * The streaming (SSE) path under load: `npx tsx test/bench/profile-stream.ts [plain|governance]
 * [--seconds=10] [--rounds=2] [--root=DIR]... [--profile] [--top=30]`. Same harness as profile.ts
 * and the bench (wrk + nginx on CPU 0, the target alone on CPU 1, 16 connections, the mock's fixed
 * SSE body), the bare proxy included as the ceiling. Each round runs every target in turn
 * (interleaved), and reports req/s, the target's CPU µs per request (user + system from /proc:
 * steadier under the noise of other processes on the machine than req/s) and the median time to
 * the first event of sequential requests, on the fresh process (as the bench times it) and warm.
 *
 * `--root` (repeatable) names a directory holding a built `dist/` (and a `node_modules` reachable
 * from it): A/B comparisons of two builds of the same tree, run interleaved. Default: this
 * checkout, rebuilt first when stale. `--profile` adds `--cpu-prof` to Heimdall and prints the top
 * self time per function and file of each run (profiling costs CPU: compare runs of one kind).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkStream } from './checks.ts';
import type { Scenario } from './config.ts';
import { topSelfTime, type CpuProfile } from './cpu-profile.ts';
import { streamRequest } from './fixtures.ts';
import { heimdallNodeFlags } from './launch.ts';
import { canPin, cpuSeconds, killAllChildren, pin } from './processes.ts';
import { startBareProxy, startHeimdall, startMock, type Cores, type Target } from './targets.ts';
import { ensureTools } from './tools.ts';
import { runWrk } from './wrk.ts';

const checkout = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    root: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    top: { type: 'string', default: '30' },
  },
});
const scenario = (positionals[0] ?? 'plain') as Scenario;
if (!['plain', 'governance'].includes(scenario)) {
  console.error('scenario must be plain or governance');
  process.exit(2);
}
const roots = args.root?.map((dir) => resolve(dir)) ?? [checkout];
const connections = 16;
const cores: Cores =
  canPin && availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: undefined, target: undefined };
const workDir = mkdtempSync(join(tmpdir(), 'heimdall-profile-stream-'));
process.on('exit', killAllChildren);

interface Run {
  name: string;
  rps: number;
  cpuMicrosPerRequest: number;
  firstEventMs: number;
  warmFirstEventMs: number;
  /** Non-2xx answers and socket errors (timeouts included) during the measured phase. */
  failed: number;
}

async function measure(target: Target, bodyFile: string): Promise<Run> {
  const timing = await checkStream(target, 30);
  const load = { ...target, bodyFile, connections, cpu: cores.load };
  await runWrk({ ...load, seconds: 2 });
  const pid = target.child?.process.pid;
  const before = cpuSeconds(pid) ?? Number.NaN;
  const result = await runWrk({ ...load, seconds: Number(args.seconds) });
  const used = (cpuSeconds(pid) ?? Number.NaN) - before;
  // Once more when warm: the first check runs on a fresh process, its code not yet optimised.
  const warm = await checkStream(target, 100);
  // Reported, not fatal: on a starved machine wrk's 5 s timeout counts as a failure.
  return {
    failed: result.failed,
    name: target.name,
    rps: result.requestsPerSecond,
    cpuMicrosPerRequest: (used * 1e6) / result.total,
    firstEventMs: timing.firstEvent,
    warmFirstEventMs: warm.firstEvent,
  };
}

function printProfiles(dir: string): void {
  for (const file of readdirSync(dir).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const { busyMs, top, topFiles } = topSelfTime(profile, Number(args.top));
    console.log(`\n${file}: ${(busyMs / 1000).toFixed(1)} s busy; self time, % of busy, by function:`);
    for (const entry of top) console.log(`  ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}`);
    console.log('by file:');
    for (const entry of topFiles) console.log(`  ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}`);
  }
}

async function runHeimdall(root: string, round: number, sse: string, bodyFile: string): Promise<Run> {
  const profileDir = join(workDir, `profiles-${round}-${roots.indexOf(root)}`);
  mkdirSync(profileDir);
  const nodeFlags = [
    ...heimdallNodeFlags(join(checkout, 'package.json')),
    ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
  const heimdall = await startHeimdall({ root, nodeFlags, workDir, cores }, scenario, sse, `r${round}`);
  const run = await measure({ ...heimdall, name: root }, bodyFile);
  await heimdall.child!.stop();
  if (args.profile) printProfiles(profileDir);
  return run;
}

async function main(): Promise<void> {
  ensureTools();
  if (!args.root)
    execFileSync(process.execPath, [join(checkout, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (cores.load !== undefined) pin(process.pid, cores.load);
  const bodyFile = join(workDir, 'stream.json');
  writeFileSync(bodyFile, JSON.stringify(streamRequest));
  const mock = await startMock(workDir, cores);
  const sse = `http://127.0.0.1:${mock.ssePort}`;
  const runs: Run[] = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    const bare = await startBareProxy('bare proxy', sse, cores);
    runs.push(await measure(bare, bodyFile));
    await bare.child!.stop();
    for (const root of roots) runs.push(await runHeimdall(root, round, sse, bodyFile));
  }
  await mock.child.stop();
  console.log(`\n${scenario}, SSE, ${connections} connections, ${args.seconds} s per run`);
  console.log('target | req/s | CPU µs/request | first event ms (cold, warm) | failed');
  for (const run of runs)
    console.log(
      `${run.name} | ${run.rps.toFixed(0)} | ${run.cpuMicrosPerRequest.toFixed(1)} | ${run.firstEventMs.toFixed(3)}, ${run.warmFirstEventMs.toFixed(3)} | ${run.failed}`,
    );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
