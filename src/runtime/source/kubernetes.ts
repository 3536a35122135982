/**
 * The Kubernetes source: informers (list, then watch; client-node relists on 410) on the kinds
 * the engine reads, feeding the same pipeline as the file source.
 *
 * Secrets and ConfigMaps are read only when referenced (listener certificates, CA bundles,
 * backend client certificates): one watch per referenced object, with a `metadata.name` field
 * selector in its namespace. A cluster-wide Secret watch would need list/watch on every Secret of
 * the cluster; a get-on-demand would miss certificate rotation. A name-selected watch reacts to
 * changes and can be granted per object (RBAC `resourceNames` apply to a watch that selects one
 * name), the least privilege that still sees renewals.
 *
 * client-node's informer stops after an error other than 410 (API unreachable, 403, 404): each
 * one is restarted with backoff, and the last objects stay in the snapshot meanwhile, so the data
 * plane keeps serving what it served. A kind whose CRD is not installed (404) is logged once and
 * retried every half minute.
 */
import { Snapshot, Source } from './index';
import { referencedObjects } from '../../engine/references';
import { keyOf } from '../../engine/translate/snapshot';
import { KubeObject } from '../../engine/types';
import { Informer, KubeApi } from '../kube-client';

interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  /** Whether the data plane can do without it: an experimental or optional CRD. */
  readonly optional: boolean;
  /** Read for metadata alone, and only the objects whose name passes `keep`. */
  readonly metadataOnly?: { keep(name: string): boolean };
}

const GW = 'gateway.networking.k8s.io';

export const RESOURCES: readonly Resource[] = [
  { apiVersion: `${GW}/v1`, kind: 'GatewayClass', plural: 'gatewayclasses', optional: false },
  { apiVersion: `${GW}/v1`, kind: 'Gateway', plural: 'gateways', optional: false },
  { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', plural: 'httproutes', optional: false },
  { apiVersion: `${GW}/v1`, kind: 'GRPCRoute', plural: 'grpcroutes', optional: true },
  { apiVersion: `${GW}/v1`, kind: 'TLSRoute', plural: 'tlsroutes', optional: true },
  { apiVersion: `${GW}/v1`, kind: 'TCPRoute', plural: 'tcproutes', optional: true },
  { apiVersion: `${GW}/v1`, kind: 'UDPRoute', plural: 'udproutes', optional: true },
  { apiVersion: `${GW}/v1`, kind: 'ListenerSet', plural: 'listenersets', optional: true },
  { apiVersion: `${GW}/v1`, kind: 'BackendTLSPolicy', plural: 'backendtlspolicies', optional: true },
  // v1beta1 is what every release since 0.6 serves; v1 only the newest.
  { apiVersion: `${GW}/v1beta1`, kind: 'ReferenceGrant', plural: 'referencegrants', optional: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', optional: false },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices', optional: false },
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', optional: false },
  // The Gateway API CRDs' bundle-version annotation decides GatewayClass SupportedVersion. Read
  // metadata-only (a cluster's CRDs can weigh megabytes) and kept only for the Gateway API groups;
  // a controller not allowed to read them serves on, and the condition says it saw none.
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    optional: true,
    metadataOnly: { keep: (name) => name.endsWith(`.${GW}`) || name.endsWith('.gateway.networking.x-k8s.io') },
  },
];

const SECRET: Resource = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', optional: true };
const CONFIG_MAP: Resource = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', optional: true };

/** Delay between the first event of a burst and the reload; the rest of the burst joins it. */
const SETTLE_MS = 5;
const ABSENT_RETRY_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

