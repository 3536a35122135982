/**
 * A map for values that are derived from one another by a few changes at a time: each holds
 * its own changes in front of a base it shares with the maps it came from, and which no one
 * changes. Deriving costs the size of the changes, not of the map; once the changes grow past a
 * bound, they are folded into a new base, so reads stay at two lookups.
 */
const GONE = Symbol('gone');

export class LayeredMap<K, V> {
  static of<K, V>(entries: Map<K, V>): LayeredMap<K, V> {
    return new LayeredMap(entries, new Map());
  }

  /** True when the map surely holds nothing (it may say false for a map whose entries were all deleted). */
  readonly empty: boolean;

  private constructor(private readonly base: ReadonlyMap<K, V>, private readonly own: ReadonlyMap<K, V | typeof GONE>) {
    this.empty = base.size === 0 && own.size === 0;
  }

  get(key: K): V | undefined {
    const value = this.own.get(key);
    if (value === undefined) return this.base.get(key);
    return value === GONE ? undefined : value;
  }

  /** A new map with `changes` applied in order (`undefined` deletes); this one stays as it is. */
  with(changes: Iterable<readonly [K, V | undefined]>): LayeredMap<K, V> {
    const own = new Map<K, V | typeof GONE>(this.own);
    for (const [key, value] of changes) own.set(key, value === undefined ? GONE : value);
    if (own.size <= Math.max(256, 8 * Math.sqrt(this.base.size))) return new LayeredMap(this.base, own);
    const base = new Map(this.base);
    for (const [key, value] of own) {
      if (value === GONE) base.delete(key); else base.set(key, value);
    }
    return new LayeredMap(base, new Map());
  }
}
