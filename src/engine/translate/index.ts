/**
 * translate: a snapshot of Kubernetes objects → the status a conformant controller writes, the
 * IR the data plane serves, and the findings behind every False condition. Pure: no I/O, no
 * clock (the time written into conditions comes from `options.now`).
 *
 * The order mirrors the Gateway API's own dependencies: GatewayClasses decide which Gateways
 * are ours; Gateways admit ListenerSets; listeners are validated and checked for conflicts;
 * routes attach to listeners (BackendTLSPolicies shaping their backends); only then are
 * listener attachedRoutes, Gateway and ListenerSet conditions, and the ancestors of each
 * BackendTLSPolicy final.
 *
 * Each of these steps is exported on its own (`buildFrame`, `translateRoute`, the status and IR
 * functions of gateway.ts) because the incremental engine runs the same steps, caching what a
 * change does not touch.
 */
import { KubeObject, objectKey } from '../types';
import { backendTlsPolicies, policyAncestors, policyStatus, reportPolicyFindings } from './backend-tls-policy';
import { Finding, Findings, FindingSink } from './finding';
import { AttachedRoutes, buildGateway, gatewayIR, gatewayStatus, GatewayNode, listenerSetStatus, routePresenter } from './gateway';
import { buildGatewayClass, ClassNode, crdVersions, CrdVersions, gatewayClassStatus, isOurClass } from './gateway-class';
import { GatewayIR, RouteIR } from './ir';
import { ListenerNode } from './listener';
import { ListenerSetNode, parentGatewayOf } from './listener-set';
import { sortByPrecedence } from './precedence';
import { ParentLookup, ParentRefTarget, translateRoute } from './route';
import { keyOf, nameOf, namespaceOf, ROUTE_KINDS, Snapshot } from './snapshot';
import { ObjectStatus, stampOf } from './status';

export type {
  BackendIR, BackendTlsIR, CaCertificateIR, CertificateIR, ClientValidationIR, CorsIR, GatewayIR, GrpcMatchIR, GrpcRouteIR, GrpcRuleIR,
  HeaderModifierIR, HttpFilterIR, HttpMatchIR, HttpRouteIR, HttpRuleIR, ListenerIR, ListenerProtocol, ListenerTlsIR, MirrorIR,
  PathModifierIR, Problem, RedirectIR, RewriteIR, RouteIR, RouteKind, StreamRouteIR, StreamRuleIR, SubjectAltNameIR, ValueMatchIR,
} from './ir';
export type {
  Condition, ConditionStatus, GatewayClassStatus, GatewayStatus, ListenerSetStatus, ListenerStatus, ObjectStatus, ParentReference,
  PolicyAncestorStatus, PolicyStatus, RouteGroupKind, RouteParentStatus, RouteStatus,
} from './status';
export type { Finding, Premise } from './finding';

/** What conditions carry as lastTransitionTime when no time is given: reproducible output. */
export const DEFAULT_TRANSITION_TIME = '1970-01-01T00:00:00Z';

export interface TranslateOptions {
  /**
   * Only GatewayClasses with this controllerName are ours, and only their Gateways and the
   * routes attached to them get status. Undefined: every GatewayClass is ours
   * (implementation-neutral checks).
   */
  readonly controllerName?: string;
  /** RFC 3339 time written as every condition's lastTransitionTime. @default DEFAULT_TRANSITION_TIME */
  readonly now?: string;
}

export interface Translation {
  /** Status of every object we own, keyed by `objectKey(kind, namespace, name)`, in input order. */
  readonly statuses: ReadonlyMap<string, ObjectStatus>;
  /** Our Gateways, in input order. */
  readonly gateways: GatewayIR[];
  /** Every refusal behind a False condition (and every dropped rule), in input order. */
  readonly findings: Finding[];
}

/** A condition-carrying status, with the object it belongs to. */
export interface ProducedStatus {
  readonly object: KubeObject;
  readonly status: ObjectStatus['status'];
}

/**
 * What routes attach to: our GatewayClasses, our Gateways with their listeners and ListenerSets,
 * all checked. Routes are not read; statuses that count them come after the routes.
 */
export interface Frame {
  /** Status of each of our GatewayClasses. */
  readonly classStatuses: readonly ProducedStatus[];
  /** Our Gateways by object key, in input order. */
  readonly gateways: ReadonlyMap<string, GatewayNode>;
  /** What a route's parentRef (to a Gateway or a ListenerSet) names, as far as we are concerned. */
  lookup(target: ParentRefTarget): ParentLookup;
}

