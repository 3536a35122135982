/**
 * Values keyed by hostname the way the Gateway API ranks hostnames: an exact name first, then
 * wildcards from the most labels to the fewest, then the value for any host. A wildcard
 * `*.example.com` is kept under its suffix `.example.com` and covers one or more labels in
 * front of it, never `example.com` itself; a lookup probes each suffix of the host once.
 *
 * An index never changes once made; `with` makes the next one, sharing the entries it keeps
 * (a table being served is read while the next one is built).
 */
import { LayeredMap } from '../translate/layered-map';

/** A hostname as the index keys it: `undefined` for any host. */
export type IndexedHostname = string | undefined;

export class HostIndex<T> {
  /** The index of `entries`; of two entries for one hostname the first is kept. */
  static of<T>(entries: Iterable<readonly [IndexedHostname, T]>): HostIndex<T> {
    const exact = new Map<string, T>();
    const wildcard = new Map<string, T>();
    let anyHost: T | undefined;
    for (const [hostname, value] of entries) {
      if (hostname === undefined) {
        anyHost ??= value;
        continue;
      }
      const [map, key] = hostname.startsWith('*.') ? [wildcard, hostname.slice(1)] : [exact, hostname];
      if (!map.has(key)) map.set(key, value);
    }
    return new HostIndex(LayeredMap.of(exact), LayeredMap.of(wildcard), anyHost);
  }

  private constructor(
    private readonly exact: LayeredMap<string, T>,
    private readonly wildcard: LayeredMap<string, T>,
    private readonly anyHost: T | undefined,
  ) {}

  /** This index with `changes` applied in order; `undefined` removes the value of a hostname. */
  with(changes: Iterable<readonly [IndexedHostname, T | undefined]>): HostIndex<T> {
    const exact: [string, T | undefined][] = [];
    const wildcard: [string, T | undefined][] = [];
    let anyHost = this.anyHost;
    for (const [hostname, value] of changes) {
      if (hostname === undefined) anyHost = value;
      else if (hostname.startsWith('*.')) wildcard.push([hostname.slice(1), value]);
      else exact.push([hostname, value]);
    }
    return new HostIndex(exact.length > 0 ? this.exact.with(exact) : this.exact,
      wildcard.length > 0 ? this.wildcard.with(wildcard) : this.wildcard, anyHost);
  }

  /** The value kept under a hostname, if any. */
  get(hostname: IndexedHostname): T | undefined {
    if (hostname === undefined) return this.anyHost;
    return hostname.startsWith('*.') ? this.wildcard.get(hostname.slice(1)) : this.exact.get(hostname);
  }

  /**
   * Every value serving the host, best first, until `visit` returns something. `visit` gets
   * the hostname the value is kept under (undefined: any host) and `context`, so a caller on
   * the request path can pass a function that allocates nothing per call.
   */
  search<C, R>(host: string, context: C, visit: (value: T, context: C, hostname: string | undefined) => R | undefined): R | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) {
      const found = visit(exact, context, host);
      if (found !== undefined) return found;
    }
    if (!this.wildcard.empty) {
      for (let dot = host.indexOf('.', 1); dot > 0; dot = host.indexOf('.', dot + 1)) {
        const value = this.wildcard.get(host.slice(dot));
        if (value !== undefined) {
          const found = visit(value, context, `*${host.slice(dot)}`);
          if (found !== undefined) return found;
        }
      }
    }
    return this.anyHost === undefined ? undefined : visit(this.anyHost, context, undefined);
  }

  /** The best value for the host alone. */
  best(host: string): T | undefined {
    return this.search(host, undefined, itself);
  }
}

function itself<T>(value: T): T {
  return value;
}
