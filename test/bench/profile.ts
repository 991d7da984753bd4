/**
 * CPU profiles of Heimdall under load: `npx tsx test/bench/profile.ts [plain|governance|strict]
 * [--seconds=20] [--top=30]`. Same harness as the bench (wrk + nginx on CPU 0, Heimdall from
 * dist/ on CPU 1, as `npm start` runs it plus `--cpu-prof`); prints the functions with the most
 * self time for every thread (the serving thread, the SQLite writer thread) and keeps the
 * .cpuprofile files (open them in Chrome DevTools or speedscope for flame graphs).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkCompletion } from './checks.ts';
import type { Scenario } from './config.ts';
import { topSelfTime, type CpuProfile } from './cpu-profile.ts';
import { chatRequest } from './fixtures.ts';
import { heimdallNodeFlags } from './launch.ts';
import { canPin, killAllChildren, pin } from './processes.ts';
import { startHeimdall, startMock, type Cores } from './targets.ts';
import { ensureTools } from './tools.ts';
import { runWrk } from './wrk.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '20' }, top: { type: 'string', default: '30' } },
});
const scenario = (positionals[0] ?? 'plain') as Scenario;
if (!['plain', 'governance', 'strict'].includes(scenario)) {
  console.error('scenario must be plain, governance or strict');
  process.exit(2);
}
const cores: Cores =
  canPin && availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: undefined, target: undefined };
const workDir = mkdtempSync(join(tmpdir(), 'heimdall-profile-'));
const profileDir = join(workDir, 'profiles');
process.on('exit', killAllChildren);

/** Clock ticks per second of /proc's CPU counters (USER_HZ: 100 on every Linux build that matters). */
const USER_HZ = 100;

/** User + system CPU time in µs from a /proc stat file (a process's, all threads, or one thread's). */
function statCpuMicros(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces): state is field
  // 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  return (ticks * 1e6) / USER_HZ;
}

function processCpuMicros(pid: number): number {
  return statCpuMicros(`/proc/${pid}/stat`);
}

/**
 * CPU µs of each thread of the process, by thread id. The CPU profiler samples by wall clock, so
 * a thread's share there includes time it waited (an fsync, or the serving thread preempted by the
 * writer thread it just woke on the same core — which shows as `postMessage`); these counters
 * are what each thread really ran.
 */
function threadCpuMicros(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, statCpuMicros(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}

async function main(): Promise<void> {
  ensureTools();
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (cores.load !== undefined) pin(process.pid, cores.load);
  mkdirSync(profileDir);
  const bodyFile = join(workDir, 'chat.json');
  writeFileSync(bodyFile, JSON.stringify(chatRequest));
  const mock = await startMock(workDir, cores);
  const nodeFlags = [
    ...heimdallNodeFlags(join(root, 'package.json')),
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
  ];
  const heimdall = await startHeimdall(
    { root, nodeFlags, workDir, cores },
    scenario,
    `http://127.0.0.1:${mock.jsonPort}`,
    '',
  );
  await checkCompletion(heimdall);
  const load = { ...heimdall, bodyFile, connections: 64, cpu: cores.load };
  await runWrk({ ...load, seconds: 3 });
  const pid = heimdall.child!.process.pid!;
  const cpuBefore = processCpuMicros(pid);
  const threadsBefore = threadCpuMicros(pid);
  const result = await runWrk({ ...load, seconds: Number(args.seconds) });
  const cpuMicros = processCpuMicros(pid) - cpuBefore;
  const threadsAfter = threadCpuMicros(pid);
  console.log(
    `${heimdall.name}: ${result.requestsPerSecond.toFixed(0)} req/s at 64 connections while profiling`,
  );
  // req/s moves with whatever else runs on the machine; CPU per request much less so.
  console.log(
    `${heimdall.name}: ${(cpuMicros / Math.max(1, result.total)).toFixed(1)} CPU µs per request ` +
      `(all threads, profiler included; ${result.total} requests, ${(cpuMicros / 1e6).toFixed(2)} CPU s)`,
  );
  const perRequest = (micros: number): string => (micros / Math.max(1, result.total)).toFixed(1);
  const busiest = [...threadsAfter]
    .map(([tid, after]) => ({ tid, micros: after - (threadsBefore.get(tid) ?? 0) }))
    .filter((thread) => thread.micros > 0)
    .sort((a, b) => b.micros - a.micros);
  console.log(
    `by thread (CPU µs per request; the first is the serving thread, then the SQLite writer, GC and ` +
      `libuv helpers): ${busiest.map((thread) => `${thread.tid === String(pid) ? 'main' : thread.tid} ${perRequest(thread.micros)}`).join(', ')}`,
  );
  await heimdall.child!.stop();
  await mock.child.stop();
  for (const file of readdirSync(profileDir).sort()) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    const { busyMs, top, topFiles } = topSelfTime(profile, Number(args.top));
    console.log(`\n${file}: ${(busyMs / 1000).toFixed(1)} s busy; self time, % of busy, by function:`);
    for (const entry of top) console.log(`  ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}`);
    console.log('by file:');
    for (const entry of topFiles) console.log(`  ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}`);
  }
  console.log(`\nprofiles kept in ${profileDir}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
