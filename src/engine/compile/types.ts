/**
 * The contract between compile (IR → route table) and the data plane. Compile is pure; the
 * proxy only calls `match` on the request path, so everything costly happens at compile time.
 */
import { GatewayIR, HttpMatchIR, HttpRouteIR, HttpRuleIR, ListenerIR } from '../translate';

/** What the data plane knows about one HTTP request when it chooses a route. */
export interface RequestFacts {
  /** Host (Host header or :authority) without port, lower case, no trailing dot. */
  readonly host: string;
  /** The normalized request path without the query string (the proxy normalizes it first). */
  readonly path: string;
  /** Upper case. */
  readonly method: string;
  /** First value of a header by lower-case name. */
  header(name: string): string | undefined;
  /** First value of a query parameter by exact name (decoded). */
  query(name: string): string | undefined;
}

/** The rule chosen for a request. */
export interface HttpMatchResult {
  readonly listener: ListenerIR;
  readonly route: HttpRouteIR;
  readonly rule: HttpRuleIR;
  /** The match of the rule that won (its path prefix drives ReplacePrefixMatch). */
  readonly match: HttpMatchIR;
}

/** The HTTP or HTTPS listeners of one Gateway that share one port, with their routes compiled. */
export interface HttpPortTable {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** Programmed listeners on this port, in the Gateway's order. */
  readonly listeners: ListenerIR[];
  /**
   * The listener that serves a host: exact hostname, then the wildcard with the most labels,
   * then a listener without hostname (listener isolation). Undefined when none does.
   */
  listenerFor(host: string): ListenerIR | undefined;
  /**
   * The winning rule for a request by the spec's precedence (across all routes of the chosen
   * listener), or undefined when nothing matches (404). The cost of a lookup must not grow with
   * the number of routes.
   */
  match(request: RequestFacts): HttpMatchResult | undefined;
  /** What `match` decides and why (for `explain`; slower, never on the request path). */
  trace(request: RequestFacts): MatchTrace;
}

/** One candidate `explain` looked at, in the order the data plane tests them. */
export interface TraceStep {
  /** The route hostname through which the candidate serves the host; undefined: the route serves any host. */
  readonly hostname?: string;
  readonly candidate: HttpMatchResult;
  /** Why it does not serve the request; undefined for the winner. */
  readonly failure?: string;
}

/** Everything one lookup decided, for `explain`. */
export interface MatchTrace {
  readonly listener?: ListenerIR;
  /** Candidates whose path selects the request, in precedence order, up to the winner. */
  readonly steps: TraceStep[];
  readonly result?: HttpMatchResult;
}

export interface CompiledGateway {
  readonly gateway: GatewayIR;
  /** Programmed HTTP/HTTPS ports of the Gateway. */
  readonly httpPorts: ReadonlyMap<number, HttpPortTable>;
}

/** Everything the data plane serves, swapped atomically as one value. */
export interface RouteTable {
  /** Keyed `namespace/name`. */
  readonly gateways: ReadonlyMap<string, CompiledGateway>;
}
