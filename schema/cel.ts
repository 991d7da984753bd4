/**
 * Routing-rule CEL expressions are checked when saved, against the variables the gateway binds
 * when it evaluates them, so a typo (`modle`) or a type error fails the mutation with the CEL
 * message and its position instead of surfacing on the first request.
 */
import { CelExpressionError } from './errors.ts';

/** A CEL problem as the gateway reports it: message and zero-based character offset. */
export interface RoutingExpressionProblem {
  message: string;
  position: number;
}

export type RoutingExpressionChecker = (expression: string) => RoutingExpressionProblem | undefined;

let checker: RoutingExpressionChecker | undefined;

/**
 * The composition root installs the gateway's own checker (`checkCelExpression`), so a rule is
 * saved exactly when the gateway can compile it: one CEL environment, not two that may drift.
 * schema/ may not import gateway/, hence the injection.
 */
export function useRoutingExpressionChecker(fn: RoutingExpressionChecker): void {
  checker = fn;
}

function position(expression: string, offset: number | null): { line: number | null; column: number | null } {
  if (offset === null) return { line: null, column: null };
  const before = expression.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Throws CelExpressionError (with the input `path`) unless the gateway can compile the expression. */
export function checkRoutingExpression(expression: string, path: string): void {
  if (!checker)
    throw new Error('no routing-expression checker installed (api/graphql/server.ts installs it)');
  const problem = checker(expression);
  if (!problem) return;
  const { line, column } = position(expression, problem.position);
  throw new CelExpressionError(path, expression, problem.message, problem.position, line, column);
}
