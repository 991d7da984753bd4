/**
 * Loads a screen's data when it mounts, when `key` changes and after the socket reconnects (the
 * events missed while it was down are folded in by loading afresh). Earlier data stays on screen
 * while a reload runs, so live refreshes do not flicker.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf, type Api } from '../api.ts';
import type { TypedDocument } from '../generated/operations.ts';
import { markReady, useSession } from '../context.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload(): void;
  /** Replaces the data locally (a live event folded in). */
  setData(update: (current: T | undefined) => T | undefined): void;
}

export function useLoad<T>(load: (api: Api) => Promise<T>, key = ''): Loaded<T> {
  const { api, resyncs } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let current = true;
    load(api).then(
      (result) => {
        if (!current) return;
        setData(result);
        setError(undefined);
        markReady();
      },
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => void (current = false);
  }, [api, key, resyncs, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, reload, setData };
}

/** `useLoad` for one of the dashboard's own typed documents; `key` stands for the variables. */
export function useQuery<R, V>(document: TypedDocument<R, V>, variables: V, key = ''): Loaded<R> {
  return useLoad((api) => api.request(document, variables), `${document}\n${key}`);
}
