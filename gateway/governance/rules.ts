/**
 * CEL routing rules (cel-js). One Environment declares the variables a rule may use; each rule's
 * expression is parsed and type-checked once per snapshot. At request time rules are tried by
 * scope — virtual_key, team, customer, global — then `priority` ascending; the first whose
 * expression evaluates to `true` wins. An evaluation error (e.g. a missing body field) counts
 * as no match, so one bad request cannot break routing for others. `matches()` is RE2 and
 * bounded per request (cel-regex.ts).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { RoutingRuleSnapshot, RoutingScope } from '../../clients/contract/snapshot.ts';
import { registerRe2Matches, resetMatchBudget, useRe2 } from './cel-regex.ts';
import { PathMemo } from './path-memo.ts';

/** Variables available to expressions, with their CEL types. */
export const CEL_VARIABLES: Readonly<Record<string, string>> = {
  model: 'string',
  provider: 'string',
  request_type: 'string',
  headers: 'map',
  params: 'map',
  virtual_key_id: 'string',
  virtual_key_name: 'string',
  team_id: 'string',
  team_name: 'string',
  customer_id: 'string',
  customer_name: 'string',
  /** Percent (0–100) of the caller's budget used in this window. */
  budget_used: 'double',
  /** Percent of the caller's token rate limit used. */
  tokens_used: 'double',
  /** Percent of the caller's request rate limit used. */
  request: 'double',
  request_body: 'map',
};

let environment: Environment | undefined;

function env(): Environment {
  if (environment === undefined) {
    const created = new Environment({ homogeneousAggregateLiterals: false });
    for (const [name, type] of Object.entries(CEL_VARIABLES)) created.registerVariable(name, type);
    registerRe2Matches(created);
    environment = created;
  }
  return environment;
}

export interface CelProblem {
  message: string;
  /** Zero-based character offset of the problem in the expression. */
  position: number;
}

type Program = ((context: Record<string, unknown>) => unknown) & {
  ast: unknown;
  check(): { valid: boolean; type?: string; error?: unknown };
};

function problemOf(error: unknown): CelProblem {
  const e = error as { message?: string; summary?: string; range?: { start?: number } };
  const message = e.summary ?? e.message ?? String(error);
  // The RE2 function stands in for matches() (cel-regex.ts); messages name what the user wrote.
  return { message: message.replaceAll('re2Matches', 'matches'), position: e.range?.start ?? 0 };
}

/** Parses an expression with `matches()` on RE2; throws on a syntax error. */
function parseProgram(expression: string): { program: Program; problem: CelProblem | undefined } {
  const program = env().parse(expression) as Program;
  return { program, problem: useRe2(program.ast) };
}

/** Parses and type-checks an expression; the problem (with its position) when it is invalid. */
export function checkCelExpression(expression: string): CelProblem | undefined {
  try {
    const { program, problem } = parseProgram(expression);
    if (problem) return problem;
    const checked = program.check();
    if (!checked.valid) return problemOf(checked.error);
    if (checked.type !== 'bool' && checked.type !== 'dyn')
      return { message: `expression must be a bool, not ${String(checked.type)}`, position: 0 };
    return undefined;
  } catch (error) {
    return problemOf(error);
  }
}

/**
 * Variables that differ between two requests with the same key, model, provider and request type:
 * an expression that reads none of them has one answer per such combination, remembered below.
 */
const PER_REQUEST_VARIABLES = ['headers', 'params', 'budget_used', 'tokens_used', 'request', 'request_body'];
const PER_REQUEST = new RegExp(`\\b(${PER_REQUEST_VARIABLES.join('|')})\\b`);
const MEMO_LIMIT = 10_000;

export interface CompiledRule {
  rule: RoutingRuleSnapshot;
  program: Program;
  /**
   * Answers by `virtual key, model, provider, request type` for expressions that read nothing
   * else (a word match: a per-request name inside a string literal only costs the memo).
   */
  memo: PathMemo<boolean> | undefined;
}

