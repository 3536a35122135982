/**
 * Which listeners of a Gateway, or of a ListenerSet, one parentRef of a route attaches to. A
 * parentRef selects listeners by sectionName and port; each selected listener must admit the route's kind and
 * namespace; then the route's hostnames must intersect the listener's. The first step that
 * leaves no listener gives the reason the parent does not accept the route.
 */
import { GATEWAY_GROUP } from '../types';
import { Issue } from './finding';
import { intersectHostnames } from './hostname';
import { describeSelector, selectorKeys, selectorMatches } from './label-selector';
import { ListenerNode } from './listener';
import { NAMESPACE_NAME_LABEL, RouteKind, Snapshot } from './snapshot';

export interface RouteIdentity {
  readonly kind: RouteKind;
  readonly namespace: string;
  /** `spec.hostnames`; ignored for TCPRoute and UDPRoute, which have none. */
  readonly hostnames: readonly string[];
}

/**
 * What a parentRef names: a Gateway (its own listeners only; those of its ListenerSets are
 * reached through the sets) or a ListenerSet. A listener's `Same` namespace policy means the
 * namespace of this parent.
 */
export interface ListenerParent {
  /** @default 'Gateway' */
  readonly kind?: 'Gateway' | 'ListenerSet';
  readonly namespace: string;
  readonly name: string;
  readonly listeners: readonly ListenerNode[];
}

export interface Attachment {
  /** Listeners that accept the route, with the hostnames it serves on each. Empty when `failure` is set. */
  readonly listeners: { readonly listener: ListenerNode; readonly hostnames: string[] }[];
  readonly failure?: Issue;
}

function routeHasHostnames(kind: RouteKind): boolean {
  return kind === 'HTTPRoute' || kind === 'GRPCRoute' || kind === 'TLSRoute';
}

export function attach(
  snapshot: Snapshot, gateway: ListenerParent, route: RouteIdentity, parentRef: any, parentPath: string,
): Attachment {
  const sectionName: string | undefined = parentRef?.sectionName;
  const port: number | undefined = parentRef?.port;
  const gatewayName = `${gateway.kind ?? 'Gateway'} ${gateway.namespace}/${gateway.name}`;

  const selected = gateway.listeners.filter((l) =>
    (sectionName === undefined || l.name === sectionName) && (port === undefined || l.port === port));
  if (selected.length === 0) {
    return { listeners: [], failure: noMatchingParent(gateway, gatewayName, sectionName, port, parentPath) };
  }

  const ofKind = selected.filter((l) => l.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === route.kind));
  if (ofKind.length === 0) {
    const kinds = [...new Set(selected.flatMap((l) => l.supportedKinds.map((k) => k.kind)))];
    return {
      listeners: [],
      failure: {
        path: parentPath,
        reason: 'NotAllowedByListeners',
        message: `${describeListeners(selected)} of ${gatewayName} ${selected.length > 1 ? 'do' : 'does'} not allow ${route.kind}`
          + ` (allowed: ${kinds.length > 0 ? kinds.join(', ') : 'none'})`,
        hint: `attach to a listener that allows ${route.kind}, or add kind ${route.kind} to allowedRoutes.kinds of a listener whose protocol serves it`,
      },
    };
  }

  const { labels, known } = snapshot.namespaceLabels(route.namespace);
  const admitted = ofKind.filter((l) => admitsNamespace(l, gateway.namespace, route.namespace, labels));
  if (admitted.length === 0) {
    // The API server sets kubernetes.io/metadata.name on every namespace, so a selector on that
    // label alone is decided even when the Namespace object is not in the input.
    const usesSelector = ofKind.some((l) => l.namespaces.from === 'Selector'
      && selectorKeys(l.namespaces.selector).some((k) => k !== NAMESPACE_NAME_LABEL));
    return {
      listeners: [],
      failure: {
        path: parentPath,
        reason: 'NotAllowedByListeners',
        message: `${describeListeners(ofKind)} of ${gatewayName} ${ofKind.length > 1 ? 'do' : 'does'} not admit routes from namespace ${route.namespace}`
          + ` (${ofKind.map((l) => `${l.name}: ${describePolicy(l, gateway.namespace)}`).join('; ')})`,
        hint: namespaceHint(ofKind[0], route.namespace),
        premise: usesSelector && !known ? { unknownNamespaceLabels: route.namespace } : undefined,
      },
    };
  }

  if (!routeHasHostnames(route.kind)) {
    return { listeners: admitted.map((listener) => ({ listener, hostnames: [] })) };
  }
  const matched = admitted.flatMap((listener) => {
    const hostnames = intersectHostnames(listener.hostname, route.hostnames);
    return hostnames ? [{ listener, hostnames }] : [];
  });
  if (matched.length === 0) {
    const listenerHosts = admitted.map((l) => l.hostname).filter((h): h is string => h !== undefined);
    return {
      listeners: [],
      failure: {
        path: parentPath,
        reason: 'NoMatchingListenerHostname',
        message: `no hostname of the route (${route.hostnames.join(', ')}) matches ${describeListeners(admitted)}`
          + ` of ${gatewayName} (${listenerHosts.join(', ')})`,
        hint: `add a hostname that matches ${listenerHosts.join(' or ')} to spec.hostnames, or attach to a listener for these hostnames`,
      },
    };
  }
  return { listeners: matched };
}

