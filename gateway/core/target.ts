import type { CompiledProvider } from './compiled-snapshot.ts';

/** One (provider, model) a request may be served by: the primary, or the n-th fallback. */
export interface Target {
  provider: CompiledProvider;
  /** Logical model name, provider prefix removed, before key aliases. */
  model: string;
  /** 0 for the primary, n for the n-th fallback. */
  index: number;
}
