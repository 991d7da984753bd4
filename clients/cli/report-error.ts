/**
 * Errors as `file:line:column: path: message` when the server's validation names a path in the
 * file (mapped back through the YAML nodes), else one plain line; `--output json` gets the same
 * as an object on stdout. Secrets never appear: the server's messages carry none, and this adds
 * only paths and positions.
 */
import { HeimdallError } from '../sdk/index.ts';
import type { ConfigFile } from './document.ts';
import { FileError } from './document.ts';
import type { CliIo } from './io.ts';

interface Located {
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  message: string;
}

type Detail = {
  __typename?: string;
  issues?: Array<{ path: string; message: string }>;
  path?: string;
  summary?: string;
  line?: number | null;
  column?: number | null;
};

function at(file: ConfigFile | undefined, path: string, message: string, within?: Detail): Located {
  if (!file || !path) return { path, message };
  const position = file.locate(path);
  const missing =
    position.found !== path
      ? ` (${path.slice(position.found.length).replace(/^\./, '')} is not in the file)`
      : '';
  // A CEL error's line and column count within the expression.
  const line = position.line + (within?.line ? within.line - 1 : 0);
  const column =
    within?.line && within.line > 1
      ? (within.column ?? 1)
      : position.column + (within?.column ? within.column - 1 : 0);
  return { file: file.name, line, column, path, message: `${message}${missing}` };
}

const AUTH_HINT = 'log in with `heimdall login`, or pass --token / set HEIMDALL_TOKEN';

function describe(error: unknown, file: ConfigFile | undefined): { code: string; problems: Located[] } {
  if (error instanceof FileError) return { code: 'FILE', problems: [{ message: error.message }] };
  if (!(error instanceof HeimdallError))
    return { code: 'ERROR', problems: [{ message: (error as Error).message ?? String(error) }] };
  const detail = (error.detail ?? {}) as Detail;
  if (error.kind === 'result' && detail.issues)
    return {
      code: error.codes[0] ?? 'INVALID',
      problems: detail.issues.map((issue) => at(file, issue.path, issue.message)),
    };
  if (error.kind === 'result' && detail.__typename === 'CelExpressionError')
    return {
      code: error.codes[0] ?? 'CEL',
      problems: [at(file, detail.path ?? '', detail.summary ?? error.message, detail)],
    };
  const code = error.codes[0] ?? error.kind.toUpperCase();
  const hint =
    code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'WS_4403' ? ` (${AUTH_HINT})` : '';
  return { code, problems: [{ message: `${error.message}${hint}` }] };
}

const line = (p: Located) =>
  p.file
    ? `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`
    : p.path
      ? `${p.path}: ${p.message}`
      : p.message;

export function reportError(error: unknown, io: CliIo, json: boolean, file: ConfigFile | undefined): void {
  const { code, problems } = describe(error, file);
  if (json) {
    io.stdout.write(`${JSON.stringify({ error: { code, problems } }, null, 2)}\n`);
    return;
  }
  for (const problem of problems) io.stderr.write(`Error: ${line(problem)}\n`);
}
