/**
 * A cloud SDK imported once per process, on first use or ahead of it (adapter.ts
 * CredentialLibrary; the snapshot store loads the ones its keys need). A failed import is
 * forgotten, so the next use tries again.
 */
import type { CredentialLibrary } from './adapter.ts';

export interface LoadedOnce<T> extends CredentialLibrary {
  load(): Promise<T>;
}

export function credentialLibrary<T>(name: string, importIt: () => Promise<T>): LoadedOnce<T> {
  let loading: Promise<T> | undefined;
  let loaded = false;
  return {
    name,
    get loaded() {
      return loaded;
    },
    load() {
      loading ??= importIt().then(
        (module) => {
          loaded = true;
          return module;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
  };
}
