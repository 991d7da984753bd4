/**
 * The credential libraries a snapshot's keys will import on their first request (adapters'
 * `credentialLibrary`: @azure/identity for Azure keys without a value, google-auth-library for
 * Vertex keys without `auth_credentials`, the AWS chain for Bedrock keys without static keys),
 * loaded when the snapshot is installed instead. Inside a request, the import made that request wait
 * (~110–120 ms for @azure/identity, ~20–30 ms for the others) and held the event loop, with every
 * other request in flight, for up to ~20–30 ms at a time (ad hoc, fresh Node 20). Only the module
 * is loaded; tokens are still fetched on first use (that is network I/O, not a stall, and
 * a start-up must not depend on an identity endpoint).
 */
import type { CompiledSnapshot } from '../core/compiled-snapshot.ts';
import type { CredentialLibrary } from '../providers/adapter.ts';
import { resolveEnv } from '../util/env.ts';

/** Every library the snapshot's enabled keys need, once each. */
export function credentialLibraries(snapshot: CompiledSnapshot): CredentialLibrary[] {
  const byName = new Map<string, CredentialLibrary>();
  for (const provider of snapshot.providers.values()) {
    const needs = provider.adapter?.credentialLibrary;
    if (needs === undefined) continue;
    for (const key of provider.keys) {
      const library = needs(key, resolveEnv(key.value));
      if (library !== undefined) byName.set(library.name, library);
    }
  }
  return [...byName.values()];
}

/**
 * Loads them; resolves with the names of those that loaded now and not before, never rejects (a
 * library that fails to load fails its key's first request, as before, with the error it gives
 * then).
 */
export async function loadCredentialLibraries(
  snapshot: CompiledSnapshot,
  warn: (message: string, fields?: object) => void,
): Promise<string[]> {
  const libraries = credentialLibraries(snapshot).filter((library) => !library.loaded);
  const results = await Promise.allSettled(libraries.map((library) => library.load()));
  const loaded: string[] = [];
  results.forEach((result, index) => {
    const name = libraries[index]!.name;
    if (result.status === 'fulfilled') loaded.push(name);
    else warn('credential library did not load', { library: name, error: result.reason as unknown });
  });
  return loaded;
}
