/**
 * The engine as a long-lived value for sources that deliver changes (file watchers, informers):
 * it keeps the last snapshot and answers each change with the statuses and the route table a
 * full translate + compile of the new snapshot gives, doing only the work the change touches.
 *
 * It runs the steps of `translate` (translate/index.ts) and keeps each result with what it read
 * of the snapshot (`Snapshot.recordReads`), so a change redoes only the results that read
 * something it changed:
 * - the frame (GatewayClasses, Gateways, ListenerSets, with the Secrets, ConfigMaps, grants and
 *   Namespaces they read) is rebuilt when a change concerns it, which any change to those three
 *   kinds does; a route then keeps its translation unless what it reads of one of its parents
 *   changed (`parentView`): a new certificate does not re-attach ten thousand routes;
 * - the BackendTLSPolicies alike; a route keeps its backends unless the policy that takes
 *   precedence for one of them changed (`targetReadValue`);
 * - a route is translated again when it changes, or when a change concerns what it read: its
 *   parents, its Services, the ReferenceGrants of their namespaces, its Namespace's labels.
 * The routes of each listener are kept in order of precedence from one update to the next;
 * statuses that count them are re-assembled on every update, a Gateway's IR only when its
 * listeners' routes changed, and compile rebuilds only the host buckets of the changed routes.
 *
 * An update that throws leaves the previous result in place and the next update rebuilds
 * everything, so a failure never leaves half-updated state behind.
 */
import { compileGateway, gatewayKey } from './compile';
import { CompiledGateway, RouteTable } from './compile/types';
import { buildFrame, DEFAULT_TRANSITION_TIME, Frame, gatewayStatuses, objectStatus, ProducedStatus, TranslateOptions } from './translate';
import {
  adoptBackendTlsPolicies, BackendTlsPolicies, backendTlsPolicies, policyAncestors, policyStatus, reportPolicyFindings, targetReadValue,
} from './translate/backend-tls-policy';
import { Finding, findingOf, FindingSink, Issue } from './translate/finding';
import { AttachedRoutes, gatewayIR, GatewayNode, routePresenter } from './translate/gateway';
import { GatewayIR, RouteIR } from './translate/ir';
import { ListenerNode } from './translate/listener';
import { compareRoutePrecedence, sortByPrecedence } from './translate/precedence';
import { parentView, ParentRefTarget, translateRoute } from './translate/route';
import { keyOf, readKeysOf, ROUTE_KINDS, RouteKind, Snapshot } from './translate/snapshot';
import { ObjectStatus, stampOf } from './translate/status';
import { KubeObject } from './types';

export interface EngineChanges {
  /** Objects created or replaced; a replaced object keeps its place in the snapshot's order. */
  readonly upserts?: readonly KubeObject[];
  /** Keys of deleted objects, as `objectKey(kind, namespace, name)` (namespace `default` when the object names none). */
  readonly deletes?: readonly string[];
  /**
   * The key of every object after the change, each once, in input order. Statuses, findings and
   * Gateways follow input order (and of two Gateways binding one port the first one is served),
   * so a source that knows the order of the whole input (files read in order) passes it; without
   * it objects stay in the order they were first seen.
   */
  readonly order?: readonly string[];
}

export interface EngineResult {
  readonly statuses: ReadonlyMap<string, ObjectStatus>;
  readonly gateways: readonly GatewayIR[];
  readonly findings: readonly Finding[];
  readonly table: RouteTable;
}

/** What the last update did, for tests and diagnostics. */
export interface EngineWork {
  /** Keys of the routes translated, because they changed or something they read did. */
  readonly translated: readonly string[];
  readonly frameRebuilt: boolean;
  readonly policiesRebuilt: boolean;
  /** Keys (`namespace/name`) of the Gateways whose IR was made anew. */
  readonly gatewaysRebuilt: readonly string[];
}

/** What a route notes as read when it looks up the Gateway or ListenerSet a parentRef names. */
const PARENT_READ = 'parent:';

const NO_ROUTES: readonly RouteIR[] = [];

/** Beyond this many changes to a listener's routes (or an eighth of them), sorting anew beats inserting one by one. */
const INSERTIONS_BEFORE_SORT = 64;

/** Findings by the key of the object they are about, each list in the order reported. */
class FindingsByObject implements FindingSink {
  readonly lists = new Map<string, Finding[]>();

