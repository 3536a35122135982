import { DEFAULT_NAMESPACE, GATEWAY_GROUP, KubeObject, objectKey } from '../types';

/** The label the API server puts on every Namespace; selectors may rely on it even when the Namespace is not in the input. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
export type RouteKind = typeof ROUTE_KINDS[number];

/** API group of each kind translate reads; objects of other kinds, or of these kinds in another group, are ignored. */
const KNOWN_KINDS: Record<string, string> = {
  GatewayClass: GATEWAY_GROUP,
  Gateway: GATEWAY_GROUP,
  HTTPRoute: GATEWAY_GROUP,
  GRPCRoute: GATEWAY_GROUP,
  TLSRoute: GATEWAY_GROUP,
  TCPRoute: GATEWAY_GROUP,
  UDPRoute: GATEWAY_GROUP,
  ReferenceGrant: GATEWAY_GROUP,
  ListenerSet: GATEWAY_GROUP,
  BackendTLSPolicy: GATEWAY_GROUP,
  Service: '',
  Secret: '',
  ConfigMap: '',
  Namespace: '',
  EndpointSlice: 'discovery.k8s.io',
};

const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

/** The group part of an apiVersion (`gateway.networking.k8s.io/v1` → `gateway.networking.k8s.io`, `v1` → ``). */
export function apiGroup(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
}

/** Namespace as the API server stores it: cluster-scoped kinds have none, others fall back to `default`. */
export function namespaceOf(obj: KubeObject): string | undefined {
  if (CLUSTER_SCOPED.has(obj.kind)) return undefined;
  return obj.metadata.namespace || DEFAULT_NAMESPACE;
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.kind, namespaceOf(obj), nameOf(obj));
}

/** `namespace/name` (or `name` when cluster-scoped), the way messages name an object. */
export function displayName(obj: KubeObject): string {
  const ns = namespaceOf(obj);
  return ns === undefined ? nameOf(obj) : `${ns}/${nameOf(obj)}`;
}

/**
 * The order of precedence the Gateway API uses between objects of one kind: oldest
 * creationTimestamp first, then namespace/name. An object without creationTimestamp has not been
 * created yet, so it comes after every object that has one.
 */
export function compareObjectPrecedence(a: KubeObject, b: KubeObject): number {
  const age = (o: KubeObject) => {
    const stamp = o.metadata.creationTimestamp as unknown;
    const t = stamp instanceof Date ? stamp.getTime() : typeof stamp === 'string' ? Date.parse(stamp) : NaN;
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  const byAge = age(a) - age(b);
  if (byAge !== 0 && !Number.isNaN(byAge)) return byAge;
  const ka = displayName(a);
  const kb = displayName(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The input, indexed by kind, namespace and name. When the same object appears twice the later
 * one wins, as it would for `kubectl apply` of the files in order.
 */
export class Snapshot {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byKind = new Map<string, KubeObject[]>();
  private readonly position = new Map<KubeObject, number>();
  private readonly byKindAndNamespace = new Map<string, Map<string, KubeObject[]>>();

  constructor(objects: readonly KubeObject[]) {
    objects.forEach((obj, index) => {
      if (!obj || typeof obj !== 'object' || !obj.metadata) return;
      if (KNOWN_KINDS[obj.kind] === undefined || apiGroup(obj.apiVersion) !== KNOWN_KINDS[obj.kind]) return;
      const key = keyOf(obj);
      const previous = this.byKey.get(key);
      const list = this.byKind.get(obj.kind) ?? [];
      if (previous) {
        list[list.indexOf(previous)] = obj;
      } else {
        list.push(obj);
      }
      this.byKind.set(obj.kind, list);
      this.byKey.set(key, obj);
      this.position.set(obj, index);
    });
  }

  /** Every object of a kind, in input order. */
  all(kind: string): KubeObject[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Every object of a kind in one namespace, in input order (indexed on first use). */
  inNamespace(kind: string, namespace: string): KubeObject[] {
    let index = this.byKindAndNamespace.get(kind);
    if (!index) {
      index = new Map();
      for (const obj of this.all(kind)) {
        const ns = namespaceOf(obj) ?? '';
        const list = index.get(ns);
        if (list) list.push(obj); else index.set(ns, [obj]);
      }
      this.byKindAndNamespace.set(kind, index);
    }
    return index.get(namespace) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(objectKey(kind, namespace, name));
  }

  /** Position of the object in the input list, for ordering what is reported about it. */
  indexOf(obj: KubeObject): number {
    return this.position.get(obj) ?? -1;
  }

  /**
   * Labels of a namespace. `known` is false when the Namespace object is not in the input: then
   * only the label the API server always adds is certain.
   */
  namespaceLabels(namespace: string): { labels: Record<string, string>; known: boolean } {
    const ns = this.find('Namespace', undefined, namespace);
    return {
      labels: { ...(ns?.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: namespace },
      known: ns !== undefined,
    };
  }
}