/**
 * Everything `attach` reads of a listener, and where the listener sits (its ListenerSet and
 * index). The incremental engine attaches a route again only when this changes for a listener
 * of one of its parents, so a field `attach` starts to read belongs here too.
 */
export function attachmentView(listener: ListenerNode): unknown[] {
  return [listener.index, listener.name, listener.port, listener.supportedKinds, listener.namespaces, listener.hostname ?? null,
    listener.listenerSet ?? null];
}

function admitsNamespace(listener: ListenerNode, gatewayNamespace: string, routeNamespace: string, labels: Record<string, string>): boolean {
  switch (listener.namespaces.from) {
    case 'All': return true;
    case 'Selector': return selectorMatches(listener.namespaces.selector, labels);
    default: return routeNamespace === gatewayNamespace;
  }
}

function noMatchingParent(
  gateway: ListenerParent, gatewayName: string, sectionName: string | undefined, port: number | undefined, parentPath: string,
): Issue {
  const names = gateway.listeners.map((l) => l.name);
  const ports = [...new Set(gateway.listeners.map((l) => l.port))];
  if (sectionName !== undefined) {
    const named = gateway.listeners.find((l) => l.name === sectionName);
    if (named && port !== undefined) {
      return {
        path: `${parentPath}.port`,
        reason: 'NoMatchingParent',
        message: `listener ${sectionName} of ${gatewayName} is on port ${named.port}, not ${port}`,
        hint: `set port to ${named.port}, or remove it`,
      };
    }
    return {
      path: `${parentPath}.sectionName`,
      reason: 'NoMatchingParent',
      message: `${gatewayName} has no listener named ${sectionName}`,
      hint: names.length > 0 ? `set sectionName to one of: ${names.join(', ')}` : `add a listener named ${sectionName} to the ${gateway.kind ?? 'Gateway'}`,
    };
  }
  return {
    path: `${parentPath}.port`,
    reason: 'NoMatchingParent',
    message: `${gatewayName} has no listener on port ${port}`,
    hint: ports.length > 0 ? `set port to one of: ${ports.join(', ')}, or remove it` : 'remove port',
  };
}

function describeListeners(listeners: readonly ListenerNode[]): string {
  return `${listeners.length > 1 ? 'listeners' : 'listener'} ${listeners.map((l) => l.name).join(', ')}`;
}

function describePolicy(listener: ListenerNode, gatewayNamespace: string): string {
  switch (listener.namespaces.from) {
    case 'All': return 'all namespaces';
    case 'Selector': return `namespaces labelled ${describeSelector(listener.namespaces.selector)}`;
    default: return `namespace ${gatewayNamespace} only`;
  }
}

function namespaceHint(listener: ListenerNode, routeNamespace: string): string {
  if (listener.namespaces.from === 'Selector') {
    const keys = selectorKeys(listener.namespaces.selector);
    if (keys.length > 0 && keys.every((k) => k === NAMESPACE_NAME_LABEL)) {
      return `add ${routeNamespace} to the namespaces listener ${listener.name} admits (the ${NAMESPACE_NAME_LABEL} values of its allowedRoutes selector)`;
    }
    return `add a label matching the selector of listener ${listener.name} (${describeSelector(listener.namespaces.selector)}) to namespace ${routeNamespace},`
      + ' or widen the listener\'s allowedRoutes.namespaces';
  }
  return `add namespace ${routeNamespace} to the allowedRoutes of listener ${listener.name} (from: All, or from: Selector with a selector matching its labels),`
    + ` or move the route to the ${listener.listenerSet ? 'ListenerSet' : 'Gateway'}'s namespace`;
}
