/**
 * A bounded memo keyed by a path of strings (key id, model, provider, …), held as nested maps.
 * A hot path that joins its parts into one string key pays for building it and then, on every
 * lookup, for flattening and hashing it; parts that are already strings hash once and keep it.
 */
type Node<V> = Map<string, Node<V> | V>;

/** Every path given to one memo has the same number of parts (a shorter one would find a map). */

export class PathMemo<V> {
  private root: Node<V> = new Map();
  private count = 0;

  /** `limit`: answers held at most; past it the memo starts over (inputs may be made up). */
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  get(path: readonly string[]): V | undefined {
    let node = this.root;
    const last = path.length - 1;
    for (let i = 0; i < last; i++) {
      const next = node.get(path[i]!) as Node<V> | undefined;
      if (next === undefined) return undefined;
      node = next;
    }
    return node.get(path[last]!) as V | undefined;
  }

  set(path: readonly string[], value: V): void {
    const last = path[path.length - 1]!;
    let node = this.parentOf(path);
    if (!node.has(last)) {
      if (this.count >= this.limit) {
        this.clear();
        node = this.parentOf(path);
      }
      this.count++;
    }
    node.set(last, value);
  }

  /** The map holding the path's last part, created as needed. */
  private parentOf(path: readonly string[]): Node<V> {
    let node = this.root;
    for (let i = 0; i < path.length - 1; i++) {
      let next = node.get(path[i]!) as Node<V> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(path[i]!, next);
      }
      node = next;
    }
    return node;
  }

  clear(): void {
    this.root = new Map();
    this.count = 0;
  }
}
