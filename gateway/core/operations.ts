/**
 * The inference operations of the OpenAI surface and their paths: the one table that the router
 * dispatches on, errors and request logs name, and OpenAI-compatible adapters build their
 * upstream paths from (under the provider's version prefix instead of Heimdall's `/v1`).
 */
import type { Operation } from './types.ts';

/** Each operation's path under an OpenAI-style version prefix. */
export const OPERATION_PATHS: Readonly<Record<Operation, string>> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  responses: '/responses',
};

export const ALL_OPERATIONS = Object.keys(OPERATION_PATHS) as readonly Operation[];

/** Heimdall's route for an operation, e.g. `/v1/chat/completions`. */
export function operationRoute(operation: Operation): string {
  return `/v1${OPERATION_PATHS[operation]}`;
}

/** Route → operation, for the router. */
export const OPERATION_BY_ROUTE: ReadonlyMap<string, Operation> = new Map(
  ALL_OPERATIONS.map((operation) => [operationRoute(operation), operation]),
);
