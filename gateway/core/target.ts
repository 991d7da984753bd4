import type { CompiledProvider } from './compiled-snapshot.ts';

/** One (provider, model) a request may be served by: the primary, or the n-th fallback. */
export interface Target {
  provider: CompiledProvider;
  /** Logical model name, provider prefix removed, before key aliases. */
  model: string;
  /** 0 for the primary, n for the n-th fallback. */
  index: number;
  /**
   * Key names key choice stays within on this target (a virtual key's `key_ids`, narrowed by a
   * routing rule's `key_id`), as the route hooks returned it; absent: any of the provider's keys.
   */
  keyNames?: readonly string[];
}
