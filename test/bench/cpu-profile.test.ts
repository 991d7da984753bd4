/** Self time per function and per file from a V8 CPU profile, idle time left out. */
import { describe, expect, it } from 'vitest';
import { frameName, topSelfTime, type CpuProfile } from './cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('finishJson', 'file:///srv/heimdall/dist/gateway/engine/finish-json.js', 38) },
    { id: 4, callFrame: frame('spliceUsage', 'file:///srv/heimdall/dist/gateway/engine/finish-json.js', 8) },
    { id: 5, callFrame: frame('writev') },
  ],
  // 1 ms idle, then 3 ms finishJson, 1 ms spliceUsage, 4 ms writev
  samples: [2, 3, 3, 3, 4, 5, 5, 5, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('bench CPU profile summary', () => {
  it('names frames by function and path below dist/, 1-based line', () => {
    expect(frameName(profile.nodes[2]!.callFrame)).toBe('finishJson gateway/engine/finish-json.js:39');
    expect(frameName(frame(''))).toBe('(anonymous)');
  });

  it('ranks self time as a share of busy time, idle excluded, and groups it by file', () => {
    const { busyMs, top, topFiles } = topSelfTime(profile, 2);
    expect(busyMs).toBe(8);
    expect(top).toEqual([
      { name: 'writev', ms: 4, share: 50 },
      { name: 'finishJson gateway/engine/finish-json.js:39', ms: 3, share: 37.5 },
    ]);
    expect(topFiles).toContainEqual({ name: 'gateway/engine/finish-json.js', ms: 4, share: 50 });
    expect(topFiles).toContainEqual({ name: 'writev', ms: 4, share: 50 });
  });
});
