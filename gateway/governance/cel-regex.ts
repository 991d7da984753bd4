/**
 * CEL's `string.matches(pattern)` with RE2 semantics, as the CEL spec requires. cel-js runs
 * `matches()` on JavaScript's backtracking RegExp, where `^(a+)+$` against 30 characters of a
 * tenant's header freezes the event loop for seconds. Here every `x.matches(p)` call in a parsed
 * expression is renamed to `x.re2Matches(p)`, a function backed by re2js (a pure-JS port of
 * RE2: linear time, no lookaround or backreferences). cel-js offers no way to replace a built-in
 * overload (its declarations are frozen), hence the rename on the AST, before type-checking.
 *
 * Evaluation is bounded too: each request has a budget of characters that `matches()` may scan
 * (input plus pattern), a pattern is at most MAX_PATTERN_CHARS, and comprehension macros may not
 * nest (which would make a rule quadratic in the size of a list in the request body). Going over
 * the budget is an evaluation error, and a rule whose evaluation fails does not match.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';

/** Characters `matches()` may scan (inputs and patterns) while routing one request. */
export const MATCH_BUDGET_CHARS = 1_048_576;
/** Longest regular expression `matches()` accepts, literal or computed. */
export const MAX_PATTERN_CHARS = 1_000;
/** Compiled patterns remembered (literals repeat on every request; computed ones may not). */
const PATTERN_CACHE_LIMIT = 1_000;

const RE2_FUNCTION = 're2Matches';
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

const compiled = new Map<string, RE2JS>();
let remaining = MATCH_BUDGET_CHARS;

/** Starts a request's budget; rule evaluation is synchronous, so one counter serves all. */
export function resetMatchBudget(): void {
  remaining = MATCH_BUDGET_CHARS;
}

/** Compiles with RE2 syntax; throws a message naming the problem. */
function compile(pattern: string): RE2JS {
  const known = compiled.get(pattern);
  if (known !== undefined) return known;
  if (pattern.length > MAX_PATTERN_CHARS)
    throw new Error(`matches(): pattern longer than ${MAX_PATTERN_CHARS} characters`);
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`matches(): invalid RE2 pattern: ${(error as Error).message}`);
  }
  if (compiled.size >= PATTERN_CACHE_LIMIT) compiled.clear();
  compiled.set(pattern, regex);
  return regex;
}

function re2Matches(input: string, pattern: string): boolean {
  remaining -= input.length + pattern.length;
  if (remaining < 0)
    throw new Error(`matches(): more than ${MATCH_BUDGET_CHARS} characters scanned for one request`);
  // CEL's matches() is RE2's PartialMatch: the pattern may match anywhere unless anchored.
  return compile(pattern).test(input);
}

/** Declares `string.re2Matches(string): bool` on the routing environment. */
export function registerRe2Matches(env: Environment): void {
  env.registerFunction(`string.${RE2_FUNCTION}(string): bool`, re2Matches);
}

/** The slice of cel-js's AST node this module reads (stable across cel-js 8.x). */
interface AstNode {
  op: string;
  args: unknown;
  start?: number;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string';
}

export interface RegexProblem {
  message: string;
  position: number;
}

/**
 * Renames every `.matches(p)` call to the RE2 function and reports the first problem found
 * while doing so: a literal pattern RE2 refuses, or a comprehension nested in another.
 */
export function useRe2(root: unknown): RegexProblem | undefined {
  let problem: RegexProblem | undefined;
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth);
      return;
    }
    if (!isNode(value)) {
      for (const item of Object.values(value)) visit(item, depth);
      return;
    }
    if (value.op === 'value' || value.op === 'id') return;
    if (value.op === 'rcall' && Array.isArray(value.args)) {
      const [name, receiver, args] = value.args as [unknown, unknown, unknown[]];
      if (name === 'matches' && args.length === 1) {
        value.args = [RE2_FUNCTION, receiver, args];
        problem ??= literalProblem(args[0]);
      }
      if (typeof name === 'string' && COMPREHENSIONS.has(name)) {
        if (depth > 0)
          problem ??= {
            message: `${name}() inside another comprehension is not allowed: its cost would grow with the square of the list size`,
            position: value.start ?? 0,
          };
        visit(receiver, depth);
        visit(args, depth + 1);
        return;
      }
    }
    visit(value.args, depth);
  };
  visit(root, 0);
  return problem;
}

/** A literal pattern is compiled at save time, so a typo or a Perl-only construct is refused. */
function literalProblem(arg: unknown): RegexProblem | undefined {
  if (!isNode(arg) || arg.op !== 'value' || typeof arg.args !== 'string') return undefined;
  try {
    compile(arg.args);
    return undefined;
  } catch (error) {
    return { message: (error as Error).message, position: arg.start ?? 0 };
  }
}
