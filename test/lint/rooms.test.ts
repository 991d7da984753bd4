/**
 * The room rules of ARCHITECTURE.md are lint rules; this proves they fire, so a config change
 * cannot silently switch them off.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: ROOT });

/** Lints a probe file written into the room (import/no-cycle needs a real file on disk). */
async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const probe = join(ROOT, dirname(filePath), `lint-probe-${process.pid}.ts`);
  writeFileSync(probe, code);
  try {
    const [result] = await eslint.lintFiles([probe]);
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  } finally {
    rmSync(probe, { force: true });
  }
}

describe('room import rules', () => {
  it('refuses gateway/ importing db/, schema/ or api/', async () => {
    for (const room of ['db/index.ts', 'api/start.ts', 'db/config/load.ts']) {
      const messages = await ruleIds(
        'gateway/example.ts',
        `import * as x from '../${room}';\nexport const y = x;\n`,
      );
      expect(messages.some((m) => m.startsWith('import/no-restricted-paths'))).toBe(true);
    }
  });

  it('lets gateway/ import the contract and the ControlPlaneClient interface, not the transports, SDK or CLI', async () => {
    const restricted = async (target: string) =>
      (
        await ruleIds(
          'gateway/example.ts',
          `import * as x from '../clients/${target}';\nexport const y = x;\n`,
        )
      ).some((m) => m.startsWith('import/no-restricted-paths'));
    expect(await restricted('remote-control-plane.ts')).toBe(true);
    expect(await restricted('sdk/index.ts')).toBe(true);
    expect(await restricted('control-plane.ts')).toBe(false);
    expect(await restricted('contract/snapshot.ts')).toBe(false);
  });

  it('refuses drizzle-orm outside db/ and undici outside gateway/upstream/', async () => {
    expect(
      await ruleIds('api/example.ts', "import { sql } from 'drizzle-orm';\nexport const y = sql;\n"),
    ).toEqual([expect.stringContaining('drizzle-orm lives only in db/')]);
    expect(
      await ruleIds('gateway/http/example.ts', "import { Pool } from 'undici';\nexport const y = Pool;\n"),
    ).toEqual([expect.stringContaining('undici is used only under gateway/upstream/')]);
    expect(
      await ruleIds(
        'gateway/upstream/example.ts',
        "import { Pool } from 'undici';\nexport const y = Pool;\n",
      ),
    ).toEqual([]);
  });

  it('refuses global fetch in gateway/ and db/ importing other rooms', async () => {
    expect(await ruleIds('gateway/example.ts', 'export const y = fetch;\n')).toEqual([
      expect.stringContaining('no-restricted-globals'),
    ]);
    const messages = await ruleIds(
      'db/example.ts',
      "import * as x from '../clients/remote-control-plane.ts';\nexport const y = x;\n",
    );
    expect(messages.some((m) => m.startsWith('import/no-restricted-paths'))).toBe(true);
  });

  it('lets every room import clients/contract/, which imports only its own files', async () => {
    for (const room of ['db', 'schema', 'gateway', 'api']) {
      expect(
        await ruleIds(
          `${room}/example.ts`,
          "import type { GatewaySnapshot } from '../clients/contract/snapshot.ts';\nexport type Y = GatewaySnapshot;\n",
        ),
      ).toEqual([]);
    }
    for (const outside of ['node:crypto', 'graphql-ws', '../control-plane.ts', '../../db/index.ts']) {
      expect(
        await ruleIds(
          'clients/contract/example.ts',
          `import * as x from '${outside}';\nexport const y = x;\n`,
        ),
      ).toContainEqual(expect.stringContaining('clients/contract/ imports only its own files'));
    }
    expect(
      await ruleIds(
        'clients/contract/example.ts',
        "import { parseWindow } from './windows.ts';\nexport const y = parseWindow;\n",
      ),
    ).toEqual([]);
  });

  it('lets schema/ and api/ import db/ only through db/index.ts', async () => {
    const deep: Array<[file: string, path: string]> = [
      ['schema/types/example.ts', '../../db/repositories/budgets.ts'],
      ['schema/example.ts', '../db/config/model.ts'],
      ['api/example.ts', '../db/live/config.ts'],
      ['api/counters/example.ts', '../../db/config-mapping/budget.ts'],
    ];
    for (const [file, path] of deep) {
      expect(await ruleIds(file, `import * as x from '${path}';\nexport const y = x;\n`)).toContainEqual(
        expect.stringContaining('only through db/index.ts'),
      );
    }
    expect(
      await ruleIds(
        'schema/types/example.ts',
        "import type { Database } from '../../db/index.ts';\nexport type Y = Database;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        'api/counters/example.ts',
        "import * as x from '../../db/index.ts';\nexport const y = x;\n",
      ),
    ).toEqual([]);
  });
});
