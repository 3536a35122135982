/**
 * The engine as a long-lived value for sources that deliver changes (file watchers, informers):
 * it keeps the last snapshot and answers each change with the statuses and the route table a
 * full translate + compile of the new snapshot gives.
 *
 * Today every effective change re-translates the whole snapshot; what is reused is the compiled
 * table of each Gateway whose IR did not change, and the whole previous result when a change
 * changes nothing (an informer resync, a file saved unchanged). Translating only the objects a
 * change touches needs translate to expose its per-object graph; this class is the seam where
 * that goes, and its contract (same output as a full rebuild) is what the tests hold it to.
 */
import { compileGateway, gatewayKey } from './compile';
import { CompiledGateway, RouteTable } from './compile/types';
import { GatewayIR, ObjectStatus, translate, Translation, TranslateOptions } from './translate';
import { Finding } from './translate/finding';
import { keyOf } from './translate/snapshot';
import { KubeObject } from './types';

export interface EngineChanges {
  /** Objects created or replaced; a replaced object keeps its place in the snapshot's order. */
  readonly upserts?: readonly KubeObject[];
  /** Keys of deleted objects, as `objectKey(kind, namespace, name)` (namespace `default` when the object names none). */
  readonly deletes?: readonly string[];
}

export interface EngineResult {
  readonly statuses: ReadonlyMap<string, ObjectStatus>;
  readonly gateways: readonly GatewayIR[];
  readonly findings: readonly Finding[];
  readonly table: RouteTable;
}

export class Engine {
  private readonly objects = new Map<string, KubeObject>();
  private current: EngineResult;
  /** The IR each compiled Gateway was built from, serialized, to tell which ones changed. */
  private fingerprints = new Map<string, string>();

  constructor(private readonly options: TranslateOptions = {}, initial: readonly KubeObject[] = []) {
    for (const object of initial) this.objects.set(keyOf(object), object);
    this.current = this.rebuild();
  }

  /** The snapshot, in the order objects were first seen. */
  get snapshot(): KubeObject[] {
    return [...this.objects.values()];
  }

  get result(): EngineResult {
    return this.current;
  }

  update(changes: EngineChanges): EngineResult {
    let changed = false;
    for (const key of changes.deletes ?? []) changed = this.objects.delete(key) || changed;
    for (const object of changes.upserts ?? []) {
      const key = keyOf(object);
      const previous = this.objects.get(key);
      if (previous !== undefined && sameJson(previous, object)) continue;
      this.objects.set(key, object);
      changed = true;
    }
    if (changed) this.current = this.rebuild();
    return this.current;
  }

  private rebuild(): EngineResult {
    const translation: Translation = translate([...this.objects.values()], this.options);
    const previous = this.current?.table.gateways;
    const gateways = new Map<string, CompiledGateway>();
    const fingerprints = new Map<string, string>();
    for (const gateway of translation.gateways) {
      const key = gatewayKey(gateway);
      const fingerprint = JSON.stringify(gateway);
      const reusable = previous?.get(key);
      gateways.set(key, reusable && this.fingerprints.get(key) === fingerprint ? reusable : compileGateway(gateway));
      fingerprints.set(key, fingerprint);
    }
    this.fingerprints = fingerprints;
    return { statuses: translation.statuses, gateways: translation.gateways, findings: translation.findings, table: { gateways } };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
