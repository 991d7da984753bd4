/**
 * Mutation results are typed unions: the entity, or an expected error (`code`, `message`, and for
 * validation the issue paths). This turns the error arm into one readable message.
 */
export interface MutationError {
  __typename: string;
  code?: string;
  message?: string;
  issues?: { path: string; message: string }[];
  line?: number | null;
  column?: number | null;
  expression?: string;
  summary?: string;
}

/** The error message of a union result, or undefined when it is the wanted type. */
export function failureOf(result: MutationError, wanted: string): string | undefined {
  if (result.__typename === wanted) return undefined;
  const issues = result.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return issues
    ? `${result.message ?? result.__typename} (${issues})`
    : (result.message ?? result.__typename);
}
