/**
 * `npm run bench [-- --rounds=3 --duration=10 --warmup=3 --sse-requests=30]`
 *
 * Measures what Heimdall costs on one CPU core, from outside, with a harness that is not the
 * bottleneck: wrk (C, Lua script) as the load generator and nginx (C) as the mock OpenAI upstream,
 * both pinned to CPU 0; the target alone on CPU 1. Targets: `direct` (wrk → nginx, the harness's
 * own ceiling), the bare proxy (node:http + undici pool.stream, the ceiling of any Node gateway),
 * and Heimdall as `npm start` runs it — pass-through, governed with a soft budget (virtual key,
 * budget, rate limit, CEL rule, request logging) and governed with a strict budget.
 *
 * Rounds are interleaved (every target once per round: warm-up, 64 connections, 1 connection),
 * and each round's req/s is paired with the bare proxy's of the same round; the median of those
 * ratios is the figure to quote. Every phase prints how busy each core was (/proc/stat); a phase
 * whose load core is above 80 % is flagged harness-bound. Then streaming (SSE, 16 connections,
 * and the time to the first event one request at a time), agent-sized requests (a ~370 KB body,
 * 8 connections: req/s and CPU µs per request), the GraphQL document-bomb figure, the
 * dashboard's first load, and the ledger check: for each governed Heimdall the request logs'
 * costs, the budget counter and the ledger must agree, or the run fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkCompletion, checkRefusesWithoutKey, checkStream } from './checks.ts';
import type { Scenario } from './config.ts';
import {
  busyPercent,
  harnessBoundPercent,
  isHarnessBound,
  isStarved,
  readProcStat,
  starvedPercent,
} from './cpu.ts';
import { dashboardTools, measureDashboard } from './dashboard.ts';
import { measureDocumentBomb } from './document-bomb.ts';
import { agentRequest, chatRequest, streamRequest } from './fixtures.ts';
import { heimdallNodeFlags } from './launch.ts';
import { ledgerSettledMicros, reconcileSpend, settledApiSpend } from './ledger.ts';
import { canPin, cpuSeconds, killAllChildren, pin, rssMiB } from './processes.ts';
import { formatRows, machineFacts, rowFailed, table, type Row } from './report.ts';
import { medianRow, noisyShare, proxyRatios, proxyShare, roundRatios } from './rounds.ts';
import { startBareProxy, startHeimdall, startMock, type Cores, type Target } from './targets.ts';
import { ensureTools } from './tools.ts';
import { runWrk, type PhaseResult } from './wrk.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'sse-requests': { type: 'string', default: '30' },
  },
});
const rounds = Number(args.rounds);
const seconds = Math.round(Number(args.duration));
const warmupSeconds = Math.round(Number(args.warmup));
const sseRequests = Number(args['sse-requests']);
if (![rounds, seconds, sseRequests].every((n) => Number.isInteger(n) && n >= 1) || !(warmupSeconds >= 0)) {
  console.error('--rounds, --duration (s) and --sse-requests must be whole numbers ≥ 1, --warmup ≥ 0');
  process.exit(2);
}
const connections = 64;
const streamConnections = 16;
/** Agent-sized requests take ~1 ms of a core each: a few connections keep a target busy. */
const agentConnections = 8;
/**
 * Their own warm-up is longer: a Heimdall warmed on small bodies still compiles for large ones for
 * ~10 s (deoptimisations and re-optimisations seen with --trace-deopt until ~20 s of agent load).
 * After 25 s of small-body load, governed Heimdall's agent req/s in 3 s slices rose ~6-8 % from
 * the first 9 s to the next 15 s (two runs, ad hoc), so a 3 s warm-up measured it still compiling.
 */
const agentWarmupSeconds = warmupSeconds > 0 ? Math.max(warmupSeconds, 12) : 0;

const cores: Cores =
  canPin && availableParallelism() >= 2 ? { load: 0, target: 1 } : { load: undefined, target: undefined };
const pinning =
  cores.load === undefined
    ? 'NONE (needs Linux, taskset and 2+ CPUs): figures are not comparable with pinned runs'
    : `wrk + nginx mock + this script on CPU ${cores.load}; the target alone on CPU ${cores.target}`;

