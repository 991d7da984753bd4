/**
 * The AsyncLocalStorage that tells repository calls they run inside a transaction, switched off
 * whenever no transaction is open.
 *
 * Why: on Node 20 an enabled AsyncLocalStorage installs promise hooks for the whole process, so
 * every promise and every await anywhere (the gateway's hot path included) pays for context
 * propagation, even though only control-plane writes ever open a scope. `run()` switches the
 * storage back on; the last scope to close switches it off. Work a scope left behind that runs
 * after that sees no scope, which is what a closed scope means anyway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class TransactionScope<S extends { closed: boolean }> {
  private readonly storage = new AsyncLocalStorage<S>();
  private open = 0;

  /** Runs `work` with `scope` active for everything it awaits; marks the scope closed after. */
  async run<T>(scope: S, work: () => Promise<T>): Promise<T> {
    this.open++;
    try {
      return await this.storage.run(scope, work);
    } finally {
      scope.closed = true;
      if (--this.open === 0) this.storage.disable();
    }
  }

  /** The innermost scope of the current async context, unless it has closed. */
  active(): S | undefined {
    if (this.open === 0) return undefined;
    const scope = this.storage.getStore();
    return scope && !scope.closed ? scope : undefined;
  }
}
