/**
 * `import { createHeimdallClient } from 'heimdall/client'` works as a package user writes it:
 * package.json `exports` resolves to the SDK as scripts/build.mjs compiles it, and its declarations; and the committed
 * generated operations match clients/sdk/operations.graphql and the schema.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sdkOperationsText } from '../../codegen.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

describe('heimdall/client', () => {
  it('clients/sdk/generated/operations.ts matches its operations and the schema (`npm run codegen`)', async () => {
    expect(read('clients/sdk/generated/operations.ts')).toBe(
      await sdkOperationsText(read('clients/sdk/operations.graphql')),
    );
  });

  it('imports nothing a browser lacks (no node: modules, no ws)', () => {
    const dir = `${root}clients/sdk`;
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const file of files) {
      const imports = [...read(`clients/sdk/${file}`).matchAll(/(?:from|import) '([^']+)'/g)].map(
        (m) => m[1]!,
      );
      expect(
        imports.filter((name) => name.startsWith('node:') || name === 'ws'),
        file,
      ).toEqual([]);
    }
  });

  it('resolves by self-reference to the SDK as the build emits it, with declarations', async () => {
    // The package as installed, holding only what this needs: package.json (its `exports`), the
    // SDK compiled the way scripts/build.mjs compiles it, and the dependencies.
    const pkg = mkdtempSync(join(tmpdir(), 'heimdall-pkg-'));
    try {
      const manifest = JSON.parse(read('package.json')) as { exports: Record<string, { types: string }> };
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, scripts: {} }));
      symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const sdkConfig = join(root, 'tsconfig.sdk.json');
      const outDir = join(pkg, 'dist');
      await run(process.execPath, [
        tsc,
        '-p',
        sdkConfig,
        '--noCheck',
        '--outDir',
        outDir,
        '--emitDeclarationOnly',
        'false',
      ]);
      const probe =
        "const m = await import('heimdall/client');" +
        "const c = m.createHeimdallClient({ endpoint: 'http://127.0.0.1:9' });" +
        'console.log(JSON.stringify([typeof m.createHeimdallClient, c.endpoint, c.connectionState]));';
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: pkg });
      expect(JSON.parse(stdout)).toEqual([
        'function',
        { http: 'http://127.0.0.1:9/graphql', ws: 'ws://127.0.0.1:9/graphql' },
        'idle',
      ]);
      const types = manifest.exports['./client']!.types;
      expect(readFileSync(join(pkg, types), 'utf8')).toContain('createHeimdallClient');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);
});
