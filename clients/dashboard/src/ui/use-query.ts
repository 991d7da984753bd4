/**
 * Loads a query when the screen mounts, when `key` changes and after the socket reconnects (the
 * events missed while it was down are folded in by fetching afresh).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { markReady, useSession } from '../context.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload(): void;
  /** Replaces the data locally (a live event folded in). */
  setData(update: (current: T | undefined) => T | undefined): void;
}

export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, key = ''): Loaded<T> {
  const { api, resyncs } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let current = true;
    api.request<T>(query, variables).then(
      (result) => {
        if (!current) return;
        setData(result);
        setError(undefined);
        markReady();
      },
      (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => void (current = false);
  }, [api, query, key, resyncs, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, reload, setData };
}
