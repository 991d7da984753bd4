/**
 * gateway/'s layer order (gateway/README.md, "Layout") is a lint rule; this proves it fires on an
 * upward import, type-only included, and lets the justified type-only arrows from core/ pass.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: ROOT });

async function layerMessages(folder: string, code: string): Promise<string[]> {
  const probe = join(ROOT, 'gateway', folder, `layer-probe-${process.pid}.ts`);
  writeFileSync(probe, code);
  try {
    const [result] = await eslint.lintFiles([probe]);
    return (result?.messages ?? [])
      .filter((m) => m.ruleId === 'import/no-restricted-paths')
      .map((m) => m.message);
  } finally {
    rmSync(probe, { force: true });
  }
}

describe('gateway layers', () => {
  it('refuses an upward import, type-only included', async () => {
    expect(
      await layerMessages(
        'core',
        "import type { EngineDeps } from '../engine/attempt.ts';\nexport type X = EngineDeps;\n",
      ),
    ).toEqual([expect.stringContaining('gateway/core is below gateway/engine')]);
    expect(
      await layerMessages(
        'engine',
        "import { serveInference } from '../http/serve.ts';\nexport const x = serveInference;\n",
      ),
    ).toEqual([expect.stringContaining('gateway/engine is below gateway/http')]);
  });

  it('lets a layer import the layers below it, and core name the machinery it holds', async () => {
    expect(
      await layerMessages(
        'http',
        "import { execute } from '../engine/execute.ts';\nexport const x = execute;\n",
      ),
    ).toEqual([]);
    expect(
      await layerMessages(
        'core',
        "import type { Limiter } from '../upstream/limiter.ts';\nexport type X = Limiter;\n",
      ),
    ).toEqual([]);
  });
});
