/**
 * Routing-rule CEL expressions are checked when saved, against the variables the gateway binds
 * when it evaluates them, so a typo (`modle`) or a type error fails the mutation with the CEL
 * message and its position instead of surfacing on the first request.
 */
import { Environment } from '@marcbachmann/cel-js';
import { CelExpressionError } from './errors.ts';

/** The routing context (issue 5): request attributes, caller identity and usage so far. */
const ROUTING_VARIABLES: Record<string, string> = {
  model: 'string',
  provider: 'string',
  request_type: 'string',
  headers: 'map<string, string>',
  params: 'map<string, string>',
  virtual_key_id: 'string',
  virtual_key_name: 'string',
  team_id: 'string',
  team_name: 'string',
  customer_id: 'string',
  customer_name: 'string',
  budget_used: 'double',
  tokens_used: 'double',
  request: 'double',
  request_body: 'map',
};

let environment: Environment | undefined;

function routingEnvironment(): Environment {
  if (!environment) {
    environment = new Environment({ unlistedVariablesAreDyn: false });
    for (const [name, type] of Object.entries(ROUTING_VARIABLES)) environment.registerVariable(name, type);
  }
  return environment;
}

function position(expression: string, offset: number | null): { line: number | null; column: number | null } {
  if (offset === null) return { line: null, column: null };
  const before = expression.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Throws CelExpressionError (with the input `path`) unless the expression parses and type-checks to a bool. */
export function checkRoutingExpression(expression: string, path: string): void {
  const result = routingEnvironment().check(expression);
  if (result.valid && (result.type === 'bool' || result.type === 'dyn')) return;
  const error = result.error as { summary?: string; message: string; range?: { start?: number } } | undefined;
  const summary = error
    ? (error.summary ?? error.message.split('\n')[0]!)
    : `expression yields ${result.type}, not bool`;
  const offset = typeof error?.range?.start === 'number' ? error.range.start : null;
  const { line, column } = position(expression, offset);
  throw new CelExpressionError(path, expression, summary, offset, line, column);
}
