/**
 * Where `heimdall login` keeps tokens: `$XDG_CONFIG_HOME/heimdall/credentials.json` (else
 * `~/.config/heimdall/…`), one token per endpoint plus the endpoint last logged in to. The file
 * is created with mode 0600 in a 0700 directory, and re-restricted on every write.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredLogin {
  token: string;
  username?: string;
  expiresAt?: string;
}

export interface Credentials {
  current?: string;
  endpoints: Record<string, StoredLogin>;
}

export function credentialsPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'heimdall', 'credentials.json');
}

export function readCredentials(path: string): Credentials {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Credentials>;
    return { ...parsed, endpoints: parsed.endpoints ?? {} };
  } catch {
    return { endpoints: {} };
  }
}

export function writeCredentials(path: string, credentials: Credentials): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file.
  chmodSync(path, 0o600);
}
