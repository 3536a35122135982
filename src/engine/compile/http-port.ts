/**
 * The HTTP or HTTPS listeners of one Gateway on one port. A request first picks its listener by
 * Host (listener isolation: only that listener's routes can serve it), then the routes of that
 * listener by the hostname they match (exact, longer wildcard, any), then a rule by path and
 * conditions.
 *
 * A table is never changed once built, since the data plane may be reading it. A new table for
 * the same listeners is built from the previous one instead: only the host buckets of the
 * routes that were added or removed are rebuilt, the others are shared.
 */
import { Candidate } from './candidate';
import { HostIndex, IndexedHostname } from './host-index';
import { PathIndex } from './path-index';
import { HttpMatchResult, HttpPortTable, MatchTrace, RequestFacts, TraceStep } from './types';
import { HttpRouteIR, ListenerIR, RouteIR } from '../translate';
import { compareRoutePrecedence, sortByPrecedence } from '../translate/precedence';

/** The routes a listener serves under one hostname (`undefined`: routes without hostnames), indexed by path. */
interface Bucket {
  readonly routes: readonly HttpRouteIR[];
  readonly index: PathIndex;
}

class ListenerRoutes {
  static build(listener: ListenerIR): ListenerRoutes {
    const byHostname = new Map<IndexedHostname, HttpRouteIR[]>();
    for (const route of listener.routes) {
      if (route.kind !== 'HTTPRoute') continue;
      for (const hostname of hostnamesOf(route)) {
        const list = byHostname.get(hostname);
        if (list) list.push(route); else byHostname.set(hostname, [route]);
      }
    }
    return new ListenerRoutes(listener, HostIndex.of([...byHostname].map(([hostname, routes]) => [hostname, bucketOf(listener, routes)])));
  }

  constructor(readonly listener: ListenerIR, readonly routes: HostIndex<Bucket>) {}

  /**
   * The same listener serving `listener.routes` (its other fields unchanged): the buckets of
   * every hostname an added or removed route has are rebuilt, the rest are shared.
   */
  update(listener: ListenerIR): ListenerRoutes {
    const { added, removed } = routeChanges(this.listener.routes, listener.routes);
    if (added.length === 0 && removed.size === 0) return new ListenerRoutes(listener, this.routes);
    // When most routes changed, sharing saves little: build anew.
    if (added.length + removed.size > listener.routes.length) return ListenerRoutes.build(listener);
    const touched = new Map<IndexedHostname, HttpRouteIR[]>();
    for (const route of removed) for (const hostname of hostnamesOf(route)) if (!touched.has(hostname)) touched.set(hostname, []);
    for (const route of added) {
      for (const hostname of hostnamesOf(route)) {
        const list = touched.get(hostname);
        if (list) list.push(route); else touched.set(hostname, [route]);
      }
    }
    const rebuilt = [...touched].map(([hostname, arrived]): [IndexedHostname, Bucket | undefined] => {
      const routes = [...(this.routes.get(hostname)?.routes ?? []).filter((r) => !removed.has(r)), ...arrived];
      return [hostname, routes.length > 0 ? bucketOf(listener, routes) : undefined];
    });
    return new ListenerRoutes(listener, this.routes.with(rebuilt));
  }

  find(request: RequestFacts): Candidate | undefined {
    return this.routes.search(request.host, request, findIn);
  }

  trace(request: RequestFacts, steps: TraceStep[]): Candidate | undefined {
    return this.routes.search(request.host, request, ({ index }, _request, hostname) => index.find(request, (candidate, failure) => {
      steps.push({ ...(hostname !== undefined ? { hostname } : {}), candidate: candidate.result, ...(failure !== undefined ? { failure } : {}) });
    }));
  }
}

/**
 * The HTTPRoutes added to and removed from a listener, both lists being in order of precedence
 * (as translate makes them). Routes are told apart by identity, since translate hands back the
 * same object for a route it did not touch, so one walk down both lists finds the changes.
 */
