/**
 * Writes the engine's statuses to the API. What is written is worked out by pure functions
 * (`statusToWrite`), so the rules that prevent flapping are tested without a server:
 * - a condition keeps its lastTransitionTime while its status stays the same, so a restart or a
 *   new reason does not look like a transition;
 * - a route's or policy's entries of other controllers are kept as they are;
 * - nothing is written when the result equals what the object has (the CRD's initial
 *   "Waiting for controller" status never equals ours, so it is always replaced).
 *
 * Writes are PUTs of the whole object to `/status` with its resourceVersion: a merge patch would
 * replace the `parents` list wholesale and could erase an entry another controller added since
 * our read; the PUT fails with 409 instead, and the object is read again and the status merged anew.
 */
import { ApiError, describe, KubeApi } from './kube-client';
import { GATEWAY_NAME_LABEL, gatewayNameLabelValue, proxyServiceName } from '../engine/constants';
import { apiGroup } from '../engine/translate/snapshot';
import { ObjectStatus } from '../engine/translate/status';
import { KubeObject, objectKey } from '../engine/types';

interface AnyCondition {
  readonly type: string;
  readonly status: string;
  readonly lastTransitionTime?: string;
  readonly [key: string]: unknown;
}

/** Each condition with the lastTransitionTime it had when its status has not changed, `now` otherwise. */
export function keepTransitionTimes(next: readonly AnyCondition[], previous: unknown, now: string): AnyCondition[] {
  const before = Array.isArray(previous) ? previous as AnyCondition[] : [];
  return next.map((c) => {
    const old = before.find((p) => p?.type === c.type);
    const time = old !== undefined && old.status === c.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
    return { ...c, lastTransitionTime: time };
  });
}

/** Entries of a list (route parents, policy ancestors) with the same reference and controller are one entry. */
function sameEntry(a: any, b: any, ref: 'parentRef' | 'ancestorRef'): boolean {
  return a?.controllerName === b?.controllerName && canonical(normalizeRef(a?.[ref])) === canonical(normalizeRef(b?.[ref]));
}

function normalizeRef(ref: any): unknown {
  if (typeof ref !== 'object' || ref === null) return ref;
  return {
    group: ref.group ?? 'gateway.networking.k8s.io',
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace,
    name: ref.name,
    sectionName: ref.sectionName,
    port: ref.port,
  };
}

/**
 * The status to write for an object whose current status is `current`, or undefined when it
 * already says that (up to lastTransitionTime kept by the rules above).
 */
export function statusToWrite(
  ours: ObjectStatus['status'], current: any, controllerName: string, now: string, addresses?: readonly GatewayAddress[],
): unknown | undefined {
  const desired: any = mergeStatus(ours, current ?? {}, controllerName, now);
  if (addresses !== undefined) {
    if (addresses.length > 0) desired.addresses = addresses;
    else delete desired.addresses;
  }
  return canonical(desired) === canonical(current ?? {}) ? undefined : desired;
}

export interface GatewayAddress {
  readonly type: 'IPAddress' | 'Hostname';
  readonly value: string;
}

/**
 * The addresses of a Gateway served by a proxy Service (named and labelled for the Gateway as
 * GatewayController does: `proxyServiceName`, `gatewayNameLabelValue`): the load balancer's
 * ingress points once assigned, otherwise, for a ClusterIP or NodePort Service, its cluster IPs.
 * Undefined when there is no such Service: the addresses stored on the Gateway are then left as
 * they are, since another component may assign them.
 */
export function proxyAddresses(service: KubeObject | undefined, gatewayName: string): GatewayAddress[] | undefined {
  if (!service || service.metadata.labels?.[GATEWAY_NAME_LABEL] !== gatewayNameLabelValue(gatewayName)) return undefined;
  const spec: any = (service as any).spec ?? {};
  const ingress: any[] = (service as any).status?.loadBalancer?.ingress ?? [];
  const addresses: GatewayAddress[] = [];
  for (const point of ingress) {
    if (typeof point?.ip === 'string' && point.ip) addresses.push({ type: 'IPAddress', value: point.ip });
    else if (typeof point?.hostname === 'string' && point.hostname) addresses.push({ type: 'Hostname', value: point.hostname });
  }
  if (addresses.length > 0 || spec.type === 'LoadBalancer' || spec.type === 'ExternalName') return addresses;
  const clusterIps: unknown[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP];
  for (const ip of clusterIps) if (typeof ip === 'string' && ip && ip !== 'None') addresses.push({ type: 'IPAddress', value: ip });
  return addresses;
}

