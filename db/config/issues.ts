/** Config validation problems, each naming the exact path and what would fix it. */
import type { z } from 'zod';

export interface ConfigIssue {
  /** Dotted path with list indices, e.g. `providers.openai.keys[1].weight`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly issues: ConfigIssue[],
    readonly source = 'config',
  ) {
    super(`${source} is invalid:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Shows the offending value without ever echoing a long or secret-looking string in full. */
function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string')
    return input.length > 40 ? `a string of ${input.length} characters` : JSON.stringify(input);
  if (Array.isArray(input)) return 'a list';
  if (input === null) return 'null';
  if (typeof input === 'object') return 'an object';
  return String(input);
}

export function fromZodIssues(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  path: PropertyKey[] = [],
): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const fullPath = [...path, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      if (best.length > 0) return fromZodIssues(best, fullPath);
    }
    if (issue.code === 'unrecognized_keys') {
      return [{ path: formatPath(fullPath), message: `unknown field(s) ${issue.keys.join(', ')}` }];
    }
    const got = 'input' in issue ? `, got ${describeInput(issue.input)}` : '';
    return [{ path: formatPath(fullPath), message: `${issue.message}${got}` }];
  });
}
