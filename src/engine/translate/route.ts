/**
 * One route of any kind: its rules, each of its parentRefs to one of our Gateways (or to a
 * ListenerSet of one), the status entry per such parent, and the route's place on every
 * listener that accepts it. Each parentRef gets its own verdict.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { attach, Attachment, attachmentView, ListenerParent, RouteIdentity } from './attachment';
import { FindingSink, Issue } from './finding';
import { GatewayNode } from './gateway';
import { RouteIR } from './ir';
import { ListenerNode } from './listener';
import { ListenerSetNode } from './listener-set';
import { buildRules } from './rules';
import { nameOf, namespaceOf, RouteKind, Snapshot } from './snapshot';
import { Condition, condition, ParentReference, RouteParentStatus, RouteStatus, Stamp } from './status';

/**
 * How a parentRef relates to us: a Gateway of ours (`listenerSet` set when the parentRef names
 * one of its ListenerSets), one of another controller, or one we cannot tell (absent, or its
 * class is).
 */
export type ParentLookup =
  | { readonly owner: 'us'; readonly gateway: GatewayNode; readonly listenerSet?: ListenerSetNode }
  | { readonly owner: 'other' }
  | { readonly owner: 'unknown' };

export interface ParentRefTarget {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A route's part of a translation: its status and its place on each listener that accepts it. */
export interface RouteTranslation {
  /** Undefined when none of the route's parents is ours. */
  readonly status?: RouteStatus;
  /** The route as each accepting listener serves it; several parentRefs reaching one listener are merged. */
  readonly placements: ReadonlyMap<ListenerNode, RouteIR>;
}

/**
 * Everything `translateRoute` reads of a parent as it was looked up, as text: two lookups with
 * the same view make the same route translation. The incremental engine translates a route
 * again only when the view of one of its parents changes, so whatever this file starts to read
 * of a parent belongs here too.
 */
export function parentView(found: ParentLookup): string {
  if (found.owner !== 'us') return found.owner;
  const { gateway, listenerSet } = found;
  return JSON.stringify([
    gateway.namespace, gateway.name, gateway.gatewayClass.controllerName,
    listenerSet
      ? [listenerSet.namespace, listenerSet.name, listenerSet.notAllowed ?? null, listenerSet.listeners.map(attachmentView)]
      : gateway.listeners.map(attachmentView),
  ]);
}

/**
 * Translates a route and attaches it to our listeners. Rules are checked (and findings
 * reported) as soon as one parent is ours or unknown, so that a route whose Gateway lives
 * elsewhere still gets its references checked. Nothing else is touched: what one route
 * translates to depends on the snapshot and the parents, never on other routes.
 */
export function translateRoute(
  snapshot: Snapshot, findings: FindingSink, route: KubeObject, kind: RouteKind,
  lookup: (target: ParentRefTarget) => ParentLookup, stamp: Stamp,
): RouteTranslation {
  const namespace = namespaceOf(route)!;
  const parentRefs: any[] = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  const parents = parentRefs.map((ref, index) => {
    const target: ParentRefTarget = {
      group: ref?.group ?? GATEWAY_GROUP,
      kind: ref?.kind ?? 'Gateway',
      namespace: ref?.namespace ?? namespace,
      name: String(ref?.name ?? ''),
    };
    const isParentKind = target.group === GATEWAY_GROUP && (target.kind === 'Gateway' || target.kind === 'ListenerSet');
    return { ref, index, target, found: isParentKind ? lookup(target) : { owner: 'other' as const } };
  });
  const placements = new Map<ListenerNode, RouteIR>();
  if (!parents.some((p) => p.found.owner !== 'other')) return { placements };

  const rules = buildRules(snapshot, route, kind);
  for (const { issues } of rules) {
    for (const issue of [...issues.unsupported, ...issues.unresolved]) findings.report(route, issue);
  }
  const kept = rules.filter((r) => r.issues.unsupported.length === 0).map((r) => r.rule);
  const dropped = rules.filter((r) => r.issues.unsupported.length > 0);
  const unresolved = rules.flatMap((r) => r.issues.unresolved);

  const identity: RouteIdentity = {
    kind,
    namespace,
    hostnames: Array.isArray(route.spec?.hostnames) ? route.spec.hostnames.map(String) : [],
  };
  const statuses: RouteParentStatus[] = [];
  for (const parent of parents) {
    if (parent.found.owner !== 'us') continue;
    const { gateway, listenerSet } = parent.found;
    const parentPath = `spec.parentRefs[${parent.index}]`;
    const attachment = listenerSet
      ? attachToListenerSet(snapshot, gateway, listenerSet, identity, parent.ref, parentPath)
      : attach(snapshot, gateway, identity, parent.ref, parentPath);
    if (attachment.failure) findings.report(route, attachment.failure);
    const accepted = !attachment.failure && (kept.length > 0 || dropped.length === 0);
    if (accepted) {
      for (const { listener, hostnames } of attachment.listeners) {
        placements.set(listener, withHostnames(placements.get(listener), route, kind, hostnames, kept));
      }
    }
    statuses.push({
      parentRef: echo(parent.target, parent.ref),
      controllerName: gateway.gatewayClass.controllerName,
      conditions: parentConditions(stamp, attachment.failure, kept.length, dropped, unresolved),
    });
  }
  return statuses.length > 0 ? { status: { parents: statuses }, placements } : { placements };
}

/** A ListenerSet the Gateway does not admit has no listeners a route could attach to. */
function attachToListenerSet(
  snapshot: Snapshot, gateway: GatewayNode, set: ListenerSetNode, route: RouteIdentity, parentRef: any, parentPath: string,
): Attachment {
  if (set.notAllowed) {
    return {
      listeners: [],
      failure: {
        path: parentPath,
        reason: 'NotAllowedByListeners',
        message: `ListenerSet ${set.namespace}/${set.name} is not part of Gateway ${gateway.namespace}/${gateway.name}: ${set.notAllowed.message}`,
        hint: 'let the Gateway admit the ListenerSet (spec.allowedListeners), or attach the route to another parent',
        premise: set.notAllowed.premise,
      },
    };
  }
  const parent: ListenerParent = { kind: 'ListenerSet', namespace: set.namespace, name: set.name, listeners: set.listeners };
  return attach(snapshot, parent, route, parentRef, parentPath);
}

function parentConditions(
  stamp: Stamp, failure: Issue | undefined, keptCount: number,
  dropped: readonly { rule: { index: number }; issues: { unsupported: Issue[] } }[], unresolved: readonly Issue[],
): Condition[] {
  const droppedMessage = dropped
    .map((d) => `Dropped Rule ${d.rule.index}: ${d.issues.unsupported.map((i) => i.message).join('; ')}`)
    .join('; ');
  const conditions = [
    failure
      ? condition(stamp, 'Accepted', false, failure.reason, failure.message)
      : keptCount === 0 && dropped.length > 0
        ? condition(stamp, 'Accepted', false, 'UnsupportedValue', `no rule can be served: ${droppedMessage}`)
        : condition(stamp, 'Accepted', true, 'Accepted', 'Route is accepted'),
    unresolved.length > 0
      ? condition(stamp, 'ResolvedRefs', false, unresolved[0].reason, unresolved.map((i) => i.message).join('; '))
      : condition(stamp, 'ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'),
  ];
  if (keptCount > 0 && dropped.length > 0) {
    conditions.push(condition(stamp, 'PartiallyInvalid', true, 'UnsupportedValue', droppedMessage));
  }
  return conditions;
}

/** The route on one listener; a second parentRef reaching the same listener widens its hostnames. */
function withHostnames(
  existing: RouteIR | undefined, route: KubeObject, kind: RouteKind, hostnames: string[], rules: readonly unknown[],
): RouteIR {
  if (existing) {
    const any = existing.hostnames.length === 0 || hostnames.length === 0;
    return { ...existing, hostnames: any ? [] : [...new Set([...existing.hostnames, ...hostnames])] };
  }
  const creationTimestamp = timestampOf(route.metadata.creationTimestamp);
  return {
    kind,
    namespace: namespaceOf(route)!,
    name: nameOf(route),
    ...(creationTimestamp ? { creationTimestamp } : {}),
    hostnames,
    rules,
  } as RouteIR;
}

/** YAML parsers may turn an unquoted timestamp into a Date; Kubernetes writes whole seconds. */
function timestampOf(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function echo(target: ParentRefTarget, ref: any): ParentReference {
  return {
    group: target.group,
    kind: target.kind,
    namespace: target.namespace,
    name: target.name,
    ...(ref?.sectionName !== undefined ? { sectionName: ref.sectionName } : {}),
    ...(ref?.port !== undefined ? { port: ref.port } : {}),
  };
}
