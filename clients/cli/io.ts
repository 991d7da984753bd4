/**
 * What a CLI run reads and writes, injectable so tests run commands in-process. Colours only
 * when stdout is a terminal and NO_COLOR is unset; `--output json` never colours.
 */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Reads one line (a prompt answer); undefined when stdin is closed. */
  readLine(prompt: string, options?: { secret?: boolean }): Promise<string | undefined>;
  /** Everything on stdin (for `--password-stdin`). */
  readAll(): Promise<string>;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface Paint {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const code = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export function paintFor(io: CliIo, json: boolean): Paint {
  const on = !json && io.stdout.isTTY === true && !io.env.NO_COLOR;
  return on
    ? { green: code(32, 39), yellow: code(33, 39), red: code(31, 39), bold: code(1, 22), dim: code(2, 22) }
    : { green: plain, yellow: plain, red: plain, bold: plain, dim: plain };
}

/** Exit codes, as `terraform plan -detailed-exitcode`: 0 nothing to do, 2 changes, 1 error. */
export const EXIT = { ok: 0, error: 1, changes: 2 } as const;
