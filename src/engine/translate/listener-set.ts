/**
 * ListenerSets: listeners that other teams add to a Gateway. The Gateway decides which sets it
 * admits (`spec.allowedListeners`, none by default); an admitted set's listeners join the
 * Gateway's after its own, in the set's order of precedence, and routes reach them only through
 * a parentRef to the set itself.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { FindingSink, Issue } from './finding';
import { Problem } from './ir';
import { describeSelector, LabelSelector, selectorKeys, selectorMatches } from './label-selector';
import { buildListener, canServe, isListenerAccepted, ListenerNode } from './listener';
import { markConflicts, markConflictsAgainst } from './listener-conflicts';
import { compareObjectPrecedence, displayName, nameOf, NAMESPACE_NAME_LABEL, namespaceOf, Snapshot } from './snapshot';

export interface ListenerSetNode {
  readonly object: KubeObject;
  readonly namespace: string;
  readonly name: string;
  /** Why the Gateway does not admit the set; its listeners then take no part in the Gateway. */
  readonly notAllowed?: Issue;
  /** Empty when `notAllowed` is set. */
  readonly listeners: ListenerNode[];
}

/** The Gateway a ListenerSet names as its parent, or undefined when the parent is of another kind. */
export function parentGatewayOf(listenerSet: KubeObject): { namespace: string; name: string } | undefined {
  const ref = listenerSet.spec?.parentRef;
  if ((ref?.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref?.kind ?? 'Gateway') !== 'Gateway') return undefined;
  return { namespace: ref?.namespace ?? namespaceOf(listenerSet)!, name: String(ref?.name ?? '') };
}

/**
 * Builds the ListenerSets naming `gateway` as parent, in order of precedence. `gatewayListeners`
 * are the Gateway's own listeners, already checked for conflicts among themselves.
 */
export function buildListenerSets(
  snapshot: Snapshot, findings: FindingSink, gateway: KubeObject, gatewayListeners: readonly ListenerNode[], sets: readonly KubeObject[],
): ListenerSetNode[] {
  const precedent: ListenerNode[] = [...gatewayListeners];
  return [...sets].sort(compareObjectPrecedence).map((set) => {
    const namespace = namespaceOf(set)!;
    const name = nameOf(set);
    const refusal = admission(snapshot, gateway, namespace);
    if (refusal) {
      findings.report(set, refusal);
      return { object: set, namespace, name, notAllowed: refusal, listeners: [] };
    }
    const specs: any[] = Array.isArray(set.spec?.listeners) ? set.spec.listeners : [];
    const listeners = specs.map((spec, index) => {
      const built = buildListener(snapshot, set, spec, index);
      for (const issue of built.issues) findings.report(set, issue);
      return built.listener;
    });
    for (const { issue } of markConflictsAgainst(listeners, precedent)) findings.report(set, issue);
    for (const { issue } of markConflicts(listeners.filter((l) => !l.conflict))) findings.report(set, issue);
    precedent.push(...listeners);
    return { object: set, namespace, name, listeners };
  });
}

/** Why the Gateway's `spec.allowedListeners` does not admit sets from `namespace`, if it does not. */
function admission(snapshot: Snapshot, gateway: KubeObject, namespace: string): Issue | undefined {
  const policy = gateway.spec?.allowedListeners?.namespaces;
  const from: string = policy?.from ?? 'None';
  const gatewayName = displayName(gateway);
  const refuse = (why: string, hint: string, premise?: Issue['premise']): Issue => ({
    path: 'spec.parentRef',
    reason: 'NotAllowed',
    message: `Gateway ${gatewayName} does not admit ListenerSets ${why}`,
    hint,
    premise,
  });
  switch (from) {
    case 'All':
      return undefined;
    case 'Same':
      return namespace === namespaceOf(gateway) ? undefined : refuse(`from namespace ${namespace} (allowedListeners: Same)`,
        `move the ListenerSet to namespace ${namespaceOf(gateway)}, or widen the Gateway's spec.allowedListeners.namespaces`);
    case 'Selector': {
      const selector: LabelSelector | undefined = policy?.selector;
      const { labels, known } = snapshot.namespaceLabels(namespace);
      if (selectorMatches(selector, labels)) return undefined;
      // As for routes: only the kubernetes.io/metadata.name label is certain without the Namespace object.
      const uncertain = !known && selectorKeys(selector).some((k) => k !== NAMESPACE_NAME_LABEL);
      return refuse(`from namespace ${namespace} (allowedListeners selector: ${describeSelector(selector)})`,
        `label namespace ${namespace} to match the Gateway's spec.allowedListeners.namespaces.selector`,
        uncertain ? { unknownNamespaceLabels: namespace } : undefined);
    }
    default:
      return refuse(`(allowedListeners.namespaces.from: ${from})`,
        `set spec.allowedListeners.namespaces.from on Gateway ${gatewayName} to Same, Selector or All`);
  }
}

/** A listener that can be served: accepted, not conflicted, with a route kind and, when it terminates TLS, a certificate. */
function isListenerValid(listener: ListenerNode): boolean {
  return isListenerAccepted(listener) && canServe(listener);
}

/** Why the set is not Accepted, given whether its parent Gateway is; undefined when it is. */
export function listenerSetRejection(node: ListenerSetNode, parentAccepted: boolean): Problem | undefined {
  if (node.notAllowed) return node.notAllowed;
  if (!parentAccepted) return { reason: 'ParentNotAccepted', message: 'the parent Gateway is not accepted' };
  if (!node.listeners.some(isListenerValid)) return { reason: 'ListenersNotValid', message: 'no listener is valid' };
  return undefined;
}
