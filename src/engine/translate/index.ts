/**
 * translate: a snapshot of Kubernetes objects → the status a conformant controller writes, the
 * IR the data plane serves, and the findings behind every False condition. Pure: no I/O, no
 * clock (the time written into conditions comes from `options.now`).
 *
 * The order mirrors the Gateway API's own dependencies: GatewayClasses decide which Gateways
 * are ours; listeners are validated and checked for conflicts; routes attach to listeners;
 * only then are listener attachedRoutes and Gateway conditions final.
 */
import { KubeObject, objectKey } from '../types';
import { Finding, Findings } from './finding';
import { buildGateway, gatewayIR, gatewayStatus, GatewayNode } from './gateway';
import { buildGatewayClass, ClassNode, gatewayClassStatus, isOurClass } from './gateway-class';
import { GatewayIR } from './ir';
import { ParentLookup, ParentRefTarget, translateRoute } from './route';
import { keyOf, nameOf, namespaceOf, ROUTE_KINDS, Snapshot } from './snapshot';
import { ObjectStatus, stampOf } from './status';

export type {
  BackendIR, CaCertificateIR, CertificateIR, ClientValidationIR, CorsIR, GatewayIR, GrpcMatchIR, GrpcRouteIR, GrpcRuleIR, HeaderModifierIR,
  HttpFilterIR, HttpMatchIR, HttpRouteIR, HttpRuleIR, ListenerIR, ListenerProtocol, ListenerTlsIR, MirrorIR,
  PathModifierIR, Problem, RedirectIR, RewriteIR, RouteIR, RouteKind, StreamRouteIR, StreamRuleIR, ValueMatchIR,
} from './ir';
export type {
  Condition, ConditionStatus, GatewayClassStatus, GatewayStatus, ListenerStatus, ObjectStatus, ParentReference,
  RouteGroupKind, RouteParentStatus, RouteStatus,
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

  const gateways = new Map<string, GatewayNode>();
  for (const gateway of snapshot.all('Gateway')) {
    const gatewayClass = classes.get(String(gateway.spec?.gatewayClassName ?? ''));
    if (gatewayClass) gateways.set(keyOf(gateway), buildGateway(snapshot, findings, gateway, gatewayClass));
  }

  const lookup = (target: ParentRefTarget): ParentLookup => {
    const key = objectKey('Gateway', target.namespace, target.name);
    const ours = gateways.get(key);
    if (ours) return { owner: 'us', gateway: ours };
    const gateway = snapshot.find('Gateway', target.namespace, target.name);
    const className = String(gateway?.spec?.gatewayClassName ?? '');
    return gateway && classes.has(className) ? { owner: 'other' } : { owner: 'unknown' };
  };
  for (const kind of ROUTE_KINDS) {
    for (const route of snapshot.all(kind)) {
      const status = translateRoute(snapshot, findings, route, kind, lookup, stampOf(route, now));
      if (status) produced.push({ object: route, status });
    }
  }

  for (const node of gateways.values()) {
    produced.push({ object: node.object, status: gatewayStatus(node, stampOf(node.object, now)) });
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
    gateways: [...gateways.values()].map(gatewayIR),
    findings: findings.list(),
  };
}
