/**
 * The SQLite database and the generated encryption key hold every provider secret (encrypted)
 * and every token hash, so only the user Heimdall runs as may read them. Directories are created
 * 0700 and files 0600. Existing files with group or other access are ours and are tightened
 * (with a warning). Existing directories are only warned about: one may be a shared mount
 * point, or /tmp, that is not ours to change.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

export type Warn = (message: string) => void;

/** Group and other permission bits. */
const SHARED = 0o077;
/** Windows has no POSIX modes; chmod there only toggles read-only. */
const POSIX = process.platform !== 'win32';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/** Creates `dir` (and missing parents) 0700; warns when an existing one is open to others. */
export function ensurePrivateDir(dir: string, warn: Warn): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return;
  }
  const { mode } = statSync(dir);
  if (POSIX && (mode & SHARED) !== 0) {
    warn(
      `${dir} is accessible to other users (mode ${octal(mode)}); it holds Heimdall's database or encryption key: run \`chmod 700 ${dir}\``,
    );
  }
}

/** Narrows an existing file to 0600 when others may access it; a missing file is left missing. */
export function tightenFile(file: string, warn: Warn): void {
  if (!POSIX || !existsSync(file)) return;
  const { mode } = statSync(file);
  if ((mode & SHARED) === 0) return;
  try {
    chmodSync(file, 0o600);
    warn(`${file} was accessible to other users (mode ${octal(mode)}); changed it to 0600`);
  } catch (error) {
    warn(
      `${file} is accessible to other users (mode ${octal(mode)}) and could not be changed (${(error as Error).message}): run \`chmod 600 ${file}\``,
    );
  }
}

/** Creates `file` empty with mode 0600 if missing, else tightens it (see tightenFile). */
export function ensurePrivateFile(file: string, warn: Warn): void {
  try {
    // 'wx' creates only: an existing file (maybe another process's) is never truncated.
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    tightenFile(file, warn);
  }
}
