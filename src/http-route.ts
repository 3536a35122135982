import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backend';
import { GatewayApiResource, IResource, ResourceProps } from './base';
import { grantInferenceEnabled, inferReferenceGrant } from './private/grants';
import { GATEWAY_API_GROUP, compact } from './private/util';
import { HttpRouteFilter } from './route-filter';
import { HttpRouteMatch } from './route-match';

/** Which part of a parent a route attaches to. */
export interface ParentOptions {
  /**
   * The listener (by name) to attach to.
   *
   * @default - every listener of the Gateway that admits the route
   */
  readonly sectionName?: string;
  /**
   * The listener port to attach to.
   *
   * @default - any port
   */
  readonly port?: number;
}

/** A parent a route attaches to, with the listener it selects. */
export interface RouteParent extends ParentOptions {
  /** The Gateway (or other parent) to attach to. */
  readonly parent: IResource;
}

/** Time limits of a rule. */
export interface HttpRouteTimeouts {
  /**
   * Limit for the whole request, from the Gateway receiving it to the response (0 disables it).
   *
   * @default - the implementation's default
   */
  readonly request?: Duration;
  /**
   * Limit for one request from the Gateway to a backend; at most `request`.
   *
   * @default - the implementation's default
   */
  readonly backendRequest?: Duration;
}

/** One rule: when it applies, what it does, where it sends requests. */
export interface HttpRouteRuleOptions {
  /**
   * A name for the rule (unique in the route), shown in status and metrics.
   *
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * The rule applies when any of these matches.
   *
   * @default - every request (path prefix `/`)
   */
  readonly matches?: HttpRouteMatch[];
  /**
   * Filters applied to every request the rule takes, in order.
   *
   * @default - none
   */
  readonly filters?: HttpRouteFilter[];
  /**
   * Backends, sharing traffic by weight. A rule with no backends answers 500 unless a
   * filter (a redirect) answers it.
   *
   * @default - none
   */
  readonly backends?: Backend[];
  /** @default - the implementation's defaults */
  readonly timeouts?: HttpRouteTimeouts;
}

export interface HttpRouteProps extends ResourceProps {
  /**
   * The Gateways (or listeners) the route attaches to; more with `addParent`.
   *
   * @default - none yet
   */
  readonly parents?: RouteParent[];
  /**
   * Hostnames (or `*.` wildcards) the route serves.
   *
   * @default - the hostnames of the listeners it attaches to
   */
  readonly hostnames?: string[];
  /**
   * Rules; more with `addRule`.
   *
   * @default - none yet
   */
  readonly rules?: HttpRouteRuleOptions[];
  /**
   * Create the ReferenceGrants that backends in other namespaces need.
   *
   * @default true (or the app's `cdk8s-gateway/infer-reference-grants` context)
   */
  readonly inferReferenceGrants?: boolean;
}

/** A rule of an HttpRoute; add matches, filters and backends after creating it. */
export class HttpRouteRule {
  public readonly name?: string;
  private readonly _matches: HttpRouteMatch[] = [];
  private readonly _filters: HttpRouteFilter[] = [];
  private readonly _backends: Backend[] = [];
  private _timeouts?: HttpRouteTimeouts;

  /** @internal */
  public constructor(private readonly route: HttpRoute, options: HttpRouteRuleOptions) {
    this.name = options.name;
    this._timeouts = options.timeouts;
    for (const m of options.matches ?? []) this.addMatch(m);
    for (const f of options.filters ?? []) this.addFilter(f);
    for (const b of options.backends ?? []) this.addBackend(b);
  }

  public get matches(): HttpRouteMatch[] {
    return [...this._matches];
  }

  public get filters(): HttpRouteFilter[] {
    return [...this._filters];
  }

  public get backends(): Backend[] {
    return [...this._backends];
  }

  public addMatch(match: HttpRouteMatch): void {
    this._matches.push(match);
  }

  public addFilter(filter: HttpRouteFilter): void {
    this._filters.push(filter);
    this.route._referenced(filter.mirrorTarget, 'a mirror target');
  }

  public addBackend(backend: Backend): void {
    this._backends.push(backend);
    this.route._referenced(backend, 'a backend');
    for (const f of backend.filters) this.route._referenced(f.mirrorTarget, 'a mirror target');
  }

  /** Sets the rule's time limits. */
  public configureTimeouts(timeouts: HttpRouteTimeouts): void {
    this._timeouts = timeouts;
  }

  /**
   * Replaces every backend (used by routes that compute their split, like CanaryRoute).
   *
   * @internal
   */
  public _replaceBackends(backends: Backend[]): void {
    this._backends.splice(0, this._backends.length);
    for (const b of backends) this.addBackend(b);
  }

  /** @internal */
  public _toKube(ns: string | undefined): any {
    return compact({
      name: this.name,
      matches: this._matches.map(matchToKube),
      filters: this._filters.map((f) => f._toKube(ns)),
      backendRefs: this._backends.map((b) => b._toBackendRef(ns)),
      timeouts: this._timeouts && compact({
        request: this._timeouts.request && formatDuration(this._timeouts.request),
        backendRequest: this._timeouts.backendRequest && formatDuration(this._timeouts.backendRequest),
      }),
    }) ?? {};
  }
}