type Scope = Exclude<RoutingScope, 'global'>;

export interface CompiledRules {
  global: readonly CompiledRule[];
  /** Per scope, scope id → its rules (a map per scope: no `scope:id` key built per request). */
  byScope: Readonly<Record<Scope, ReadonlyMap<string, readonly CompiledRule[]>>>;
  /** Rules that failed to compile (saved before validation existed): skipped, reported once. */
  invalid: ReadonlyArray<{ id: string; problem: CelProblem }>;
  any: boolean;
}

export function compileRules(rules: readonly RoutingRuleSnapshot[]): CompiledRules {
  const global: CompiledRule[] = [];
  const byScope: Record<Scope, Map<string, CompiledRule[]>> = {
    virtual_key: new Map(),
    team: new Map(),
    customer: new Map(),
  };
  const invalid: Array<{ id: string; problem: CelProblem }> = [];
  const sorted = [...rules].filter((r) => r.enabled).sort((a, b) => a.priority - b.priority);
  for (const rule of sorted) {
    const problem = checkCelExpression(rule.cel_expression);
    if (problem) {
      invalid.push({ id: rule.id, problem });
      continue;
    }
    const compiled: CompiledRule = {
      rule,
      program: parseProgram(rule.cel_expression).program,
      memo: PER_REQUEST.test(rule.cel_expression) ? undefined : new PathMemo(MEMO_LIMIT),
    };
    if (rule.scope === 'global') global.push(compiled);
    else {
      const scoped = byScope[rule.scope];
      const id = rule.scope_id ?? '';
      scoped.set(id, [...(scoped.get(id) ?? []), compiled]);
    }
  }
  const anyScoped = byScope.virtual_key.size + byScope.team.size + byScope.customer.size > 0;
  return { global, byScope, invalid, any: global.length > 0 || anyScoped };
}

export interface RuleScopes {
  virtualKeyId: string | undefined;
  teamId: string | undefined;
  customerId: string | undefined;
}

/** One request's evaluation: its variables, built on first need, and its memo key. */
class Evaluation {
  private vars: Record<string, unknown> | undefined;

  constructor(
    readonly memoKey: readonly string[],
    private readonly context: () => Record<string, unknown>,
  ) {}

  private run(compiled: CompiledRule): boolean {
    this.vars ??= this.context();
    try {
      return compiled.program(this.vars) === true;
    } catch {
      // A runtime error (missing key, bad type) means this rule does not apply to this request.
      return false;
    }
  }

  matches(compiled: CompiledRule): boolean {
    const memo = compiled.memo;
    if (memo === undefined) return this.run(compiled);
    const known = memo.get(this.memoKey);
    if (known !== undefined) return known;
    const answer = this.run(compiled);
    memo.set(this.memoKey, answer);
    return answer;
  }

  firstTrue(rules: readonly CompiledRule[] | undefined): RoutingRuleSnapshot | undefined {
    if (!rules) return undefined;
    for (const compiled of rules) if (this.matches(compiled)) return compiled.rule;
    return undefined;
  }
}

/**
 * The first matching rule by scope, then priority. `memoKey` must name everything besides the
 * per-request variables that the context holds (key, model, provider, request type), one part
 * each.
 */
export function matchRule(
  rules: CompiledRules,
  scopes: RuleScopes,
  memoKey: readonly string[],
  context: () => Record<string, unknown>,
): RoutingRuleSnapshot | undefined {
  if (!rules.any) return undefined;
  resetMatchBudget();
  const evaluation = new Evaluation(memoKey, context);
  const { byScope } = rules;
  const scoped =
    (scopes.virtualKeyId && evaluation.firstTrue(byScope.virtual_key.get(scopes.virtualKeyId))) ||
    (scopes.teamId && evaluation.firstTrue(byScope.team.get(scopes.teamId))) ||
    (scopes.customerId && evaluation.firstTrue(byScope.customer.get(scopes.customerId)));
  if (scoped) return scoped;
  return evaluation.firstTrue(rules.global);
}