const workDir = mkdtempSync(join(tmpdir(), 'heimdall-bench-'));
process.on('exit', () => {
  killAllChildren();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const bodyFile = join(workDir, 'chat.json');
const streamBodyFile = join(workDir, 'stream.json');
const agentBodyFile = join(workDir, 'agent.json');

interface Measured {
  result: PhaseResult;
  targetCpu: number | undefined;
  loadCpu: number | undefined;
  /** The target process's own CPU, % of one core. */
  processCpu: number | undefined;
}

/** One wrk phase with the busy % of both cores meanwhile, printed as one line. */
async function phase(
  label: string,
  target: Target,
  conns: number,
  secs: number,
  body: string,
): Promise<Measured> {
  const before = readProcStat();
  const pid = target.child?.process.pid;
  const ownBefore = cpuSeconds(pid);
  const started = performance.now();
  const result = await runWrk({
    url: target.url,
    headers: target.headers,
    bodyFile: body,
    connections: conns,
    seconds: secs,
    cpu: cores.load,
  });
  const after = readProcStat();
  const ownAfter = cpuSeconds(pid);
  // The target's own share of a core: on a shared machine the core can be busy with others' work.
  const processCpu =
    ownBefore === undefined || ownAfter === undefined
      ? undefined
      : (100 * (ownAfter - ownBefore) * 1000) / (performance.now() - started);
  const own = processCpu === undefined ? '' : `, target process ${processCpu.toFixed(0)}%`;
  const loadCpu = cores.load === undefined ? undefined : busyPercent(before, after, cores.load);
  const targetCpu = cores.target === undefined ? undefined : busyPercent(before, after, cores.target);
  const busy = (cpu: number | undefined, value: number | undefined) =>
    cpu === undefined ? '' : ` cpu${cpu} ${value?.toFixed(0) ?? '?'}%`;
  console.log(
    `  ${label.padEnd(34)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50.toFixed(3)} ms  ` +
      `p99 ${result.p99.toFixed(3)} ms  failed ${result.failed}  ${(result.bytesPerRequest ?? 0).toFixed(0)} B/resp |` +
      `${busy(cores.load, loadCpu)} (load)${busy(cores.target, targetCpu)} (target core${own})` +
      `${isHarnessBound(loadCpu) ? `  HARNESS-BOUND (load core > ${harnessBoundPercent}%)` : ''}` +
      // At one connection a target waits for each response: only loaded phases should saturate it.
      `${conns > 1 && isStarved(processCpu) ? `  STARVED (target process < ${starvedPercent}% of a core)` : ''}`,
  );
  return { result, targetCpu, loadCpu, processCpu };
}

/** A warm-up of `warmup` seconds on `body`, then the measured phase. */
async function warmedPhase(
  label: string,
  target: Target,
  conns: number,
  body: string,
  warmup = warmupSeconds,
): Promise<Measured> {
  if (warmup > 0)
    await runWrk({ ...target, bodyFile: body, connections: conns, seconds: warmup, cpu: cores.load });
  return phase(label, target, conns, seconds, body);
}

/** `target core / load core` busy %, flagged when the harness was the limit. */
function coresCell(targetCpu: number | undefined, loadCpu: number | undefined): string {
  const busy = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(0)}%`);
  return `${busy(targetCpu)} / ${busy(loadCpu)}${isHarnessBound(loadCpu) ? ' HARNESS' : ''}`;
}

async function interleave(targets: Target[]): Promise<Row[][]> {
  const perRound: Row[][] = [];
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}`);
    const rows: Row[] = [];
    for (const target of targets) {
      if (warmupSeconds > 0)
        await runWrk({ ...target, bodyFile, connections, seconds: warmupSeconds, cpu: cores.load });
      const at64 = await phase(`${target.name} c=${connections}`, target, connections, seconds, bodyFile);
      const at1 = await phase(`${target.name} c=1`, target, 1, seconds, bodyFile);
      rows.push({
        name: target.name,
        at64: at64.result,
        at1: at1.result,
        ...(at64.targetCpu !== undefined ? { cpuAt64: at64.targetCpu } : {}),
        ...(at64.loadCpu !== undefined ? { loadCpuAt64: at64.loadCpu } : {}),
        ...(isHarnessBound(at64.loadCpu) ? { harnessBound: true } : {}),
        ...(at64.processCpu !== undefined ? { processCpuAt64: at64.processCpu } : {}),
        ...(isStarved(at64.processCpu) ? { starved: true } : {}),
      });
    }
    perRound.push(rows);
  }
  return perRound;
}

