/**
 * A snapshot of objects → what the data plane serves: the engine's route table, the ready
 * endpoints, and one binding per address:port. Pure apart from building TLS contexts, so a
 * snapshot that cannot be used leaves the previous config live.
 *
 * A `ConfigBuilder` lives as long as the source it reads: it hands the engine only the objects
 * that changed since the last snapshot, so a reload costs what the change touches.
 */
import { ENDPOINT_KINDS, EndpointIndex } from './endpoints';
import { certificatesOf, startCertificateGeneration, TlsCertificates } from './tls';
import { checkObject } from '../engine/check';
import { HttpPortTable, RouteTable } from '../engine/compile/types';
import { Engine } from '../engine/incremental';
import { keyOf } from '../engine/translate/snapshot';
import { ObjectStatus } from '../engine/translate/status';
import { KubeObject } from '../engine/types';

export interface ConfigOptions {
  readonly controllerName?: string;
  /** `namespace/name` of the Gateways to serve; empty serves all of ours. */
  readonly gateways: readonly string[];
  readonly bind: string;
  readonly listenOffset: number;
}

export interface Binding {
  /** `address:port` actually bound. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly declaredPort: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** `namespace/name` of the Gateway served here. */
  readonly gateway: string;
  readonly table: HttpPortTable;
  readonly tls?: TlsCertificates;
}

export interface DataPlaneConfig {
  readonly table: RouteTable;
  readonly endpoints: EndpointIndex;
  readonly bindings: Binding[];
  /** Human-readable problems that do not stop serving (conflicts, Gateways asked for but absent). */
  readonly warnings: string[];
  /** The status of each object the controller owns, by key, for every Gateway of ours (not only those served). */
  readonly statuses: ReadonlyMap<string, ObjectStatus>;
}

/** What one input object is to the data plane: stored under its key, or refused with a warning. */
type Stored = { readonly key: string; readonly object: KubeObject; readonly warning?: undefined };
type Entry = Stored | { readonly warning: string };

/**
 * Per-object checks by object identity: the file source hands back the same instances for
 * unchanged files, so a reload re-checks only what changed.
 */
const checkedObjects = new WeakMap<KubeObject, Entry>();

function entryOf(input: KubeObject): Entry {
  let entry = checkedObjects.get(input);
  if (!entry) {
    // As in a cluster: an object the API server would refuse never exists, so it is not served;
    // the rest are stored with their defaults, which translate expects.
    const checked = checkObject(input);
    if (checked.violations.length === 0) {
      entry = { key: keyOf(checked.object), object: checked.object };
    } else {
      const v = checked.violations[0];
      const more = checked.violations.length > 1 ? ` (and ${checked.violations.length - 1} more)` : '';
      entry = { warning: `${v.kind} ${v.namespace ? `${v.namespace}/` : ''}${v.name} is not served, the API server would refuse it: ${v.path ? `${v.path}: ` : ''}${v.message}${more}` };
    }
    checkedObjects.set(input, entry);
  }
  return entry;
}

/** One snapshot's config, for callers that build one; a reloading source keeps a ConfigBuilder. */
export function buildConfig(objects: readonly KubeObject[], options: ConfigOptions): DataPlaneConfig {
  return new ConfigBuilder(options).build(objects);
}

export class ConfigBuilder {
  private readonly engine: Engine;
  /** The input of the last build, and what each of its objects is. */
  private inputs: readonly KubeObject[] = [];
  private entries: readonly Entry[] = [];
  /** The objects served, by key, in input order; of two objects with one key the later, in the place of the first. */
  private stored = new Map<string, KubeObject>();
  /** How many input objects have each stored key. */
  private occurrences = new Map<string, number>();
  private endpoints: EndpointIndex | undefined;

  constructor(private readonly options: ConfigOptions) {
    this.engine = new Engine({ controllerName: options.controllerName });
  }