function routeChanges(before: readonly RouteIR[], after: readonly RouteIR[]): { added: HttpRouteIR[]; removed: Set<HttpRouteIR> } {
  const added: HttpRouteIR[] = [];
  const removed = new Set<HttpRouteIR>();
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const old = before[i];
    const now = after[j];
    if (old === now) {
      i++;
      j++;
      continue;
    }
    const order = old === undefined ? 1 : now === undefined ? -1 : compareRoutePrecedence(old, now);
    if (order <= 0) {
      if (old.kind === 'HTTPRoute') removed.add(old);
      i++;
    }
    if (order >= 0) {
      if (now.kind === 'HTTPRoute') added.push(now);
      j++;
    }
  }
  return { added, removed };
}

function hostnamesOf(route: RouteIR): IndexedHostname[] {
  return route.hostnames.length === 0 ? [undefined] : [...new Set(route.hostnames)];
}

function findIn(bucket: Bucket, request: RequestFacts): Candidate | undefined {
  return bucket.index.find(request);
}

function bucketOf(listener: ListenerIR, routes: readonly HttpRouteIR[]): Bucket {
  const index = new PathIndex();
  const ranked = sortByPrecedence(routes) as HttpRouteIR[];
  ranked.forEach((route, rank) => {
    for (const rule of route.rules) {
      rule.matches.forEach((match, matchIndex) => {
        index.add(new Candidate({ listener, route, rule, match }, rank, matchIndex));
      });
    }
  });
  index.seal();
  return { routes: ranked, index };
}

/**
 * Whether two listeners differ in their routes only. A new ListenerIR object is made whenever
 * its routes change, so the other fields are compared by value (identity first: unchanged
 * Gateways hand over the very same TLS settings).
 */
function sameApartFromRoutes(a: ListenerIR, b: ListenerIR): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  fields.delete('routes');
  for (const field of fields) {
    const x = (a as unknown as Record<string, unknown>)[field];
    const y = (b as unknown as Record<string, unknown>)[field];
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

export class CompiledHttpPort implements HttpPortTable {
  private readonly byHost: HostIndex<ListenerRoutes>;
  /** Per listener, in order, what it serves; undefined for one whose hostname an earlier listener took. */
  private readonly compiled: (ListenerRoutes | undefined)[] = [];

  /**
   * `previous`: the table of this port before, whose parts are reused when the listeners are
   * the same ones apart from their routes. Results of `match` then name the listener as it was
   * when the bucket that matched was built: equal in everything but its list of routes.
   */
  constructor(
    readonly port: number,
    readonly protocol: 'HTTP' | 'HTTPS',
    readonly listeners: ListenerIR[],
    previous?: CompiledHttpPort,
  ) {
    const reusable = previous !== undefined && previous.protocol === protocol && previous.listeners.length === listeners.length
      && listeners.every((l, i) => sameApartFromRoutes(l, previous.listeners[i]));
    // Listeners on one port with the same hostname are conflicted and never programmed, so
    // the first one keeping an entry only guards against an IR that breaks that rule.
    const hostnames = new Set<IndexedHostname>();
    const entries: [IndexedHostname, ListenerRoutes][] = [];
    listeners.forEach((listener, i) => {
      const hostname = listener.hostname?.toLowerCase();
      if (hostnames.has(hostname)) {
        this.compiled.push(undefined);
        return;
      }
      hostnames.add(hostname);
      const before = reusable ? previous.compiled[i] : undefined;
      const compiled = before ? before.update(listener) : ListenerRoutes.build(listener);
      this.compiled.push(compiled);
      entries.push([hostname, compiled]);
    });
    this.byHost = HostIndex.of(entries);
  }

  listenerFor(host: string): ListenerIR | undefined {
    return this.byHost.best(host)?.listener;
  }

  match(request: RequestFacts): HttpMatchResult | undefined {
    return this.byHost.best(request.host)?.find(request)?.result;
  }

  trace(request: RequestFacts): MatchTrace {
    const listener = this.byHost.best(request.host);
    if (!listener) return { steps: [] };
    const steps: TraceStep[] = [];
    const found = listener.trace(request, steps);
    return { listener: listener.listener, steps, ...(found ? { result: found.result } : {}) };
  }
}