/** Why a Gateway whose configuration is valid is not programmed yet: its proxy is not there to serve it. */
export interface ProxyVerdict {
  readonly reason: 'Pending' | 'AddressNotAssigned';
  readonly message: string;
}

/**
 * Whether the proxy of a Gateway can take traffic, when another process (a proxy Deployment)
 * serves it: its Service exists (named and labelled for the Gateway), lists a ready endpoint,
 * and, for a LoadBalancer, has been given an address. Undefined when it can.
 */
export function proxyVerdict(
  service: KubeObject | undefined, namespace: string, gatewayName: string, readyEndpoints: number,
): ProxyVerdict | undefined {
  const name = `${namespace}/${proxyServiceName(gatewayName)}`;
  if (!service || service.metadata.labels?.[GATEWAY_NAME_LABEL] !== gatewayNameLabelValue(gatewayName)) {
    return { reason: 'Pending', message: `no proxy serves this Gateway: no Service ${name} labelled ${GATEWAY_NAME_LABEL}=${gatewayNameLabelValue(gatewayName)} (deploy one with GatewayController.serve())` };
  }
  if (readyEndpoints === 0) return { reason: 'Pending', message: `the proxy has no ready replica yet (Service ${name} has no ready endpoint)` };
  const addresses = proxyAddresses(service, gatewayName);
  if ((service as any).spec?.type === 'LoadBalancer' && addresses?.length === 0) {
    return { reason: 'AddressNotAssigned', message: `the load balancer of Service ${name} has no address yet` };
  }
  return undefined;
}

/**
 * The engine's Gateway status with Programmed (of the Gateway and of each listener) turned False
 * for the verdict's reason, where the engine said True: the configuration is valid, but nothing
 * serves it yet.
 */
export function withProxyVerdict(status: any, verdict: ProxyVerdict | undefined): any {
  if (!verdict) return status;
  const demote = (conditions: any[] | undefined) => conditions?.map((c) => (c.type === 'Programmed' && c.status === 'True'
    ? { ...c, status: 'False', reason: verdict.reason, message: verdict.message }
    : c));
  return {
    ...status,
    conditions: demote(status.conditions),
    ...Array.isArray(status.listeners) ? { listeners: status.listeners.map((l: any) => ({ ...l, conditions: demote(l.conditions) })) } : {},
  };
}

function mergeStatus(ours: any, current: any, controllerName: string, now: string): unknown {
  for (const [list, ref] of [['parents', 'parentRef'], ['ancestors', 'ancestorRef']] as const) {
    if (!(list in ours)) continue;
    const previous: any[] = Array.isArray(current[list]) ? current[list] : [];
    const others = previous.filter((entry) => entry?.controllerName !== controllerName);
    const mine = (ours[list] as any[]).map((entry) => {
      const old = previous.find((p) => sameEntry(p, entry, ref));
      return { ...entry, conditions: keepTransitionTimes(entry.conditions, old?.conditions, now) };
    });
    return { ...current, [list]: [...others, ...mine] };
  }
  const result: any = { ...current, conditions: keepTransitionTimes(ours.conditions, current.conditions, now) };
  // The CRD's default status belongs to no controller: nothing of it survives but what we say.
  if (Array.isArray(ours.listeners)) {
    const previous: any[] = Array.isArray(current.listeners) ? current.listeners : [];
    result.listeners = ours.listeners.map((l: any) => ({
      ...l,
      conditions: keepTransitionTimes(l.conditions, previous.find((p) => p?.name === l.name)?.conditions, now),
    }));
  } else {
    delete result.listeners;
  }
  if ('attachedListenerSets' in ours) result.attachedListenerSets = ours.attachedListenerSets;
  if ('supportedFeatures' in ours) result.supportedFeatures = ours.supportedFeatures;
  return result;
}

/** JSON with sorted keys, so that equal statuses compare equal whatever order the server keeps keys in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]]))
    : v));
}

/** RFC 3339 to the second, as Kubernetes writes metav1.Time. */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export const PLURALS: Record<string, string> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
  BackendTLSPolicy: 'backendtlspolicies',
  ReferenceGrant: 'referencegrants',
};

