/**
 * Control-plane identities: `login` (public) opens a session; API tokens carry scopes (`read`
 * for dashboards, `write` for scripts, `gateway` for gateway replicas). A token's value is
 * returned once, by the mutation that created it; only its SHA-256 is stored.
 */
import {
  createAdminToken,
  deleteAdminToken,
  listAdminTokens,
  type AdminTokenRecord,
} from '../../db/index.ts';
import { builder } from '../builder.ts';
import { ALL_SCOPES, type Context, type Scope } from '../context.ts';
import { orderInput, pageRows } from '../connection.ts';
import { DeletionRef } from '../crud-fields.ts';
import {
  InvalidCredentialsError,
  LoginRateLimitedError,
  MUTATION_ERRORS,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import { inKeyOrder } from '../loaders.ts';

export const ScopeEnum = builder.enumType('Scope', {
  values: {
    READ: { value: 'read', description: 'Queries and subscriptions.' },
    WRITE: { value: 'write', description: 'Mutations (config changes).' },
    GATEWAY: {
      value: 'gateway',
      description:
        'What a gateway replica needs: its snapshot, config events, and the governance channel (leases, usage, request logs).',
    },
  } as const,
});

const SESSION_PREFIX = 'session:';

export const AdminTokenRef = builder.loadableNode('AdminToken', {
  description:
    'A session or API token. Its value is never readable; revoke and create a new one to replace it.',
  id: { resolve: (token) => token.id },
  load: async (ids: string[], ctx: Context) =>
    inKeyOrder(ids, await listAdminTokens(ctx.database), (token) => token.id, 'AdminToken'),
  // Credentials are the admin's business alone: an API token (even WRITE) cannot list them.
  authScopes: { admin: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    isSession: t.boolean({ resolve: (token) => token.name.startsWith(SESSION_PREFIX) }),
    scopes: t.field({ type: [ScopeEnum], resolve: (token) => token.scopes as Scope[] }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (token) => token.expiresAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (token) => token.lastUsedAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (token) => token.createdAt }),
  }),
});

interface Viewer {
  authEnabled: boolean;
  authenticated: boolean;
  scopes: Scope[];
}

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is calling: answers without credentials, so a client can tell whether it must log in.',
  fields: (t) => ({
    authEnabled: t.exposeBoolean('authEnabled'),
    authenticated: t.exposeBoolean('authenticated'),
    scopes: t.field({ type: [ScopeEnum], resolve: (viewer) => viewer.scopes }),
  }),
});

interface Session {
  token: string;
  expiresAt: number;
  username: string;
}

const SessionRef = builder.objectRef<Session>('Session').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`; shown once.' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (session) => session.expiresAt }),
    username: t.exposeString('username'),
  }),
});

interface CreatedToken {
  token: string;
  adminToken: AdminTokenRecord;
}

const CreatedTokenRef = builder.objectRef<CreatedToken>('CreatedApiToken').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'The bearer token; store it now, it cannot be read again.',
    }),
    adminToken: t.field({ type: AdminTokenRef, resolve: (created) => created.adminToken }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    skipTypeScopes: true,
    resolve: (_root, _args, ctx) => ({
      authEnabled: ctx.auth.enabled,
      authenticated: ctx.principal !== undefined,
      scopes: ALL_SCOPES.filter((scope) => ctx.principal?.scopes.has(scope)),
    }),
  }),
);

const order = orderInput<AdminTokenRecord>('AdminToken', {
  CREATED_AT: (token) => token.createdAt,
  NAME: (token) => token.name,
  LAST_USED_AT: (token) => token.lastUsedAt,
});

builder.queryField('adminTokens', (t) =>
  t.connection({
    type: AdminTokenRef,
    authScopes: { admin: true },
    args: { includeSessions: t.arg.boolean({ defaultValue: false }), orderBy: t.arg({ type: order.ref }) },
    resolve: async (_root, args, ctx) => {
      const rows = (await listAdminTokens(ctx.database)).filter(
        (token) => args.includeSessions || !token.name.startsWith(SESSION_PREFIX),
      );
      return pageRows(order.sort(rows, args.orderBy), args);
    },
  }),
);

builder.mutationFields((t) => ({
  login: t.field({
    type: SessionRef,
    skipTypeScopes: true,
    description:
      'Opens an admin session. Failed attempts are rate-limited per username and client address, and per client address.',
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    errors: { types: [InvalidCredentialsError, LoginRateLimitedError] },
    resolve: (_root, args, ctx) => ctx.auth.login(args.username, args.password, ctx.client),
  }),
  logout: t.boolean({
    skipTypeScopes: true,
    description: 'Revokes the session (or token) this request authenticated with.',
    resolve: async (_root, _args, ctx) =>
      ctx.principal?.tokenId ? deleteAdminToken(ctx.database, ctx.principal.tokenId) : false,
  }),
  createApiToken: t.field({
    type: CreatedTokenRef,
    authScopes: { admin: true },
    description:
      'Creates a long-lived token with the given scopes. Needs an admin session (the login mutation): API tokens cannot mint tokens.',
    args: {
      name: t.arg.string({ required: true }),
      scopes: t.arg({ type: [ScopeEnum], required: true }),
      expiresAt: t.arg({ type: 'DateTime' }),
    },
    errors: { types: MUTATION_ERRORS },
    resolve: async (_root, args, ctx) => {
      const missing = args.scopes.filter((scope) => !ctx.principal?.scopes.has(scope));
      if (missing.length > 0 || args.scopes.length === 0 || args.name.startsWith(SESSION_PREFIX)) {
        throw new ValidationError([
          {
            path: missing.length > 0 ? 'scopes' : args.scopes.length === 0 ? 'scopes' : 'name',
            message:
              missing.length > 0
                ? `you cannot grant scopes you do not hold: ${missing.join(', ')}`
                : args.scopes.length === 0
                  ? 'give at least one scope'
                  : `names starting with "${SESSION_PREFIX}" are reserved`,
          },
        ]);
      }
      const { token, record } = await createAdminToken(ctx.database, {
        userId: null,
        name: args.name,
        scopes: [...new Set(args.scopes)],
        expiresAt: args.expiresAt ?? null,
      });
      return { token, adminToken: record };
    },
  }),
  revokeAdminToken: t.field({
    type: DeletionRef,
    authScopes: { admin: true },
    description:
      'Revokes a session or API token. Needs an admin session: API tokens cannot revoke credentials.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: MUTATION_ERRORS },
    resolve: async (_root, args, ctx) => {
      if (!(await deleteAdminToken(ctx.database, String(args.id))))
        throw new NotFoundError('AdminToken', String(args.id));
      return { id: String(args.id) };
    },
  }),
}));
