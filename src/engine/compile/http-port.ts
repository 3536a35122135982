/**
 * The HTTP or HTTPS listeners of one Gateway on one port. A request first picks its listener by
 * Host (listener isolation: only that listener's routes can serve it), then the routes of that
 * listener by the hostname they match (exact, longer wildcard, any), then a rule by path and
 * conditions.
 */
import { Candidate } from './candidate';
import { HostIndex } from './host-index';
import { PathIndex } from './path-index';
import { HttpMatchResult, HttpPortTable, MatchTrace, RequestFacts, TraceStep } from './types';
import { HttpRouteIR, ListenerIR } from '../translate';

class ListenerRoutes {
  readonly routes = new HostIndex<PathIndex>();

  constructor(readonly listener: ListenerIR) {
    listener.routes.forEach((route, rank) => {
      if (route.kind !== 'HTTPRoute') return;
      const hostnames = route.hostnames.length === 0 ? [undefined] : route.hostnames;
      for (const hostname of hostnames) {
        const index = this.routes.entry(hostname, () => new PathIndex());
        addRoute(index, listener, route, rank);
      }
    });
    for (const index of this.routes.values()) index.seal();
  }

  find(request: RequestFacts): Candidate | undefined {
    return this.routes.search(request.host, request, findIn);
  }

  trace(request: RequestFacts, steps: TraceStep[]): Candidate | undefined {
    return this.routes.search(request.host, request, (index, _request, hostname) => index.find(request, (candidate, failure) => {
      steps.push({ ...(hostname !== undefined ? { hostname } : {}), candidate: candidate.result, ...(failure !== undefined ? { failure } : {}) });
    }));
  }
}

function findIn(index: PathIndex, request: RequestFacts): Candidate | undefined {
  return index.find(request);
}

function addRoute(index: PathIndex, listener: ListenerIR, route: HttpRouteIR, rank: number): void {
  for (const rule of route.rules) {
    rule.matches.forEach((match, matchIndex) => {
      index.add(new Candidate({ listener, route, rule, match }, rank, matchIndex));
    });
  }
}

export class CompiledHttpPort implements HttpPortTable {
  private readonly byHost = new HostIndex<ListenerRoutes>();

  constructor(
    readonly port: number,
    readonly protocol: 'HTTP' | 'HTTPS',
    readonly listeners: ListenerIR[],
  ) {
    // Listeners on one port with the same hostname are conflicted and never programmed, so
    // the first one keeping an entry only guards against an IR that breaks that rule.
    for (const listener of listeners) {
      this.byHost.entry(listener.hostname?.toLowerCase(), () => new ListenerRoutes(listener));
    }
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