interface AgentRow {
  name: string;
  rps: number;
  /** CPU µs of the target process per request (its own CPU time over the requests served). */
  cpuMicros: number | undefined;
  p50: number;
  failed: number;
  cpu: string;
}

/** One round of agent-sized requests per target: what a large body costs, not the fixed cost. */
async function agentSized(targets: Target[]): Promise<AgentRow[]> {
  const rows: AgentRow[] = [];
  for (const target of targets) {
    const { result, processCpu, targetCpu, loadCpu } = await warmedPhase(
      `${target.name} agent c=${agentConnections}`,
      target,
      agentConnections,
      agentBodyFile,
      agentWarmupSeconds,
    );
    rows.push({
      name: target.name,
      rps: result.requestsPerSecond,
      cpuMicros:
        processCpu === undefined || result.requestsPerSecond === 0
          ? undefined
          : (processCpu / 100) * (1e6 / result.requestsPerSecond),
      p50: result.p50,
      failed: result.failed,
      cpu: coresCell(targetCpu, loadCpu),
    });
  }
  return rows;
}

interface StreamRow {
  name: string;
  rps: string;
  p50: string;
  p99: string;
  firstEvent: string;
  total: string;
  cpu: string;
}

async function stream(target: Target): Promise<StreamRow> {
  const timing = await checkStream(target, sseRequests);
  const { result, targetCpu, loadCpu } = await warmedPhase(
    `${target.name} c=${streamConnections}`,
    target,
    streamConnections,
    streamBodyFile,
  );
  return {
    name: target.name,
    rps: result.requestsPerSecond.toFixed(0),
    p50: result.p50.toFixed(3),
    p99: result.p99.toFixed(3),
    firstEvent: timing.firstEvent.toFixed(3),
    total: timing.total.toFixed(3),
    cpu: coresCell(targetCpu, loadCpu),
  };
}

