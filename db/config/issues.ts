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

/** A field named like a credential: `value`, `password`, `encryption_key`, `session_token`… */
const SECRET_NAME = /(?:^|_)(?:value|password|passphrase|secret|token|key|credentials)$/i;
/** Sections whose every field may hold a credential or a header carrying one. */
const SECRET_SECTION = /^(?:extra_headers|auth_config|proxy_config|config_store|logs_store|.+_key_config)$/;

/**
 * Whether a value at this path may be a secret, so that a message about it must not show it: a
 * credential-named field, anything inside a credential-bearing section, or a key entry (and the
 * `keys` list) given as a string instead of an object.
 */
export function mayHoldSecret(path: ReadonlyArray<PropertyKey>): boolean {
  const names = path.filter((part): part is string => typeof part === 'string');
  return names.some((name) => SECRET_NAME.test(name) || SECRET_SECTION.test(name)) || names.at(-1) === 'keys';
}

/** Shows the offending value without ever echoing a secret, or a long string in full. */
function describeInput(input: unknown, secret: boolean): string {
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (input === null) return 'null';
  if (typeof input === 'object') return 'an object';
  // The kind, never the content: a credential typed into the wrong shape must not reach a log.
  if (secret)
    return `${typeof input === 'string' ? 'a string' : `a ${typeof input}`} (not shown: it may be a secret)`;
  if (typeof input === 'string')
    return input.length > 40 ? `a string of ${input.length} characters` : JSON.stringify(input);
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
    const got = 'input' in issue ? `, got ${describeInput(issue.input, mayHoldSecret(fullPath))}` : '';
    return [{ path: formatPath(fullPath), message: `${issue.message}${got}` }];
  });
}
