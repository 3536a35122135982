/**
 * Service → ready endpoints, the way kube-proxy reads them: through the EndpointSlices that
 * carry the Service's name label, matching the Service port by name (the slice port has the
 * Service port's name, or none when the Service port is unnamed).
 */
import { BackendIR } from '../engine/translate';
import { KubeObject } from '../engine/types';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  /** `http://address:port`, the identity of the upstream connection pool. */
  readonly origin: string;
}

/**
 * The endpoints of one (Service, port), in slice order. `next` is the round-robin cursor; it
 * lives here because an index lives as long as the EndpointSlices it was built from.
 */
export interface EndpointSet {
  readonly endpoints: Endpoint[];
  next: number;
}

interface SlicePort {
  readonly name: string;
  readonly port?: number;
}

interface Slice {
  readonly ports: SlicePort[];
  readonly addresses: string[];
}

/**
 * A snapshot whose objects of these kinds did not change can keep its index (and the
 * round-robin cursors in it). Services are not read here, but backends are made from them, so
 * a Service change starts a new index rather than leave answers for backends gone by.
 */
export const ENDPOINT_KINDS: readonly string[] = ['EndpointSlice', 'Service'];

export class EndpointIndex {
  private readonly slices = new Map<string, Slice[]>();
  private readonly resolved = new Map<string, EndpointSet>();
  /** Every origin a slice names a port for; those of slices without ports depend on the backend and are found by `resolve`. */
  private readonly sliceOrigins = new Set<string>();

  constructor(objects: readonly KubeObject[]) {
    for (const object of objects) {
      if (object.kind !== 'EndpointSlice') continue;
      const service = object.metadata.labels?.[SERVICE_NAME_LABEL];
      if (typeof service !== 'string') continue;
      const key = `${object.metadata.namespace ?? 'default'}/${service}`;
      const list = this.slices.get(key) ?? [];
      const slice = readSlice(object);
      list.push(slice);
      this.slices.set(key, list);
      for (const { port } of slice.ports) {
        if (port !== undefined) for (const address of slice.addresses) this.sliceOrigins.add(endpoint(address, port).origin);
      }
    }
  }

  /** Ready endpoints of a backend; an empty set means 503. */
  resolve(backend: BackendIR): EndpointSet {
    // Everything `compute` reads of the backend: the index outlives the routes that ask.
    const key = `${backend.namespace}/${backend.name}/${backend.portName ?? ''}/${backend.port ?? ''}/${backend.targetPort ?? ''}/${backend.externalName ?? ''}`;
    let set = this.resolved.get(key);
    if (!set) {
      set = { endpoints: this.compute(backend), next: 0 };
      this.resolved.set(key, set);
    }
    return set;
  }

  /**
   * Every origin some backend could be sent to, so pools no longer needed can be closed: those
   * of every slice, and those found for backends so far (slices without ports, ExternalNames).
   */
  origins(): Set<string> {
    const all = new Set(this.sliceOrigins);
    for (const set of this.resolved.values()) for (const e of set.endpoints) all.add(e.origin);
    return all;
  }

  private compute(backend: BackendIR): Endpoint[] {
    if (backend.externalName !== undefined) {
      return backend.port === undefined ? [] : [endpoint(backend.externalName, backend.port)];
    }
    const slices = this.slices.get(`${backend.namespace}/${backend.name}`) ?? [];
    const wanted = backend.portName ?? '';
    const result: Endpoint[] = [];
    const seen = new Set<string>();
    for (const slice of slices) {
      const port = portOf(slice, wanted, backend);
      if (port === undefined) continue;
      for (const address of slice.addresses) {
        const e = endpoint(address, port);
        if (seen.has(e.origin)) continue;
        seen.add(e.origin);
        result.push(e);
      }
    }
    return result;
  }
}

/**
 * The slice port for a Service port: by name; a slice listing no ports at all (hand-written
 * ones) falls back to a numeric targetPort, then to the Service port itself.
 */
function portOf(slice: Slice, wanted: string, backend: BackendIR): number | undefined {
  if (slice.ports.length === 0) {
    return typeof backend.targetPort === 'number' ? backend.targetPort : backend.port;
  }
  return slice.ports.find(p => p.name === wanted)?.port;
}

function readSlice(object: KubeObject): Slice {
  const raw = object as { ports?: unknown; endpoints?: unknown };
  const ports: SlicePort[] = [];
  for (const p of Array.isArray(raw.ports) ? raw.ports : []) {
    const protocol = p?.protocol ?? 'TCP';
    if (protocol !== 'TCP') continue;
    ports.push({ name: typeof p?.name === 'string' ? p.name : '', port: typeof p?.port === 'number' ? p.port : undefined });
  }
  const addresses: string[] = [];
  for (const e of Array.isArray(raw.endpoints) ? raw.endpoints : []) {
    // An absent `ready` means ready: that is how the API documents an unknown state.
    if (e?.conditions?.ready === false) continue;
    for (const a of Array.isArray(e?.addresses) ? e.addresses : []) if (typeof a === 'string') addresses.push(a);
  }
  return { ports, addresses };
}

function endpoint(address: string, port: number): Endpoint {
  const host = address.includes(':') ? `[${address}]` : address;
  return { address, port, origin: `http://${host}:${port}` };
}
