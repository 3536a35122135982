/**
 * Object storage with one global resourceVersion counter, a bounded event history for watches
 * that resume from a resourceVersion, and the watchers to fan events out to.
 */
import { randomUUID } from 'crypto';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly rv: number;
  readonly key: string;
  readonly type: EventType;
  /** The object after the change (for DELETED: as it was, with the deletion's resourceVersion). */
  readonly object: any;
  /** The object before the change, so selector watchers can see it leave or enter their set. */
  readonly previous?: any;
}

export interface Watcher {
  readonly key: string;
  onEvent(e: StoredEvent): void;
}

export class Store {
  private readonly objects = new Map<string, Map<string, any>>();
  private readonly history: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv: number;

  constructor(private readonly historySize: number, firstResourceVersion = 1) {
    this.rv = firstResourceVersion - 1;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can resume from; older ones get 410 Expired. */
  get oldestResumable(): number {
    return this.history.length === 0 ? this.rv : this.history[0].rv - 1;
  }

  get(key: string, namespace: string | undefined, name: string): any | undefined {
    return this.objects.get(key)?.get(objectName(namespace, name));
  }

  list(key: string, namespace?: string): any[] {
    const all = [...(this.objects.get(key)?.values() ?? [])];
    const filtered = namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
    return filtered.sort((a, b) => objectName(a.metadata.namespace, a.metadata.name)
      .localeCompare(objectName(b.metadata.namespace, b.metadata.name)));
  }

  create(key: string, obj: any): any {
    const stored = structuredClone(obj);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.commit(key, 'ADDED', stored, undefined);
  }

  update(key: string, obj: any, previous: any): any {
    return this.commit(key, 'MODIFIED', structuredClone(obj), previous);
  }

  delete(key: string, previous: any): any {
    return this.commit(key, 'DELETED', structuredClone(previous), previous);
  }

  /**
   * Forgets the event history and advances the resourceVersion (as writes to kinds nobody watches
   * do), so a watch from any resourceVersion seen so far gets 410 Expired.
   */
  compact(): void {
    this.rv++;
    this.history.length = 0;
  }

  subscribe(w: Watcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** Events of `key` after `rv`, oldest first. */
  eventsSince(key: string, rv: number): StoredEvent[] {
    return this.history.filter((e) => e.rv > rv && e.key === key);
  }

  private commit(key: string, type: EventType, obj: any, previous: any): any {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    let bucket = this.objects.get(key);
    if (!bucket) this.objects.set(key, bucket = new Map());
    const name = objectName(obj.metadata.namespace, obj.metadata.name);
    if (type === 'DELETED') bucket.delete(name);
    else bucket.set(name, obj);
    const event: StoredEvent = { rv: this.rv, key, type, object: obj, previous };
    this.history.push(event);
    if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
    for (const w of [...this.watchers]) if (w.key === key) w.onEvent(event);
    return obj;
  }
}

function objectName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