  report(obj: KubeObject, issue: Issue): void {
    const key = keyOf(obj);
    const finding = findingOf(obj, issue);
    const list = this.lists.get(key);
    if (list) list.push(finding); else this.lists.set(key, [finding]);
  }
}

interface FrameState {
  readonly frame: Frame;
  readonly reads: ReadonlySet<string>;
  readonly findings: ReadonlyMap<string, Finding[]>;
  readonly classStatuses: ReadonlyMap<string, ProducedStatus>;
  /** Where each listener's routes are kept: `gatewayKey|listenerSetKey|index`, the same for the same listener in the next frame. */
  readonly slots: ReadonlyMap<ListenerNode, string>;
}

interface PolicyState {
  readonly policies: BackendTlsPolicies;
  readonly reads: ReadonlySet<string>;
  readonly findings: ReadonlyMap<string, Finding[]>;
}

interface RouteEntry {
  /** Undefined when none of the route's parents is ours. */
  readonly status?: ObjectStatus;
  /** About the route itself: translating a route reports about nothing else. */
  readonly findings: readonly Finding[];
  /** By slot: the route as that listener serves it. */
  readonly placements: ReadonlyMap<string, RouteIR>;
  readonly reads: ReadonlySet<string>;
}

/** The routes one listener accepted, across updates. */
interface Slot {
  readonly routes: Map<string, RouteIR>;
  /** In order of precedence; replaced when the routes change, never modified, since results share it. */
  sorted: readonly RouteIR[];
}

/**
 * A Gateway's way of serving routes (`routePresenter`), applied once per route object so that
 * an unchanged route stays the same object in the IR (which compile relies on).
 */
class Presentation {
  private readonly memo = new WeakMap<RouteIR, RouteIR>();
  private readonly lists = new Map<string, { readonly source: readonly RouteIR[]; readonly routes: RouteIR[] }>();

  constructor(private readonly present: (route: RouteIR) => RouteIR) {}

  routes(slot: string, source: readonly RouteIR[]): RouteIR[] {
    const cached = this.lists.get(slot);
    if (cached?.source === source) return cached.routes;
    // Both lists are in order of precedence and mostly the same objects: walking them side by
    // side finds each route's presentation without a lookup per route.
    const before = cached?.source ?? NO_ROUTES;
    const routes: RouteIR[] = new Array(source.length);
    let i = 0;
    source.forEach((route, j) => {
      while (i < before.length && before[i] !== route && compareRoutePrecedence(before[i], route) < 0) i++;
      if (before[i] === route) {
        routes[j] = cached!.routes[i++];
        return;
      }
      let presented = this.memo.get(route);
      if (!presented) this.memo.set(route, presented = this.present(route));
      routes[j] = presented;
    });
    this.lists.set(slot, { source, routes });
    return routes;
  }
}

export class Engine {
  private objects = new Map<string, KubeObject>();
  private readonly now: string;
  private current: EngineResult = { statuses: new Map(), gateways: [], findings: [], table: { gateways: new Map() } };
  /** Nothing cached can be trusted: the next update rebuilds everything. */
  private stale = true;
  private snapshotValue?: Snapshot;
  private frame?: FrameState;
  private policies?: PolicyState;
  private readonly routes = new Map<string, RouteEntry>();
  /** For each read key, the routes that read it. */
  private readonly readers = new Map<string, Set<string>>();
  private readonly slots = new Map<string, Slot>();
  private presentations = new Map<string, Presentation>();
  private irs = new Map<string, GatewayIR>();
  private lastWork: EngineWork = { translated: [], frameRebuilt: false, policiesRebuilt: false, gatewaysRebuilt: [] };

  constructor(private readonly options: TranslateOptions = {}, initial: readonly KubeObject[] = []) {
    this.now = options.now ?? DEFAULT_TRANSITION_TIME;
    this.update({ upserts: initial });
  }

  /** The snapshot, in input order. */
  get snapshot(): KubeObject[] {
    return [...this.objects.values()];
  }

  get result(): EngineResult {
    return this.current;
  }

  get work(): EngineWork {
    return this.lastWork;
  }

