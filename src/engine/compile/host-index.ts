/**
 * Values keyed by hostname the way the Gateway API ranks hostnames: an exact name first, then
 * wildcards from the most labels to the fewest, then the value for any host. A wildcard
 * `*.example.com` is kept under its suffix `.example.com` and covers one or more labels in
 * front of it, never `example.com` itself; a lookup probes each suffix of the host once.
 */
export class HostIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcard = new Map<string, T>();
  private anyHost: T | undefined;

  /** The value for a hostname (`undefined`: any host), created on first use. */
  entry(hostname: string | undefined, create: () => T): T {
    if (hostname === undefined) return (this.anyHost ??= create());
    const map = hostname.startsWith('*.') ? this.wildcard : this.exact;
    const key = hostname.startsWith('*.') ? hostname.slice(1) : hostname;
    let value = map.get(key);
    if (value === undefined) {
      value = create();
      map.set(key, value);
    }
    return value;
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
    if (this.wildcard.size > 0) {
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

  values(): T[] {
    return [...this.exact.values(), ...this.wildcard.values(), ...(this.anyHost === undefined ? [] : [this.anyHost])];
  }
}

function itself<T>(value: T): T {
  return value;
}
