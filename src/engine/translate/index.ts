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
 */
import { KubeObject, objectKey } from '../types';
import { backendTlsPolicies, policyAncestors, policyStatus, reportPolicyFindings } from './backend-tls-policy';
import { Finding, Findings } from './finding';
import { buildGateway, gatewayIR, gatewayStatus, GatewayNode, listenerSetStatus } from './gateway';
import { buildGatewayClass, ClassNode, gatewayClassStatus, isOurClass } from './gateway-class';
import { GatewayIR } from './ir';
import { ListenerSetNode, parentGatewayOf } from './listener-set';
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

export function translate(objects: readonly KubeObject[], options: TranslateOptions = {}): Translation {
  const snapshot = new Snapshot(objects);
  const findings = new Findings(snapshot);
  const now = options.now ?? DEFAULT_TRANSITION_TIME;
  const produced: { object: KubeObject; status: ObjectStatus['status'] }[] = [];

  const classes = new Map<string, ClassNode | undefined>();
  for (const gatewayClass of snapshot.all('GatewayClass')) {
    if (!isOurClass(gatewayClass, options.controllerName)) {
      classes.set(nameOf(gatewayClass), undefined);
      continue;
    }
    const { node, issue } = buildGatewayClass(gatewayClass);
    if (issue) findings.report(gatewayClass, issue);
    classes.set(node.name, node);
    produced.push({ object: gatewayClass, status: gatewayClassStatus(node, stampOf(gatewayClass, now)) });
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

  const policies = backendTlsPolicies(snapshot);
  reportPolicyFindings(policies, findings);

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
  for (const kind of ROUTE_KINDS) {
    for (const route of snapshot.all(kind)) {
      const status = translateRoute(snapshot, findings, route, kind, lookup, stampOf(route, now));
      if (status) produced.push({ object: route, status });
    }
  }

  for (const node of gateways.values()) {
    produced.push({ object: node.object, status: gatewayStatus(node, stampOf(node.object, now)) });
    for (const set of node.listenerSets) {
      produced.push({ object: set.object, status: listenerSetStatus(node, set, stampOf(set.object, now)) });
    }
  }

  const ir = [...gateways.values()].map(gatewayIR);
  for (const [policy, ancestors] of policyAncestors(policies, ir)) {
    produced.push({ object: policy.object, status: policyStatus(policy, ancestors, stampOf(policy.object, now)) });
  }

  produced.sort((a, b) => snapshot.indexOf(a.object) - snapshot.indexOf(b.object));
  const statuses = new Map<string, ObjectStatus>();
  for (const { object, status } of produced) {
    statuses.set(keyOf(object), {
      apiVersion: object.apiVersion,
      kind: object.kind,
      ...(namespaceOf(object) !== undefined ? { namespace: namespaceOf(object) } : {}),
      name: nameOf(object),
      status,
    });
  }

  return {
    statuses,
    gateways: ir,
    findings: findings.list(),
  };
}
