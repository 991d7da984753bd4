/** Runs the CLI in-process with captured output, a scripted stdin and its own config dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../clients/cli/io.ts';
import { run } from '../../clients/cli/run.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Lines typed at prompts, in order. */
  answers?: string[];
  stdin?: string;
  tty?: boolean;
}

export function scratchDir(prefix = 'heimdall-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function cli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const answers = [...(options.answers ?? [])];
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (stderr += text) },
    readLine: async (prompt) => {
      stdout += prompt;
      return answers.shift();
    },
    readAll: async () => options.stdin ?? '',
    stdinIsTTY: options.tty ?? false,
    env: options.env ?? { XDG_CONFIG_HOME: scratchDir() },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