export function buildFrame(snapshot: Snapshot, findings: FindingSink, options: TranslateOptions = {}): Frame {
  const now = options.now ?? DEFAULT_TRANSITION_TIME;
  const classStatuses: ProducedStatus[] = [];
  const classes = new Map<string, ClassNode | undefined>();
  let versions: CrdVersions | undefined;
  for (const gatewayClass of snapshot.all('GatewayClass')) {
    if (!isOurClass(gatewayClass, options.controllerName)) {
      classes.set(nameOf(gatewayClass), undefined);
      continue;
    }
    versions ??= crdVersions(snapshot);
    const { node, issue } = buildGatewayClass(gatewayClass, versions);
    if (issue) findings.report(gatewayClass, issue);
    classes.set(node.name, node);
    classStatuses.push({ object: gatewayClass, status: gatewayClassStatus(node, stampOf(gatewayClass, now)) });
  }

  const setsByGateway = new Map<string, KubeObject[]>();
  for (const set of snapshot.all('ListenerSet')) {
    const parent = parentGatewayOf(set);
    if (!parent) continue;
    const key = objectKey('Gateway', parent.namespace, parent.name);
    setsByGateway.set(key, [...(setsByGateway.get(key) ?? []), set]);
  }

  const gateways = new Map<string, GatewayNode>();
  const listenerSets = new Map<string, { gateway: GatewayNode; set: ListenerSetNode }>();
  for (const gateway of snapshot.all('Gateway')) {
    const gatewayClass = classes.get(String(gateway.spec?.gatewayClassName ?? ''));
    if (!gatewayClass) continue;
    const node = buildGateway(snapshot, findings, gateway, gatewayClass, setsByGateway.get(keyOf(gateway)));
    gateways.set(keyOf(gateway), node);
    for (const set of node.listenerSets) listenerSets.set(keyOf(set.object), { gateway: node, set });
  }

  const gatewayOwner = (namespace: string, name: string): ParentLookup => {
    const ours = gateways.get(objectKey('Gateway', namespace, name));
    if (ours) return { owner: 'us', gateway: ours };
    const gateway = snapshot.find('Gateway', namespace, name);
    const className = String(gateway?.spec?.gatewayClassName ?? '');
    return gateway && classes.has(className) ? { owner: 'other' } : { owner: 'unknown' };
  };
  const lookup = (target: ParentRefTarget): ParentLookup => {
    if (target.kind !== 'ListenerSet') return gatewayOwner(target.namespace, target.name);
    const ours = listenerSets.get(objectKey('ListenerSet', target.namespace, target.name));
    if (ours) return { owner: 'us', gateway: ours.gateway, listenerSet: ours.set };
    const set = snapshot.find('ListenerSet', target.namespace, target.name);
    const parent = set && parentGatewayOf(set);
    // A set whose parent is not a Gateway of ours is another implementation's business.
    if (set && !parent) return { owner: 'other' };
    return parent ? gatewayOwner(parent.namespace, parent.name) : { owner: 'unknown' };
  };
  return { classStatuses, gateways, lookup };
}

/** The statuses of a Gateway and of its ListenerSets, once routes have attached. */
export function gatewayStatuses(node: GatewayNode, routes: AttachedRoutes, now: string): ProducedStatus[] {
  return [
    { object: node.object, status: gatewayStatus(node, stampOf(node.object, now), routes) },
    ...node.listenerSets.map((set) => ({ object: set.object, status: listenerSetStatus(node, set, stampOf(set.object, now), routes) })),
  ];
}

/** The entry of `Translation.statuses` for an object. */
export function objectStatus(object: KubeObject, status: ObjectStatus['status']): ObjectStatus {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(namespaceOf(object) !== undefined ? { namespace: namespaceOf(object) } : {}),
    name: nameOf(object),
    status,
  };
}

export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}): Translation {
  const snapshot = new Snapshot(objects);
  const findings = new Findings(snapshot);
  const now = options.now ?? DEFAULT_TRANSITION_TIME;

  const frame = buildFrame(snapshot, findings, options);
  const produced: ProducedStatus[] = [...frame.classStatuses];

  const policies = backendTlsPolicies(snapshot);
  reportPolicyFindings(policies, findings);

  for (const kind of ROUTE_KINDS) {
    for (const route of snapshot.all(kind)) {
      const { status, placements } = translateRoute(snapshot, findings, route, kind, (target) => frame.lookup(target), stampOf(route, now));
      if (status) produced.push({ object: route, status });
      for (const [listener, ir] of placements) listener.routes.set(keyOf(route), ir);
    }
  }

  const ir: GatewayIR[] = [];
  for (const node of frame.gateways.values()) {
    const present = routePresenter(node);
    const sorted = new Map<ListenerNode, RouteIR[]>();
    const routes: AttachedRoutes = (listener) => {
      let list = sorted.get(listener);
      if (!list) sorted.set(listener, list = sortByPrecedence(listener.routes.values()).map(present));
      return list;
    };
    produced.push(...gatewayStatuses(node, routes, now));
    ir.push(gatewayIR(node, routes));
  }
  for (const [policy, ancestors] of policyAncestors(policies, ir)) {
    produced.push({ object: policy.object, status: policyStatus(policy, ancestors, stampOf(policy.object, now)) });
  }

  produced.sort((a, b) => snapshot.indexOf(a.object) - snapshot.indexOf(b.object));
  const statuses = new Map<string, ObjectStatus>();
  for (const { object, status } of produced) statuses.set(keyOf(object), objectStatus(object, status));

  return {
    statuses,
    gateways: ir,
    findings: findings.list(),
  };
}
