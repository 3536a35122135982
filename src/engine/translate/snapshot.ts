import { DEFAULT_NAMESPACE, GATEWAY_GROUP, KubeObject, objectKey } from '../types';
import { LayeredMap } from './layered-map';

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
  // Only their metadata is read: the bundle-version annotation behind GatewayClass SupportedVersion.
  CustomResourceDefinition: 'apiextensions.k8s.io',
};

const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace', 'CustomResourceDefinition']);

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

/** What `Snapshot.recordReads` notes for reading every object of a kind in one namespace. */
export function namespaceReadKey(kind: string, namespace: string): string {
  return `*${kind}/${namespace}`;
}

/** What `Snapshot.recordReads` notes for reading every object of a kind. */
export function kindReadKey(kind: string): string {
  return `*${kind}`;
}

/**
 * The read keys a change to the object `Kind/namespace/name` concerns: its own key, its kind in
 * its namespace, its kind.
 */
export function readKeysOf(key: string): [string, string, string] {
  const kindEnd = key.indexOf('/');
  const namespaceEnd = key.indexOf('/', kindEnd + 1);
  const kind = key.slice(0, kindEnd);
  return [key, namespaceReadKey(kind, key.slice(kindEnd + 1, namespaceEnd)), kindReadKey(kind)];
}

/** Whether translate reads the object at all: a known kind of the right API group. */
function isTranslated(obj: KubeObject): boolean {
  if (!obj || typeof obj !== 'object' || !obj.metadata) return false;
  return KNOWN_KINDS[obj.kind] !== undefined && apiGroup(obj.apiVersion) === KNOWN_KINDS[obj.kind];
}

/**
 * The input, indexed by kind, namespace and name. When the same object appears twice the later
 * one wins, as it would for `kubectl apply` of the files in order.
 *
 * A caller can learn what a computation read (`recordReads`), which is how the incremental
 * engine knows which results a change can affect without each translation step declaring it.
 */
export class Snapshot {
  private byKey: LayeredMap<string, KubeObject>;
  private byKind = new Map<string, KubeObject[]>();
  private position: LayeredMap<KubeObject, number>;
  /** The position the next object added by `with` takes. */
  private end: number;
  private readonly byKindAndNamespace = new Map<string, Map<string, KubeObject[]>>();
  private reads: Set<string> | undefined;

  constructor(objects: readonly KubeObject[]) {
    const byKey = new Map<string, KubeObject>();
    const position = new Map<KubeObject, number>();
    objects.forEach((obj, index) => {
      if (!isTranslated(obj)) return;
      const key = keyOf(obj);
      const previous = byKey.get(key);
      const list = this.byKind.get(obj.kind) ?? [];
      if (previous) {
        list[list.indexOf(previous)] = obj;
      } else {
        list.push(obj);
      }
      this.byKind.set(obj.kind, list);
      byKey.set(key, obj);
      position.set(obj, index);
    });
    this.byKey = LayeredMap.of(byKey);
    this.position = LayeredMap.of(position);
    this.end = objects.length;
  }

  /**
   * This snapshot after `changes`, applied in order: an object replaces the one with its key,
   * which keeps its place, or comes last; `undefined` deletes the object with the key. Unchanged
   * parts are shared, and this snapshot stays as it is, since results computed from it may still
   * read it. For a few changes to a large snapshot, much cheaper than a new one.
   */
  with(changes: Iterable<readonly [string, KubeObject | undefined]>): Snapshot {
    const next = new Snapshot([]);
    next.byKind = new Map(this.byKind);
    next.end = this.end;
    const current = new Map<string, KubeObject | undefined>();
    const find = (key: string) => current.has(key) ? current.get(key) : this.byKey.get(key);
    const keys: [string, KubeObject | undefined][] = [];
    const positions = new Map<KubeObject, number | undefined>();
    const positionOf = (obj: KubeObject) => positions.has(obj) ? positions.get(obj) : this.position.get(obj);
    const copied = new Set<string>();
    const listOf = (kind: string) => {
      if (!copied.has(kind)) {
        next.byKind.set(kind, [...this.byKind.get(kind) ?? []]);
        copied.add(kind);
      }
      return next.byKind.get(kind)!;
    };
    for (const [key, obj] of changes) {
      const previous = find(key);
      const replacement = obj !== undefined && isTranslated(obj) ? obj : undefined;
      if (previous) {
        const list = listOf(previous.kind);
        const at = list.indexOf(previous);
        const place = positionOf(previous);
        positions.set(previous, undefined);
        if (replacement) {
          list[at] = replacement;
          positions.set(replacement, place);
        } else {
          list.splice(at, 1);
        }
      } else if (replacement) {
        listOf(replacement.kind).push(replacement);
        positions.set(replacement, next.end++);
      }
      current.set(key, replacement);
      keys.push([key, replacement]);
    }
    next.byKey = this.byKey.with(keys);
    next.position = this.position.with(positions);
    for (const [kind, index] of this.byKindAndNamespace) if (!copied.has(kind)) next.byKindAndNamespace.set(kind, index);
    return next;
  }

  /** Every object of a kind, in input order. */
  all(kind: string): KubeObject[] {
    this.reads?.add(kindReadKey(kind));
    return this.byKind.get(kind) ?? [];
  }

  /** Every object of a kind in one namespace, in input order (indexed on first use). */
  inNamespace(kind: string, namespace: string): KubeObject[] {
    this.reads?.add(namespaceReadKey(kind, namespace));
    let index = this.byKindAndNamespace.get(kind);
    if (!index) {
      index = new Map();
      for (const obj of this.byKind.get(kind) ?? []) {
        const ns = namespaceOf(obj) ?? '';
        const list = index.get(ns);
        if (list) list.push(obj); else index.set(ns, [obj]);
      }
      this.byKindAndNamespace.set(kind, index);
    }
    return index.get(namespace) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(kind, namespace, name);
    this.reads?.add(key);
    return this.byKey.get(key);
  }

  /** Whether this very object is part of the snapshot (an object of an unknown kind or group, or one a later duplicate replaced, is not). */
  has(obj: KubeObject): boolean {
    return isTranslated(obj) && this.byKey.get(keyOf(obj)) === obj;
  }

  /**
   * Runs `compute` and returns what it read besides its value: the key of every object it
   * found or looked for in vain, `namespaceReadKey` and `kindReadKey` for the lists it took,
   * and whatever it noted with `noteRead`. Recordings do not nest: an inner one takes the reads
   * until it ends.
   */
  recordReads<T>(compute: () => T): { value: T; reads: Set<string> } {
    const outer = this.reads;
    const reads = new Set<string>();
    this.reads = reads;
    try {
      return { value: compute(), reads };
    } finally {
      this.reads = outer;
    }
  }

  /** Runs `compute` without recording its reads, for a dependency the recorder tracks in its own way. */
  unrecorded<T>(compute: () => T): T {
    const outer = this.reads;
    this.reads = undefined;
    try {
      return compute();
    } finally {
      this.reads = outer;
    }
  }

  /** Notes a read of something derived from the snapshot (not an object), under a key its deriver defines. */
  noteRead(key: string): void {
    this.reads?.add(key);
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