async function main(): Promise<number> {
  ensureTools(dashboardTools);
  writeFileSync(bodyFile, JSON.stringify(chatRequest));
  writeFileSync(streamBodyFile, JSON.stringify(streamRequest));
  const agentBody = JSON.stringify(agentRequest());
  writeFileSync(agentBodyFile, agentBody);
  const agentSize = `${(Buffer.byteLength(agentBody) / 1024).toFixed(0)} KiB`;
  // As `npm start` does (prestart): the compiled build, as of the current sources.
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  console.log(
    machineFacts(
      pinning,
      `${rounds} interleaved rounds × every target: ${warmupSeconds} s warm-up, ${seconds} s at ${connections} connections, ${seconds} s at 1; then SSE`,
    ),
  );
  if (cores.load !== undefined) pin(process.pid, cores.load);
  const launch = { root, nodeFlags: heimdallNodeFlags(join(root, 'package.json')), workDir, cores };

  const mock = await startMock(workDir, cores);
  const upstream = `http://127.0.0.1:${mock.jsonPort}`;
  const sseUpstream = `http://127.0.0.1:${mock.ssePort}`;
  const direct: Target = {
    name: 'direct',
    url: `${upstream}/v1/chat/completions`,
    headers: {},
    child: undefined,
  };
  const bare = await startBareProxy('bare proxy', upstream, cores);
  const scenarios: Scenario[] = ['plain', 'governance', 'strict'];
  const heimdalls: Target[] = [];
  for (const scenario of scenarios) heimdalls.push(await startHeimdall(launch, scenario, upstream, ''));
  const targets = [direct, bare, ...heimdalls];
  for (const target of targets) await checkCompletion(target);
  for (const target of heimdalls.slice(1)) await checkRefusesWithoutKey(target);
  console.log(
    'checked: every target answers the mock completion; the governed ones refuse a request without key',
  );

  const perRound = await interleave(targets);
  const rss = new Map(targets.map((t) => [t.name, rssMiB(t.child?.process.pid)]));

  console.log(`agent-sized requests: a ${agentSize} body, ${agentConnections} connections`);
  const agentRows = await agentSized([bare, ...heimdalls]);

  console.log(
    `streaming: ${sseRequests} sequential requests (complete stream checked, first event timed), then wrk`,
  );
  const sseTargets: Target[] = [
    { ...direct, name: 'direct (SSE)', url: `${sseUpstream}/v1/chat/completions` },
    await startBareProxy('bare proxy (SSE)', sseUpstream, cores),
    await startHeimdall(launch, 'plain', sseUpstream, '(SSE)'),
    await startHeimdall(launch, 'governance', sseUpstream, '(SSE)'),
  ];
  const streamRows: StreamRow[] = [];
  for (const target of sseTargets) streamRows.push(await stream(target));

  const extras: string[] = [];
  extras.push(await measureDocumentBomb(heimdalls[0]!.origin!));
  extras.push(await measureDashboard(root, heimdalls[0]!.origin!));

  // The money check, for every governed Heimdall (streamed requests are priced too).
  const governed = [...heimdalls.slice(1), sseTargets[3]!];
  let reconciled = true;
  for (const target of governed) {
    const api = await settledApiSpend(target.origin!);
    await target.child!.stop();
    const verdict = reconcileSpend(api, ledgerSettledMicros(target.dataDir!));
    reconciled &&= verdict.ok;
    extras.push(`ledger, ${target.name}: ${verdict.line}`);
  }
  for (const target of [...targets, ...sseTargets]) await target.child?.stop();
  await mock.child.stop();

  const rows = targets.map((target, index): Row => {
    const row = medianRow(perRound.map((paired) => paired[index]!));
    const ratios = target === direct ? [] : proxyRatios(perRound, bare.name, target.name);
    const share = proxyShare(ratios);
    const memory = rss.get(target.name);
    return {
      ...row,
      ...(share !== undefined ? { ofProxy: share } : {}),
      ...(noisyShare(ratios) ? { noisy: true } : {}),
      ...(target.coldStartMs !== undefined ? { coldStartMs: target.coldStartMs } : {}),
      ...(memory !== undefined ? { rssMiB: memory } : {}),
    };
  });
  console.log(`\n${formatRows(rows, direct.name, bare.name)}`);
  const paired = perRound.map((round) => round.filter((row) => row.name !== direct.name));
  console.log(
    `\nper-round pairs (req/s@64 as % of the bare proxy's in the same round):\n${roundRatios(paired, bare.name).join('\n')}`,
  );
  console.log(
    `\nstreaming (SSE; the mock sends the whole stream in one write, so per-chunk costs are under-measured);\n` +
      `first event and total: medians of ${sseRequests} sequential requests on one connection, ms\n` +
      table(
        ['target', `req/s@${streamConnections}`, 'p50', 'p99', 'first event', 'total', 'cpuT / cpuL'],
        streamRows.map((r) => [r.name, r.rps, r.p50, r.p99, r.firstEvent, r.total, r.cpu]),
      ),
  );
  const bareAgent = agentRows.find((row) => row.name === bare.name);
  console.log(
    `\nagent-sized requests (${agentSize} body: 40 messages, ${agentConnections} connections, one ${seconds} s run each after ${agentWarmupSeconds} s of warm-up;\n` +
      `cpu µs/req = the target process's CPU time per request served)\n` +
      table(
        ['target', `req/s@${agentConnections}`, '×bare', 'cpu µs/req', 'p50', 'failed', 'cpuT / cpuL'],
        agentRows.map((r) => [
          r.name,
          r.rps.toFixed(0),
          bareAgent && r !== bareAgent && bareAgent.rps > 0 ? (r.rps / bareAgent.rps).toFixed(3) : '-',
          r.cpuMicros === undefined ? '-' : r.cpuMicros.toFixed(0),
          r.p50.toFixed(3),
          String(r.failed),
          r.cpu,
        ]),
      ),
  );
  console.log(`\n${extras.join('\n')}`);
  const broken = rows.filter(rowFailed).map((r) => r.name);
  if (broken.length > 0)
    console.error(`\nFAILED: ${broken.join(', ')} (not measured, or more than 1% failed responses)`);
  if (!reconciled)
    console.error('\nFAILED: the governed spend does not reconcile (request logs, budget counter, ledger)');
  return broken.length > 0 || !reconciled ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
