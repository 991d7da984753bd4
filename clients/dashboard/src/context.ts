/** What every screen reads: the API connection and whether the control plane asks for sign-in. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.ts';

export interface Session {
  api: Api;
  authEnabled: boolean;
  /** Bumped after the socket reconnects: screens refetch what they may have missed. */
  resyncs: number;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionContext.Provider>');
  return session;
}

/** Marks the page interactive for the benchmark once the first screen shows its data. */
export function markReady(): void {
  document.documentElement.dataset.ready = '1';
}