function collectionPath(resource: Resource, namespace?: string): string {
  const base = resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${resource.plural}`;
}

/** Whether two versions of an object differ in what the engine reads: not in status or bookkeeping metadata. */
export function sameInput(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { status: _status, metadata, ...rest } = o;
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}

/**
 * What is kept of an object read for its metadata: identity and the Gateway API's own annotations.
 * A CRD applied client-side carries its whole self in an annotation; a cluster may have hundreds.
 */
export function slimMetadata(obj: any): any {
  const m = obj?.metadata ?? {};
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k.startsWith(`${GW}/`)));
  return {
    apiVersion: obj?.apiVersion,
    kind: obj?.kind,
    metadata: {
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      generation: m.generation,
      creationTimestamp: m.creationTimestamp,
      ...Object.keys(annotations).length > 0 ? { annotations } : {},
    },
  };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * An object without what only its writers read: `managedFields` (server-side apply's record of
 * who set which field) and the last-applied-configuration annotation (client-side apply's copy
 * of the whole object), which together often weigh more than the object itself. Status writes
 * leave both as stored: a PUT without managedFields keeps them, and the status subresource
 * ignores the metadata it is sent.
 */
export function withoutBookkeeping(obj: any): any {
  const metadata = obj?.metadata;
  if (!metadata || (metadata.managedFields === undefined && metadata.annotations?.[LAST_APPLIED] === undefined)) return obj;
  const { managedFields: _fields, ...rest } = metadata;
  if (rest.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _applied, ...annotations } = rest.annotations;
    rest.annotations = annotations;
  }
  return { ...obj, metadata: rest };
}

interface Watched {
  readonly informer: Informer;
  synced: boolean;
  /** Listed and watching, for metrics: false after an error until the next successful list, and while the kind is not served. */
  up: boolean;
  /** Failures since the start, for metrics. */
  errors: number;
  readonly kind: string;
  failures: number;
  reportedAbsent: boolean;
  /** The last error logged, so that an outage is told once, not once per retry. */
  lastError?: string;
  retry?: NodeJS.Timeout;
  readonly keys: Set<string>;
}

export interface WatchHealth {
  readonly kind: string;
  readonly up: boolean;
  readonly errors: number;
  readonly objects: number;
}

export interface KubernetesSourceOptions {
  readonly api: KubeApi;
  readonly log: (line: string) => void;
  /** Called when only an object's status changed (someone else wrote it): the status writer checks it again. */
  readonly onStatusChange?: () => void;
  /**
   * `namespace/name` of the only Gateways served (a proxy's `--gateway`): the Secrets and
   * ConfigMaps of other Gateways (and of ListenerSets attached to them) are not read.
   * @default - every Gateway's
   */
  readonly gateways?: readonly string[];
}

export class KubernetesSource implements Source {
  /** What the engine is given, by key: an object keeps its instance while only its status changes. */
  private readonly objects = new Map<string, KubeObject>();
  /** The newest version of each object, status included, for the status writer. */
  private readonly latest = new Map<string, KubeObject>();
  private readonly watched = new Map<string, Watched>();
  /** EndpointSlice keys by the `namespace/name` of their Service. */
  private readonly slicesByService = new Map<string, Set<string>>();
  private current: KubeObject[] | undefined;
  private onChange: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private firstSync: (() => void) | undefined;

  constructor(private readonly options: KubernetesSourceOptions) {}

  async start(onChange: () => void): Promise<void> {
    const synced = new Promise<void>((resolve) => {
      this.firstSync = resolve;
    });
    for (const resource of RESOURCES) this.watch(resource.kind, resource, collectionPath(resource));
    await synced;
    this.onChange = onChange;
  }

  snapshot(): Snapshot {
    this.current ??= [...this.objects.values()];
    return { objects: this.current, problems: [] };
  }

  /** The object as last seen, status included, by engine key. */
  lookup(key: string): KubeObject | undefined {
    return this.latest.get(key);
  }

  /**
   * Per kind: whether its watches are up (listed, and no error since), their failures so far, and
   * the objects held. A data plane serving from a stale cache stays ready; this is how to see it.
   */
  health(): WatchHealth[] {
    const byKind = new Map<string, { up: boolean; errors: number; objects: number }>();
    for (const entry of this.watched.values()) {
      const h = byKind.get(entry.kind) ?? { up: true, errors: 0, objects: 0 };
      byKind.set(entry.kind, { up: h.up && entry.up, errors: h.errors + entry.errors, objects: h.objects + entry.keys.size });
    }
    return [...byKind].map(([kind, h]) => ({ kind, ...h })).sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.watched.values()].map((w) => {
      if (w.retry) clearTimeout(w.retry);
      return w.informer.stop();
    }));
  }

  private watch(id: string, resource: Resource, path: string, fieldSelector?: string): void {
    const entry: Watched = {
      informer: this.options.api.informer(path, fieldSelector, () => this.listed(id, entry), {
        ...resource.metadataOnly ? { metadataOnly: true, transform: slimMetadata } : { transform: withoutBookkeeping },
        // A watch resumed from the last resourceVersion (no list needed) is up again too.
        onWatching: () => {
          if (this.closed || this.watched.get(id) !== entry) return;
          entry.up = true;
          entry.synced = true;
          entry.failures = 0;
        },
      }),
      synced: false,
      up: false,
      errors: 0,
      kind: resource.kind,
      failures: 0,
      reportedAbsent: false,
      keys: new Set(),
    };
    const informer = entry.informer;
    this.watched.set(id, entry);
    // Items of a list carry no kind; metadata-only ones say PartialObjectMetadata.
    const typed = resource.metadataOnly
      ? (obj: any): KubeObject => ({ apiVersion: resource.apiVersion, kind: resource.kind, metadata: obj.metadata })
      : (obj: any): KubeObject => ({ ...obj, apiVersion: obj.apiVersion ?? resource.apiVersion, kind: obj.kind ?? resource.kind });
    const keep = resource.metadataOnly ? (obj: any) => resource.metadataOnly!.keep(String(obj?.metadata?.name ?? '')) : () => true;
    informer.on('add', (obj) => keep(obj) && this.upsert(entry, typed(obj)));
    informer.on('update', (obj) => keep(obj) && this.upsert(entry, typed(obj)));
    informer.on('delete', (obj) => keep(obj) && this.remove(entry, keyOf(typed(obj))));
    informer.on('error', (err) => this.failed(id, entry, resource, err));
    void informer.start().catch((err) => this.failed(id, entry, resource, err));
  }

  private listed(id: string, entry: Watched): void {
    if (this.closed || this.watched.get(id) !== entry) return;
    if (entry.reportedAbsent) this.options.log(`controller: ${id} is served by the API now`);
    entry.reportedAbsent = false;
    entry.synced = true;
    entry.up = true;
    entry.failures = 0;
    entry.lastError = undefined;
    this.checkSynced();
  }

  private failed(id: string, entry: Watched, resource: Resource, err: any): void {
    if (this.closed || this.watched.get(id) !== entry) return;
    entry.synced = false;
    entry.up = false;
    entry.errors++;
    const status = err?.statusCode ?? err?.code;
    let delay: number;
    // An optional kind whose CRD is not installed (404), or a referenced Secret we may not read
    // (403), has nothing to wait for; the data plane reports the missing reference.
    if (resource.optional && (status === 404 || (status === 403 && (id !== resource.kind || resource.metadataOnly)))) {
      if (!entry.reportedAbsent) {
        const why = status === 404 ? ', CRD not installed?' : resource.metadataOnly ? ', not allowed: GatewayClass SupportedVersion cannot check the installed CRDs' : '';
        this.options.log(`controller: ${id} cannot be listed (${status}${why}); retrying every ${ABSENT_RETRY_MS / 1000} s`);
      }
      entry.reportedAbsent = true;
      entry.synced = true;
      this.checkSynced();
      delay = ABSENT_RETRY_MS;
    } else {
      entry.failures++;
      delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(entry.failures, 10));
      const message = err instanceof Error ? err.message : String(err);
      if (message !== entry.lastError) this.options.log(`controller: watching ${id} failed (${message}); retrying, the last configuration stays live`);
      entry.lastError = message;
    }
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      if (!this.closed && this.watched.get(id) === entry) void entry.informer.start().catch((e) => this.failed(id, entry, resource, e));
    }, delay);
  }

  private checkSynced(): void {
    if (!this.firstSync) return;
    if ([...this.watched.values()].every((w) => w.synced)) {
      const resolve = this.firstSync;
      this.firstSync = undefined;
      resolve();
    }
  }

  private upsert(entry: Watched, object: KubeObject): void {
    entry.failures = 0;
    entry.lastError = undefined;
    const key = keyOf(object);
    entry.keys.add(key);
    const previous = this.latest.get(key);
    this.latest.set(key, object);
    if (object.kind === 'EndpointSlice') this.indexSlice(key, previous, object);
    const before = this.objects.get(key);
    if (before && sameInput(before, object)) {
      if (previous && JSON.stringify(previous.status) !== JSON.stringify(object.status)) this.options.onStatusChange?.();
      return;
    }
    this.objects.set(key, object);
    if (object.kind === 'Gateway' || object.kind === 'ListenerSet' || object.kind === 'BackendTLSPolicy') this.rewatchReferences();
    this.changed();
  }

  private remove(entry: Watched, key: string): void {
    entry.keys.delete(key);
    if (key.startsWith('EndpointSlice/')) this.indexSlice(key, this.latest.get(key), undefined);
    this.latest.delete(key);
    if (!this.objects.delete(key)) return;
    if (key.startsWith('Gateway/') || key.startsWith('ListenerSet/') || key.startsWith('BackendTLSPolicy/')) this.rewatchReferences();
    this.changed();
  }

  /**
   * How many ready endpoints the EndpointSlices of a Service list (an endpoint is ready unless
   * its `conditions.ready` is false): whether a proxy Service has a replica to send traffic to.
   */
  readyEndpoints(namespace: string, service: string): number {
    let ready = 0;
    for (const key of this.slicesByService.get(`${namespace}/${service}`) ?? []) {
      for (const endpoint of (this.latest.get(key) as any)?.endpoints ?? []) if (endpoint?.conditions?.ready !== false) ready++;
    }
    return ready;
  }

  private indexSlice(key: string, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const serviceOf = (slice: KubeObject | undefined) => {
      const name = slice?.metadata.labels?.[SERVICE_NAME_LABEL];
      return slice && name ? `${slice.metadata.namespace ?? 'default'}/${name}` : undefined;
    };
    const [from, to] = [serviceOf(before), serviceOf(after)];
    if (from === to) return;
    if (from) {
      const keys = this.slicesByService.get(from);
      keys?.delete(key);
      if (keys?.size === 0) this.slicesByService.delete(from);
    }
    if (to) this.slicesByService.set(to, (this.slicesByService.get(to) ?? new Set()).add(key));
  }

  /** One watch per referenced Secret or ConfigMap; watches of objects no longer referenced end. */
  private rewatchReferences(): void {
    const wanted = new Set<string>();
    const served = this.options.gateways && new Set(this.options.gateways);
    // A proxy of some Gateways reads only their Secrets (its RBAC may allow no other).
    const needed = (object: KubeObject) => {
      const ns = object.metadata.namespace ?? 'default';
      if (object.kind === 'BackendTLSPolicy') return true;
      if (object.kind === 'Gateway') return !served || served.has(`${ns}/${object.metadata.name}`);
      if (object.kind !== 'ListenerSet') return false;
      const parent = (object as any).spec?.parentRef;
      return !served || (parent !== undefined && served.has(`${parent.namespace ?? ns}/${parent.name}`));
    };
    for (const object of this.objects.values()) {
      if (needed(object)) for (const ref of referencedObjects(object)) wanted.add(ref);
    }
    for (const [id, entry] of this.watched) {
      if (!id.startsWith('Secret/') && !id.startsWith('ConfigMap/')) continue;
      if (wanted.has(id)) continue;
      this.watched.delete(id);
      if (entry.retry) clearTimeout(entry.retry);
      void entry.informer.stop();
      for (const key of entry.keys) {
        this.latest.delete(key);
        this.objects.delete(key);
      }
      this.changed();
    }
    for (const id of wanted) {
      if (this.watched.has(id)) continue;
      const [kind, namespace, name] = id.split('/');
      const resource = kind === 'Secret' ? SECRET : CONFIG_MAP;
      this.watch(id, resource, collectionPath(resource, namespace), `metadata.name=${name}`);
    }
  }

  private changed(): void {
    this.current = undefined;
    if (!this.onChange || this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onChange?.();
    }, SETTLE_MS);
  }
}
