/** Self time per function from V8 `.cpuprofile` files (written by `node --cpu-prof`). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Share of the busy (non-idle) time of the thread, in %. */
  share: number;
  ms: number;
}

/** V8's pseudo-frames for a thread with nothing to run. */
const idle = new Set(['(idle)', '(program)']);

/** Where a frame comes from, short: `gateway/upstream/pool.js:41` (paths below dist/ or node_modules/). */
export function frameName(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const path = frame.url.replace(/^file:\/\//, '');
  const short = /(?:\/dist\/|\/node_modules\/)(.*)$/.exec(path)?.[1] ?? path.replace(/^node:/, 'node:');
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

/** Self time grouped by source file (`gateway/upstream/pool.js`), node internals and V8 pseudo-frames by name. */
export function fileOf(name: string): string {
  const at = name.lastIndexOf(' ');
  if (at < 0) return name;
  return name.slice(at + 1).replace(/:\d+$/, '');
}

/** The functions with the most self time (time spent in their own code), busiest first. */
export function topSelfTime(
  profile: CpuProfile,
  limit: number,
): { busyMs: number; top: SelfTime[]; topFiles: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const micros = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || idle.has(node.callFrame.functionName)) return;
    const name = frameName(node.callFrame);
    micros.set(name, (micros.get(name) ?? 0) + delta);
    busy += delta;
  });
  const top = [...micros.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? (100 * us) / busy : 0 }));
  const files = new Map<string, number>();
  for (const [name, us] of micros) files.set(fileOf(name), (files.get(fileOf(name)) ?? 0) + us);
  const topFiles = [...files.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? (100 * us) / busy : 0 }));
  return { busyMs: busy / 1000, top, topFiles };
}
