/**
 * Instructions per request, for A/B comparisons of builds that this VM's noise cannot blur:
 * `npx tsx test/bench/instructions.ts [plain|governance|strict] [--stream] [--rounds=4]
 * [--requests=4000] [--warmup=15] [--root=DIR]...`. `--stream` sends the streamed request (SSE,
 * include_usage) to the mock's SSE answer instead of the JSON one.
 *
 * Why: on a shared 2-core VM, req/s and even CPU µs per request (profile.ts, profile-stream.ts)
 * move by ±10 % between runs minutes apart, more than most single changes are worth. Instructions
 * executed vary less: usually within ~3 % between fresh processes of one build, at times ~7–9 %
 * (JIT decisions differ from process to process), so compare medians of 4 rounds or more.
 *
 * How: each Heimdall runs as `npm start` runs it, under valgrind's callgrind with instrumentation
 * off, against the bench's nginx mock. After a warm-up (wrk, 4 connections, `--warmup` seconds:
 * the code is optimised by then) instrumentation is switched on for exactly `--requests`
 * sequential requests over one connection, then off, and the instructions executed by every thread
 * of the process (user space only: no kernel time, no cache misses) are divided by that count.
 * Rounds run every root in turn; compare the medians. A round in which a major GC or a
 * deoptimisation fell inside the window stands out by 20 % or more: the median ignores it.
 * `--root` (repeatable) names a directory holding a built `dist/` with a `node_modules` reachable
 * from it, run with the node flags of its own package.json `start` script; default: this
 * checkout, rebuilt first when stale.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import type { Scenario } from './config.ts';
import { chatRequest, streamRequest } from './fixtures.ts';
import { heimdallNodeFlags } from './launch.ts';
import { canPin, killAllChildren, pin } from './processes.ts';
import { median } from './rounds.ts';
import { startHeimdall, startMock, type Cores, type Target } from './targets.ts';
import { ensureTools } from './tools.ts';
import { runWrk } from './wrk.ts';

const checkout = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '4' },
    requests: { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '15' },
    root: { type: 'string', multiple: true },
    stream: { type: 'boolean', default: false },
  },
});
const scenario = (positionals[0] ?? 'plain') as Scenario;
if (!['plain', 'governance', 'strict'].includes(scenario)) {
  console.error('scenario must be plain, governance or strict');
  process.exit(2);
}
const roots = args.root?.map((dir) => resolve(dir)) ?? [checkout];
const requests = Number(args.requests);
const requestBody = JSON.stringify(args.stream ? streamRequest : chatRequest);
const cores: Cores =
  canPin && availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: undefined, target: undefined };
const workDir = mkdtempSync(join(tmpdir(), 'heimdall-instructions-'));
process.on('exit', killAllChildren);

/** Sum of the `totals:` lines of every callgrind dump in `dir` (one per dump, and one at exit). */
function instructionsIn(dir: string): number {
  let total = 0;
  for (const file of readdirSync(dir)) {
    const match = /^totals: (\d+)$/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (match) total += Number(match[1]);
  }
  return total;
}

/** `count` requests one after another over one kept-alive connection; each must answer 200. */
async function sequentialRequests(target: Target, body: string, count: number): Promise<void> {
  const dispatcher = new Agent({ connections: 1 });
  try {
    for (let i = 0; i < count; i++) {
      const { statusCode, body: answer } = await request(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
        dispatcher,
      });
      const text = await answer.text();
      if (statusCode !== 200) throw new Error(`${target.name}: request ${i} answered ${statusCode}: ${text}`);
      if (args.stream && !text.trimEnd().endsWith('data: [DONE]'))
        throw new Error(`${target.name}: stream ${i} did not end with [DONE]: ${text.slice(-200)}`);
    }
  } finally {
    await dispatcher.close();
  }
}

/** Sends a command to a running callgrind; it answers `OK` per process it reached. */
function callgrindControl(...argv: string[]): void {
  // vgdb names its pipes after the user and the HOST variable; Heimdall runs with HOST=127.0.0.1.
  const env = { ...process.env, HOST: '127.0.0.1' };
  const answer = execFileSync('callgrind_control', argv, { encoding: 'utf8', env, stdio: 'pipe' });
  if (!answer.includes('OK')) throw new Error(`callgrind_control ${argv.join(' ')}: ${answer.trim()}`);
}

async function instructionsPerRequest(root: string, tag: string, upstream: string, bodyFile: string) {
  const outDir = join(workDir, `callgrind-${tag}`);
  mkdirSync(outDir);
  const heimdall = await startHeimdall(
    {
      root,
      // Each root's own start flags: an A/B of a V8 flag change is a pair of roots.
      nodeFlags: heimdallNodeFlags(join(root, 'package.json')),
      workDir,
      cores,
      wrapper: {
        program: 'valgrind',
        args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(outDir, 'out')}`],
        healthTimeoutMs: 300_000,
      },
    },
    scenario,
    upstream,
    tag,
  );
  const pid = String(heimdall.child!.process.pid);
  const load = { ...heimdall, bodyFile, cpu: cores.load };
  await runWrk({ ...load, connections: 4, seconds: Number(args.warmup) });
  callgrindControl('-i', 'on', pid);
  await sequentialRequests(heimdall, requestBody, requests);
  callgrindControl('-i', 'off', pid);
  callgrindControl('-d', pid);
  await heimdall.child!.stop();
  return instructionsIn(outDir) / requests;
}

async function main(): Promise<void> {
  ensureTools({ valgrind: 'valgrind' });
  if (!args.root)
    execFileSync(process.execPath, [join(checkout, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (cores.load !== undefined) pin(process.pid, cores.load);
  const bodyFile = join(workDir, 'chat.json');
  writeFileSync(bodyFile, requestBody);
  const mock = await startMock(workDir, cores);
  const upstream = `http://127.0.0.1:${args.stream ? mock.ssePort : mock.jsonPort}`;
  const perRoot = new Map<string, number[]>(roots.map((root) => [root, []]));
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const [index, root] of roots.entries()) {
      const perRequest = await instructionsPerRequest(root, `r${round}i${index}`, upstream, bodyFile);
      perRoot.get(root)!.push(perRequest);
      console.log(`round ${round + 1}, ${root}: ${Math.round(perRequest)} instructions per request`);
    }
  }
  await mock.child.stop();
  console.log(
    `\n${scenario}${args.stream ? ', streamed' : ''}: instructions per request (${requests} sequential requests per round)`,
  );
  console.log('root | median | rounds');
  for (const [root, values] of perRoot)
    console.log(`${root} | ${Math.round(median(values))} | ${values.map((v) => Math.round(v)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