  /**
   * The config for a snapshot. Throws when the engine does (the previous config then stays
   * what the caller serves, and the next build starts over from the whole snapshot).
   */
  build(objects: readonly KubeObject[]): DataPlaneConfig {
    // Unchanged files yield the same objects in the same order, so what changed is the stretch
    // between the longest common head and tail of the two inputs: usually one file's objects.
    const before = this.inputs;
    const shortest = Math.min(before.length, objects.length);
    let head = 0;
    while (head < shortest && objects[head] === before[head]) head++;
    let tail = 0;
    while (tail < shortest - head && objects[objects.length - 1 - tail] === before[before.length - 1 - tail]) tail++;
    const removed = this.entries.slice(head, this.entries.length - tail);
    const added = objects.slice(head, objects.length - tail).map(entryOf);
    const entries = [...this.entries.slice(0, head), ...added, ...this.entries.slice(this.entries.length - tail)];

    let upserts: KubeObject[];
    let deletes: string[] = [];
    if (sameKeys(removed, added) && added.every((e) => e.warning !== undefined || this.occurrences.get(e.key) === 1)) {
      // The same keys in the same places, none of them twice in the input: what changed is
      // what those objects are, and nothing else.
      const replaced = added.filter((e): e is Stored => e.warning === undefined && this.stored.get(e.key) !== e.object);
      upserts = replaced.map((e) => e.object);
      this.engine.update({ upserts });
      for (const { key, object } of replaced) this.stored.set(key, object);
    } else {
      // Objects came, went or moved: what is stored, and in which order, is worked out anew.
      const stored = new Map<string, KubeObject>();
      const occurrences = new Map<string, number>();
      for (const entry of entries) {
        if (entry.warning !== undefined) continue;
        stored.set(entry.key, entry.object);
        occurrences.set(entry.key, (occurrences.get(entry.key) ?? 0) + 1);
      }
      upserts = [...stored].flatMap(([key, object]) => this.stored.get(key) !== object ? [object] : []);
      deletes = [...this.stored.keys()].filter((key) => !stored.has(key));
      this.engine.update({ upserts, deletes, order: [...stored.keys()] });
      this.stored = stored;
      this.occurrences = occurrences;
    }
    this.inputs = objects;
    this.entries = entries;
    const result = this.engine.result;
    const touched = [...upserts.map((o) => o.kind), ...deletes.map((key) => key.slice(0, key.indexOf('/')))];
    if (!this.endpoints || touched.some((kind) => ENDPOINT_KINDS.includes(kind))) this.endpoints = new EndpointIndex([...this.stored.values()]);

    const warnings: string[] = entries.flatMap((e) => e.warning !== undefined ? [e.warning] : []);
    const wanted = new Set(this.options.gateways);
    const table: RouteTable = wanted.size === 0
      ? result.table
      : { gateways: new Map([...result.table.gateways].filter(([key]) => wanted.has(key))) };
    for (const name of wanted) {
      if (!table.gateways.has(name)) warnings.push(`Gateway ${name} is not in the input or not of our GatewayClass`);
    }
    startCertificateGeneration();
    const bindings: Binding[] = [];
    const owners = new Map<string, string>();
    for (const [gatewayKey, compiled] of table.gateways) {
      for (const [port, portTable] of compiled.httpPorts) {
        const actual = port + this.options.listenOffset;
        const key = `${this.options.bind}:${actual}`;
        const owner = owners.get(key);
        if (owner !== undefined) {
          warnings.push(`conflict: Gateways ${owner} and ${gatewayKey} both bind ${key} (listener port ${port}); serving ${owner} only`);
          continue;
        }
        owners.set(key, gatewayKey);
        bindings.push({
          key,
          address: this.options.bind,
          port: actual,
          declaredPort: port,
          protocol: portTable.protocol,
          gateway: gatewayKey,
          table: portTable,
          ...(portTable.protocol === 'HTTPS' ? { tls: certificatesOf(portTable.listeners) } : {}),
        });
      }
    }
    return { table, endpoints: this.endpoints, bindings, warnings, statuses: result.statuses };
  }

}

/** Whether two runs of entries store the same keys in the same order (refused objects aside). */
function sameKeys(a: readonly Entry[], b: readonly Entry[]): boolean {
  const keys = (entries: readonly Entry[]) => entries.flatMap((e) => e.warning === undefined ? [e.key] : []);
  const x = keys(a);
  const y = keys(b);
  return x.length === y.length && x.every((key, i) => key === y[i]);
}
