/**
 * The `.status` a conformant controller writes, typed after the Gateway API v1 status structs.
 * Only this controller's part is produced: parent entries of other controllers are left to the
 * status writer, which merges.
 */
import { KubeObject } from '../types';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /** The object's `metadata.generation` (1 when absent, as for an object not yet created). */
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

export interface RouteGroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface GatewayClassStatus {
  readonly conditions: Condition[];
  /** Sorted by name, as the API requires. */
  readonly supportedFeatures?: { readonly name: string }[];
}

export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: RouteGroupKind[];
  readonly attachedRoutes: number;
  readonly conditions: Condition[];
}

export interface GatewayStatus {
  readonly conditions: Condition[];
  readonly listeners: ListenerStatus[];
  /** ListenerSets admitted by `spec.allowedListeners` whose Accepted condition is True. */
  readonly attachedListenerSets?: number;
}

/** `listeners` is left out when the Gateway does not admit the set: then it has no listeners to speak of. */
export interface ListenerSetStatus {
  readonly conditions: Condition[];
  readonly listeners?: ListenerStatus[];
}

/** A policy's verdict with respect to one ancestor (for BackendTLSPolicy, a Gateway whose routes use the target). */
export interface PolicyAncestorStatus {
  readonly ancestorRef: ParentReference;
  readonly controllerName: string;
  readonly conditions: Condition[];
}

export interface PolicyStatus {
  readonly ancestors: PolicyAncestorStatus[];
}

/** A route's parentRef as echoed in its status: group, kind and namespace always explicit. */
export interface ParentReference {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentStatus {
  readonly parentRef: ParentReference;
  readonly controllerName: string;
  readonly conditions: Condition[];
}

export interface RouteStatus {
  readonly parents: RouteParentStatus[];
}

/** The status of one input object, keyed in `Translation.statuses` by `objectKey(kind, namespace, name)`. */
export interface ObjectStatus {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly status: GatewayClassStatus | GatewayStatus | RouteStatus | ListenerSetStatus | PolicyStatus;
}

/** Generation and time every condition of one object carries. */
export interface Stamp {
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

export function stampOf(obj: KubeObject, now: string): Stamp {
  const generation = obj.metadata.generation;
  return {
    observedGeneration: typeof generation === 'number' && generation > 0 ? generation : 1,
    lastTransitionTime: now,
  };
}

export function condition(stamp: Stamp, type: string, status: boolean, reason: string, message: string): Condition {
  return { type, status: status ? 'True' : 'False', reason, message, ...stamp };
}