/**
 * An HTTPRoute: hostnames and rules that send HTTP requests arriving at a Gateway's listeners
 * to backends. Backends in other namespaces get their ReferenceGrant created.
 */
export class HttpRoute extends GatewayApiResource implements IResource {
  private readonly parents: RouteParent[] = [];
  private readonly _hostnames: string[] = [];
  private readonly _rules: HttpRouteRule[] = [];
  private readonly inferGrants: boolean;

  public constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id, 'HTTPRoute', `${GATEWAY_API_GROUP}/v1`, props);
    this.inferGrants = grantInferenceEnabled(this, props.inferReferenceGrants);
    for (const p of props.parents ?? []) this.addParent(p.parent, p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({
      validate: () => (this.parents.length === 0 ? [`route ${this.name} is not attached to any Gateway; call addParent(gateway)`] : []),
    });
  }

  /** Attaches the route to a Gateway, or to one of its listeners by `sectionName` or `port`. */
  public addParent(parent: IResource, options: ParentOptions = {}): void {
    // An object of the app without a namespace lands wherever kubectl applies it; a reference
    // without a namespace would silently mean the route's own namespace instead.
    if (parent instanceof GatewayApiResource && parent.namespace === undefined && this.namespace !== undefined) {
      throw new Error(`${parent.kind} ${parent.node.path} has no namespace (neither it nor its chart sets one), so route ${this.node.path} `
        + `in namespace ${this.namespace} cannot refer to it; set the namespace of the ${parent.kind}'s chart`);
    }
    this.parents.push({ parent, sectionName: options.sectionName, port: options.port });
  }

  public addHostname(hostname: string): void {
    if (this._hostnames.includes(hostname)) {
      throw new Error(`route ${this.node.path} already serves hostname ${hostname}`);
    }
    this._hostnames.push(hostname);
  }

  /** Adds a rule and returns it (add matches, filters and backends to it later if you like). */
  public addRule(options: HttpRouteRuleOptions = {}): HttpRouteRule {
    const rule = new HttpRouteRule(this, options);
    this._rules.push(rule);
    return rule;
  }

  public get hostnames(): string[] {
    return [...this._hostnames];
  }

  public get rules(): HttpRouteRule[] {
    return [...this._rules];
  }

  /**
   * Called for every backend the route refers to, so the grant exists before synthesis.
   *
   * @internal
   */
  public _referenced(backend: Backend | undefined, what: string): void {
    if (!backend) return;
    if (backend._namespaceUnknown && this.namespace !== undefined) {
      throw new Error(`${what} of route ${this.node.path} is ${backend.kind} ${backend.name}, whose namespace is not known `
        + `(neither it nor its chart sets one), while the route is in namespace ${this.namespace}; set the namespace of the ${backend.kind}'s chart`);
    }
    if (!this.inferGrants || backend.namespace === undefined) return;
    inferReferenceGrant(this, {
      fromKind: this.kind,
      fromNamespace: this.namespace,
      toGroup: backend.group,
      toKind: backend.kind,
      toName: backend.name,
      toNamespace: backend.namespace,
    }, `${what} (${backend.kind} ${backend.namespace}/${backend.name}) of route ${this.node.path}`);
  }

  /** @internal */
  public _toSpec(): any {
    const ns = this.namespace;
    return compact({
      parentRefs: this.parents.map((p) => parentRefToKube(p, ns)),
      hostnames: [...this._hostnames],
      rules: this._rules.map((r) => r._toKube(ns)),
    }) ?? {};
  }
}

function parentRefToKube(p: RouteParent, routeNamespace: string | undefined): any {
  const isGateway = p.parent.apiGroup === GATEWAY_API_GROUP && p.parent.kind === 'Gateway';
  return compact({
    group: isGateway ? undefined : p.parent.apiGroup,
    kind: isGateway ? undefined : p.parent.kind,
    name: p.parent.name,
    namespace: p.parent.namespace !== undefined && p.parent.namespace !== routeNamespace ? p.parent.namespace : undefined,
    sectionName: p.sectionName,
    port: p.port,
  });
}

function matchToKube(m: HttpRouteMatch): any {
  return compact({
    path: m.path && { type: m.path.type, value: m.path.value },
    headers: m.headers?.map((h) => ({ type: h.type, name: h.name, value: h.value })),
    queryParams: m.queryParams?.map((q) => ({ type: q.type, name: q.name, value: q.value })),
    method: m.method,
  }) ?? {};
}

/** A duration in the Gateway API's format (`1h30m`, `500ms`, `0s`). */
function formatDuration(d: Duration): string {
  let ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`timeout ${d.toHumanString()} cannot be expressed in whole milliseconds`);
  }
  if (ms === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('');
}