  update(changes: EngineChanges): EngineResult {
    try {
      const applied: [string, KubeObject | undefined][] = [];
      for (const key of changes.deletes ?? []) if (this.objects.delete(key)) applied.push([key, undefined]);
      for (const object of changes.upserts ?? []) {
        const key = keyOf(object);
        const previous = this.objects.get(key);
        if (previous !== undefined && (previous === object || sameJson(previous, object))) continue;
        this.objects.set(key, object);
        applied.push([key, object]);
      }
      const reordered = changes.order !== undefined && this.reorder(changes.order);
      if (applied.length === 0 && !reordered && !this.stale) {
        this.lastWork = { translated: [], frameRebuilt: false, policiesRebuilt: false, gatewaysRebuilt: [] };
        return this.current;
      }
      this.current = this.refresh(applied, reordered);
      this.stale = false;
      return this.current;
    } catch (err) {
      // The objects may hold part of the change: nothing cached matches them any more.
      this.forget();
      throw err;
    }
  }

  /** Puts the objects in the given order; whether it differs from theirs. */
  private reorder(order: readonly string[]): boolean {
    if (order.length !== this.objects.size) throw new Error(`order names ${order.length} objects, the snapshot has ${this.objects.size}`);
    let i = 0;
    let same = true;
    for (const key of this.objects.keys()) {
      if (order[i++] !== key) {
        same = false;
        break;
      }
    }
    if (same) return false;
    const objects = new Map<string, KubeObject>();
    for (const key of order) {
      const object = this.objects.get(key);
      if (!object || objects.has(key)) throw new Error(`order names ${key} ${object ? 'twice' : 'but the snapshot has no such object'}`);
      objects.set(key, object);
    }
    this.objects = objects;
    return true;
  }

  private forget(): void {
    this.stale = true;
    this.snapshotValue = undefined;
    this.frame = undefined;
    this.policies = undefined;
    this.routes.clear();
    this.readers.clear();
    this.slots.clear();
    this.presentations = new Map();
    this.irs = new Map();
  }

  private refresh(applied: readonly (readonly [string, KubeObject | undefined])[], reordered: boolean): EngineResult {
    const full = this.stale;
    if (full) this.forget();
    const changed = new Set(applied.map(([key]) => key));
    // Deriving keeps the snapshot's order in step with the objects': replaced in place, added last.
    const snapshot = full || reordered || !this.snapshotValue || applied.length > this.objects.size / 8
      ? new Snapshot([...this.objects.values()])
      : this.snapshotValue.with(applied);
    this.snapshotValue = snapshot;
    const touched = new Set<string>();
    for (const key of changed) for (const read of readKeysOf(key)) touched.add(read);
    const concerns = (reads: ReadonlySet<string>) => {
      for (const read of touched) if (reads.has(read)) return true;
      return false;
    };
    const dirty = new Set<string>();

    const previousFrame = this.frame;
    const frameRebuilt = !previousFrame || reordered || concerns(previousFrame.reads);
    if (frameRebuilt) {
      this.frame = this.buildFrame(snapshot);
      if (previousFrame) this.markReaders(PARENT_READ, dirty, (read) => sameParent(read, previousFrame.frame, this.frame!.frame));
    }
    const previousPolicies = this.policies;
    const policiesRebuilt = !previousPolicies || reordered || concerns(previousPolicies.reads);
    if (policiesRebuilt) {
      this.policies = buildPolicies(snapshot);
      if (previousPolicies) {
        const now = this.policies.policies;
        this.markReaders('BackendTLSPolicy-target:', dirty,
          (read) => targetReadValue(previousPolicies.policies, read) === targetReadValue(now, read));
      }
    } else {
      adoptBackendTlsPolicies(snapshot, previousPolicies.policies);
    }
    if (frameRebuilt || policiesRebuilt) this.presentations = new Map();

    if (full) {
      for (const key of this.objects.keys()) if (isRouteKey(key)) dirty.add(key);
    } else {
      for (const key of changed) if (isRouteKey(key)) dirty.add(key);
      for (const read of touched) for (const reader of this.readers.get(read) ?? []) dirty.add(reader);
    }

    const translated: string[] = [];
    const changes = new Map<string, { removed: RouteIR[]; added: RouteIR[] }>();
    const changesOf = (slot: string) => {
      let entry = changes.get(slot);
      if (!entry) changes.set(slot, entry = { removed: [], added: [] });
      return entry;
    };
    for (const key of dirty) {
      const before = this.routes.get(key);
      if (before) {
        this.routes.delete(key);
        for (const read of before.reads) this.unindex(read, key);
        for (const [slot, route] of before.placements) {
          this.slots.get(slot)!.routes.delete(key);
          changesOf(slot).removed.push(route);
        }
      }
      const object = this.objects.get(key);
      if (!object || !snapshot.has(object)) continue;
      const entry = this.translateRoute(snapshot, object);
      translated.push(key);
      this.routes.set(key, entry);
      for (const read of entry.reads) this.index(read, key);
      for (const [slot, route] of entry.placements) {
        let kept = this.slots.get(slot);
        if (!kept) this.slots.set(slot, kept = { routes: new Map(), sorted: NO_ROUTES });
        kept.routes.set(key, route);
        changesOf(slot).added.push(route);
      }
    }
    for (const [id, { removed, added }] of changes) {
      const slot = this.slots.get(id)!;
      slot.sorted = resorted(slot, removed, added);
      if (slot.routes.size === 0) this.slots.delete(id);
    }

    const gatewaysRebuilt: string[] = [];
    const result = this.assemble(frameRebuilt, new Set(changes.keys()), gatewaysRebuilt);
    this.lastWork = { translated, frameRebuilt, policiesRebuilt, gatewaysRebuilt };
    return result;
  }

