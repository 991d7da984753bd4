/**
 * Routing-rule expressions from the config file are checked before anything is written, like the
 * rest of the file: an invalid CEL expression stops start-up with its path and position (the
 * GraphQL mutations apply the same check when a rule is saved).
 */
import { ConfigError, type ConfigIssue, type HeimdallConfig } from '../db/index.ts';
import { checkCelExpression } from '../gateway/create-gateway.ts';

export function checkRoutingRules(config: HeimdallConfig, source: string): void {
  const issues: ConfigIssue[] = [];
  config.governance.routing_rules.forEach((rule, i) => {
    const problem = checkCelExpression(rule.cel_expression);
    if (problem)
      issues.push({
        path: `governance.routing_rules[${i}].cel_expression`,
        message: `invalid CEL expression at position ${problem.position}: ${problem.message}`,
      });
  });
  if (issues.length > 0) throw new ConfigError(issues, source);
}