/** The API path of an object (`/apis/g/v/namespaces/ns/plural/name`). */
export function objectPath(object: KubeObject): string {
  const plural = PLURALS[object.kind] ?? `${object.kind.toLowerCase()}s`;
  const group = apiGroup(object.apiVersion);
  const base = group === '' ? `/api/${object.apiVersion}` : `/apis/${object.apiVersion}`;
  const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${base}${ns}/${plural}/${object.metadata.name}`;
}

export interface StatusWriterOptions {
  readonly api: KubeApi;
  readonly controllerName: string;
  /** The object as the informers last saw it, by engine key. */
  readonly lookup: (key: string) => KubeObject | undefined;
  readonly log: (line: string) => void;
  /** Called after each write with its outcome. */
  readonly counted?: (outcome: 'written' | 'conflict' | 'error') => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * Set when this process serves no traffic itself: Gateways are Programmed only once their proxy
   * (another Deployment) is ready, judged from its Service and the ready endpoints behind it.
   */
  readonly proxies?: { readyEndpoints(namespace: string, service: string): number };
}

const MAX_BACKOFF_MS = 30_000;

/** The finalizer the Gateway API asks implementations to put on a GatewayClass while Gateways use it. */
export const GATEWAY_EXISTS_FINALIZER = 'gateway-exists-finalizer.gateway.networking.k8s.io';

/**
 * The finalizers a GatewayClass should have: GATEWAY_EXISTS_FINALIZER added while one of `inUse`
 * (the classes our Gateways name) and not being deleted (no finalizer may be added then), removed
 * once unused. Undefined when they are right as they are.
 */
export function classFinalizers(gatewayClass: KubeObject, inUse: ReadonlySet<string>): string[] | undefined {
  const current: string[] = Array.isArray(gatewayClass.metadata.finalizers) ? gatewayClass.metadata.finalizers : [];
  const has = current.includes(GATEWAY_EXISTS_FINALIZER);
  const wanted = inUse.has(gatewayClass.metadata.name ?? '');
  if (wanted && !has && !gatewayClass.metadata.deletionTimestamp) return [...current, GATEWAY_EXISTS_FINALIZER];
  if (!wanted && has) return current.filter((f) => f !== GATEWAY_EXISTS_FINALIZER);
  return undefined;
}

/** Statuses compared between two turns of the event loop during a pass. */
const YIELD_EVERY = 64;

/**
 * Keeps the API's statuses equal to the engine's while active (the leader). `sync` may be called
 * at any rate: one pass runs at a time and a call during a pass schedules one more.
 */
export class StatusWriter {
  private desired: ReadonlyMap<string, ObjectStatus> = new Map();
  private active = false;
  private running: Promise<void> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The object returned by our last write, until the informer has something newer. */
  private readonly written = new Map<string, { readonly basedOn: string | undefined; readonly object: KubeObject }>();
  private closed = false;
  /** Per object, the engine status and the stored resourceVersion last found to agree. */
  private readonly settled = new Map<string, { readonly ours: ObjectStatus; readonly version: string | undefined }>();
  /** GatewayClasses whose finalizer we were forbidden to change (told once). */
  private readonly forbidden = new Set<string>();

  constructor(private readonly options: StatusWriterOptions) {}

  setActive(active: boolean): void {
    this.active = active;
    if (active) this.kick();
  }

  sync(statuses: ReadonlyMap<string, ObjectStatus>): void {
    this.desired = statuses;
    this.kick();
  }

  /** Checks every status again (another writer may have changed one). */
  resync(): void {
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.active = false;
    if (this.retry) clearTimeout(this.retry);
    await this.running;
  }

  private kick(): void {
    if (!this.active || this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && this.active);
    })().finally(() => {
      this.running = undefined;
    });
  }

  private current(key: string): KubeObject | undefined {
    const cached = this.options.lookup(key);
    const mine = this.written.get(key);
    if (mine && cached?.metadata.resourceVersion === mine.basedOn) return mine.object;
    this.written.delete(key);
    return cached;
  }

  private async pass(): Promise<void> {
    let failed = await this.finalizeClasses();
    let checked = 0;
    for (const key of this.settled.keys()) if (!this.desired.has(key)) this.settled.delete(key);
    for (const [key, ours] of this.desired) {
      // Losing the lease stops writing at once, even in the middle of a pass.
      if (!this.active || this.closed) return;
      const object = this.current(key);
      if (!object) continue;
      // Same engine status, same stored object as when they were last found equal: nothing to do.
      if (this.settled.get(key)?.ours === ours && this.settled.get(key)?.version === object.metadata.resourceVersion) continue;
      // Comparing thousands of statuses is tens of milliseconds of work: let requests and
      // config changes in between, so a pass never delays traffic or the next change.
      if (++checked % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await this.write(key, object, ours);
      } catch (err) {
        failed++;
        this.options.counted?.('error');
        this.options.log(`controller: status of ${key} not written: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failed === 0) {
      this.failures = 0;
      return;
    }
    this.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.kick();
    }, delay);
  }

  /**
   * Puts GATEWAY_EXISTS_FINALIZER on each of our GatewayClasses that a Gateway uses, and takes it
   * off the others, so a class in use cannot be deleted (a GitOps prune included) until its last
   * Gateway is. A merge patch carrying the resourceVersion read: a concurrent change gets 409 and
   * the next pass, which that change triggers, looks again. Returns how many patches failed.
   */
  private async finalizeClasses(): Promise<number> {
    const inUse = new Set<string>();
    const classes: string[] = [];
    for (const key of this.desired.keys()) {
      if (key.startsWith('GatewayClass/')) classes.push(key);
      else if (key.startsWith('Gateway/')) inUse.add(String(this.options.lookup(key)?.spec?.gatewayClassName ?? ''));
    }
    let failed = 0;
    for (const key of classes) {
      if (!this.active || this.closed) break;
      const object = this.options.lookup(key);
      const finalizers = object && classFinalizers(object, inUse);
      if (!object || !finalizers) continue;
      const patch = { metadata: { resourceVersion: object.metadata.resourceVersion, finalizers: finalizers.length > 0 ? finalizers : null } };
      const what = `finalizer of ${key} not ${finalizers.includes(GATEWAY_EXISTS_FINALIZER) ? 'added' : 'removed'}`;
      try {
        const response = await this.options.api.request('PATCH', objectPath(object), patch, 'application/merge-patch+json');
        // 409 and 404: the object changed or went meanwhile; the informer's event brings the next pass.
        if (response.status === 200 || response.status === 409 || response.status === 404) continue;
        if (response.status === 403) {
          // Not allowed (RBAC without `patch` on the class): status still works; said once, not retried.
          if (!this.forbidden.has(key)) this.options.log(`controller: ${what}: ${describe(response)}`);
          this.forbidden.add(key);
          continue;
        }
        throw new ApiError(response.status, describe(response));
      } catch (err) {
        failed++;
        this.options.log(`controller: ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failed;
  }

  private verdictOf(object: KubeObject): ProxyVerdict | undefined {
    const proxies = this.options.proxies;
    if (!proxies || (object.kind !== 'Gateway' && object.kind !== 'ListenerSet')) return undefined;
    // A ListenerSet is served by its parent Gateway's proxy.
    const parent = object.kind === 'ListenerSet' ? (object as any).spec?.parentRef : undefined;
    const namespace = parent?.namespace ?? object.metadata.namespace ?? 'default';
    const name = parent ? String(parent.name ?? '') : object.metadata.name ?? '';
    return proxyVerdict(this.proxyService(namespace, name), namespace, name, proxies.readyEndpoints(namespace, proxyServiceName(name)));
  }

  private addressesOf(object: KubeObject): GatewayAddress[] | undefined {
    if (object.kind !== 'Gateway') return undefined;
    const name = object.metadata.name ?? '';
    return proxyAddresses(this.proxyService(object.metadata.namespace ?? 'default', name), name);
  }

  /** The Service GatewayController makes for a Gateway's proxy, as the informers last saw it. */
  private proxyService(namespace: string, gatewayName: string): KubeObject | undefined {
    return this.options.lookup(objectKey('Service', namespace, proxyServiceName(gatewayName)));
  }

  private async write(key: string, first: KubeObject, ours: ObjectStatus): Promise<void> {
    let object = first;
    for (let attempt = 0; attempt < 5; attempt++) {
      const addresses = this.addressesOf(object);
      const now = kubeTime(this.options.clock?.() ?? new Date());
      const status = statusToWrite(withProxyVerdict(ours.status, this.verdictOf(object)), object.status, this.options.controllerName, now, addresses);
      if (status === undefined) {
        // A Gateway's addresses come from another object (its proxy Service): Gateways are always compared.
        // (ListenerSets too when their Programmed follows the proxy.)
        if (object.kind !== 'Gateway' && !(this.options.proxies && object.kind === 'ListenerSet')) {
          this.settled.set(key, { ours, version: object.metadata.resourceVersion });
        }
        return;
      }
      const response = await this.options.api.request('PUT', `${objectPath(object)}/status`, { ...object, status });
      if (response.status === 200 || response.status === 201) {
        this.options.counted?.('written');
        this.written.set(key, { basedOn: first.metadata.resourceVersion, object: response.body });
        return;
      }
      if (response.status === 404) return;
      if (response.status !== 409) throw new ApiError(response.status, describe(response));
      this.options.counted?.('conflict');
      const fresh = await this.options.api.request('GET', objectPath(object));
      if (fresh.status === 404) return;
      if (fresh.status !== 200) throw new ApiError(fresh.status, describe(fresh));
      object = fresh.body;
    }
    throw new Error('still conflicting after 5 attempts');
  }
}