  private buildFrame(snapshot: Snapshot): FrameState {
    const findings = new FindingsByObject();
    const { value: frame, reads } = snapshot.recordReads(() => buildFrame(snapshot, findings, this.options));
    const slots = new Map<ListenerNode, string>();
    for (const [key, node] of frame.gateways) {
      for (const listener of node.listeners) slots.set(listener, `${key}||${listener.index}`);
      for (const set of node.listenerSets) {
        for (const listener of set.listeners) slots.set(listener, `${key}|${keyOf(set.object)}|${listener.index}`);
      }
    }
    const classStatuses = new Map(frame.classStatuses.map((produced) => [keyOf(produced.object), produced]));
    return { frame, reads, findings: findings.lists, classStatuses, slots };
  }

  private translateRoute(snapshot: Snapshot, route: KubeObject): RouteEntry {
    const { frame, slots } = this.frame!;
    const findings: Finding[] = [];
    const sink: FindingSink = { report: (obj, issue) => findings.push(findingOf(obj, issue)) };
    // The parent is noted as a whole and compared by its view when the frame changes, rather
    // than by the objects the lookup reads, which any Gateway change would touch.
    const lookup = (target: ParentRefTarget) => {
      snapshot.noteRead(`${PARENT_READ}${target.kind}/${target.namespace}/${target.name}`);
      return snapshot.unrecorded(() => frame.lookup(target));
    };
    const { value, reads } = snapshot.recordReads(
      () => translateRoute(snapshot, sink, route, route.kind as RouteKind, lookup, stampOf(route, this.now)));
    const placements = new Map<string, RouteIR>();
    for (const [listener, ir] of value.placements) {
      const slot = slots.get(listener);
      if (slot === undefined) throw new Error(`route ${keyOf(route)} attached to a listener outside the frame`);
      placements.set(slot, ir);
    }
    return { status: value.status && objectStatus(route, value.status), findings, placements, reads };
  }

  private index(read: string, route: string): void {
    let routes = this.readers.get(read);
    if (!routes) this.readers.set(read, routes = new Set());
    routes.add(route);
  }

  private unindex(read: string, route: string): void {
    const routes = this.readers.get(read);
    if (!routes) return;
    routes.delete(route);
    if (routes.size === 0) this.readers.delete(read);
  }

  /** Adds to `dirty` the readers of every read key with the prefix whose value is not `unchanged`. */
  private markReaders(prefix: string, dirty: Set<string>, unchanged: (read: string) => boolean): void {
    for (const [read, routes] of this.readers) {
      if (!read.startsWith(prefix) || unchanged(read)) continue;
      for (const route of routes) dirty.add(route);
    }
  }

