/**
 * What a gateway replica in another process needs: its config snapshot. Requires the `gateway`
 * scope. The snapshot carries provider credentials, so every literal secret in it is sealed
 * with the deployment's encryption key (`enc:v1:…`, the at-rest format): replicas share that
 * key and open them locally; anyone else sees ciphertext. `env.VAR` references stay as written.
 */
import { readSnapshotSource, sealSecret, type SecretBox } from '../../db/index.ts';
import type { GatewaySnapshot } from '../../clients/contract/snapshot.ts';
import { builder } from '../builder.ts';
import { KEY_SECRET_PATHS, PROVIDER_SECRET_PATHS, type SecretPath } from '../secrets.ts';

function seal<T>(value: T, paths: SecretPath[], box: SecretBox): T {
  let out = value as Record<string, unknown>;
  for (const path of paths) {
    const [head, leaf] = path.length === 1 ? [undefined, path[0]!] : [path[0]!, path[1]!];
    const holder = head === undefined ? out : (out[head] as Record<string, unknown> | null | undefined);
    const secret = holder?.[leaf];
    if (typeof secret !== 'string') continue;
    const sealed = { ...holder, [leaf]: sealSecret(box, secret) };
    out = head === undefined ? sealed : { ...out, [head]: sealed };
  }
  return out as T;
}

export function sealSnapshot(snapshot: GatewaySnapshot, box: SecretBox): GatewaySnapshot {
  return {
    ...snapshot,
    providers: snapshot.providers.map((provider) => ({
      ...seal(provider, PROVIDER_SECRET_PATHS, box),
      keys: provider.keys.map((key) => seal(key, KEY_SECRET_PATHS, box)),
    })),
  };
}

interface SnapshotPayload {
  version: number;
  snapshot: unknown;
}

const GatewaySnapshotRef = builder.objectRef<SnapshotPayload>('GatewaySnapshot').implement({
  description:
    "A gateway's whole configuration at one version (the shape of clients/contract/snapshot.ts), secrets sealed.",
  fields: (t) => ({
    version: t.exposeInt('version'),
    snapshot: t.field({ type: 'JSON', resolve: (p) => p.snapshot }),
  }),
});

builder.queryField('gatewaySnapshot', (t) =>
  t.field({
    type: GatewaySnapshotRef,
    skipTypeScopes: true,
    authScopes: { gateway: true },
    resolve: async (_root, _args, ctx) => {
      const source = (await ctx.snapshot?.()) ?? (await readSnapshotSource(ctx.database, ctx.box));
      const snapshot = sealSnapshot(source, ctx.box);
      return { version: snapshot.version, snapshot };
    },
  }),
);
