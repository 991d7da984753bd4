/**
 * The Pothos builder: plugin list and schema-wide type parameters only; types live in
 * schema/types/ (one file per entity) and schema/errors.ts, schema/scalars.ts.
 *
 * Plugin order matters: scope-auth first so no other wrapper runs a resolver before the auth
 * check; errors next so expected failures become union members; relay and dataloader last.
 * We use @pothos/plugin-dataloader over stable drizzle 0.45 rather than @pothos/plugin-drizzle,
 * which requires a drizzle-orm 1.0 release candidate.
 */
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { hasScope, isAdmin, type Context } from './context.ts';

export interface HeimdallSchemaTypes {
  Context: Context;
  /** `admin`: an admin session (or auth off), never an API token; see `isAdmin`. */
  AuthScopes: { read: boolean; write: boolean; gateway: boolean; admin: boolean };
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    /** Epoch milliseconds inside, ISO-8601 outside. */
    DateTime: { Input: number; Output: number | Date };
    /** Integers beyond 2^31 (micro-dollars, token counters), as decimal strings. */
    BigInt: { Input: number; Output: number | bigint };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

/** The fully expanded type parameter, for helpers that take Pothos refs. */
export type Types = PothosSchemaTypes.ExtendDefaultTypes<HeimdallSchemaTypes>;

/** UNAUTHENTICATED when no credentials were presented, FORBIDDEN when they lack the scope. */
function authError(context: Context): GraphQLError {
  return context.principal
    ? new GraphQLError(
        'Not allowed: this token lacks the scope this field requires (token management needs an admin session from the login mutation)',
        {
          extensions: { code: 'FORBIDDEN' },
        },
      )
    : new GraphQLError(
        'Authentication required: send Authorization: Bearer <token> (see the login mutation)',
        {
          extensions: { code: 'UNAUTHENTICATED' },
        },
      );
}

export const builder = new SchemaBuilder<HeimdallSchemaTypes>({
  // Fields are non-null unless they say otherwise: clients should not have to null-check ids.
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, DataloaderPlugin],
  scopeAuth: {
    // Subscriptions are authorised once, when they start, not on every event.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      read: hasScope(context, 'read'),
      write: hasScope(context, 'write'),
      gateway: hasScope(context, 'gateway'),
      admin: isAdmin(context),
    }),
    unauthorizedError: (_parent, context) => authError(context),
  },
  errors: { directResult: true },
  relay: {
    // `id` stays the user-chosen id (`budget-dev`) that scripts and the config file use;
    // the opaque Relay global id is `nodeId`, accepted by `node(id:)`.
    idFieldName: 'nodeId',
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeQueryOptions: { authScopes: { read: true } },
    nodesQueryOptions: { authScopes: { read: true } },
  },
});