  /** Statuses that count routes, the IR and the table, from the frame, the policies and the kept routes. */
  private assemble(frameRebuilt: boolean, changedSlots: ReadonlySet<string>, rebuilt: string[]): EngineResult {
    const { frame, slots, classStatuses, findings: frameFindings } = this.frame!;
    const { policies, findings: policyFindings } = this.policies!;

    const produced = new Map<string, ProducedStatus>(classStatuses);
    const gateways: GatewayIR[] = [];
    const irs = new Map<string, GatewayIR>();
    for (const [key, node] of frame.gateways) {
      let presentation = this.presentations.get(key);
      if (!presentation) this.presentations.set(key, presentation = new Presentation(routePresenter(node)));
      const present = presentation;
      const routes: AttachedRoutes = (listener) => {
        const slot = slots.get(listener)!;
        return present.routes(slot, this.slots.get(slot)?.sorted ?? NO_ROUTES);
      };
      for (const status of gatewayStatuses(node, routes, this.now)) produced.set(keyOf(status.object), status);
      const previous = this.irs.get(key);
      const unchanged = previous !== undefined && !frameRebuilt && !listenersOf(node).some((l) => changedSlots.has(slots.get(l)!));
      const ir = unchanged ? previous : gatewayIR(node, routes);
      if (!unchanged) rebuilt.push(gatewayKey(ir));
      irs.set(key, ir);
      gateways.push(ir);
    }
    this.irs = irs;
    for (const key of this.presentations.keys()) if (!frame.gateways.has(key)) this.presentations.delete(key);

    for (const [policy, ancestors] of policyAncestors(policies, gateways)) {
      produced.set(keyOf(policy.object), { object: policy.object, status: policyStatus(policy, ancestors, stampOf(policy.object, this.now)) });
    }

    const statuses = new Map<string, ObjectStatus>();
    const findings: Finding[] = [];
    for (const key of this.objects.keys()) {
      const route = this.routes.get(key);
      if (route) {
        if (route.status) statuses.set(key, route.status);
        if (route.findings.length > 0) findings.push(...route.findings);
        continue;
      }
      const own = produced.get(key);
      if (own) statuses.set(key, objectStatus(own.object, own.status));
      const found = frameFindings.get(key) ?? policyFindings.get(key);
      if (found) findings.push(...found);
    }

    const previousTable = this.current.table.gateways;
    const table = new Map<string, CompiledGateway>();
    for (const ir of gateways) {
      const key = gatewayKey(ir);
      table.set(key, compileGateway(ir, previousTable.get(key)));
    }
    return { statuses, gateways, findings, table: { gateways: table } };
  }
}

function buildPolicies(snapshot: Snapshot): PolicyState {
  const findings = new FindingsByObject();
  const { value: policies, reads } = snapshot.recordReads(() => {
    const built = backendTlsPolicies(snapshot);
    reportPolicyFindings(built, findings);
    return built;
  });
  return { policies, reads, findings: findings.lists };
}

/** Whether a parent read (`parent:Kind/namespace/name`) looks the same to a route in both frames. */
function sameParent(read: string, before: Frame, after: Frame): boolean {
  const [kind, namespace, name] = read.slice(PARENT_READ.length).split('/');
  const target: ParentRefTarget = { group: 'gateway.networking.k8s.io', kind, namespace, name };
  return parentView(before.lookup(target)) === parentView(after.lookup(target));
}

function listenersOf(node: GatewayNode): ListenerNode[] {
  return [...node.listeners, ...node.listenerSets.flatMap((set) => set.listeners)];
}

function isRouteKey(key: string): boolean {
  return (ROUTE_KINDS as readonly string[]).includes(key.slice(0, key.indexOf('/')));
}

/** The slot's routes in order of precedence after `removed` left and `added` came. */
function resorted(slot: Slot, removed: readonly RouteIR[], added: readonly RouteIR[]): readonly RouteIR[] {
  if (slot.routes.size === 0) return NO_ROUTES;
  if (removed.length + added.length > Math.max(INSERTIONS_BEFORE_SORT, slot.sorted.length / 8)) return sortByPrecedence(slot.routes.values());
  const list = slot.sorted.slice();
  for (const route of removed) {
    const at = lowerBound(list, route);
    if (list[at] !== route) return sortByPrecedence(slot.routes.values());
    list.splice(at, 1);
  }
  for (const route of added) list.splice(lowerBound(list, route), 0, route);
  return list;
}

/** The first position whose route does not take precedence over `route`. */
function lowerBound(list: readonly RouteIR[], route: RouteIR): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (compareRoutePrecedence(list[middle], route) < 0) low = middle + 1; else high = middle;
  }
  return low;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
