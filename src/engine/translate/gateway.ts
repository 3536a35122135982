/**
 * A Gateway of one of our classes: its listeners and those of the ListenerSets naming it as
 * parent, what makes it unacceptable as a whole, and how that reads as status and as IR once
 * routes have attached.
 */
import { KubeObject } from '../types';
import { clientCertificatePresenter } from './backend-tls-policy';
import { CertificateResolution, resolveCertificateRef } from './certificate';
import { FindingSink } from './finding';
import { applyFrontendValidation } from './frontend-validation';
import { ClassNode } from './gateway-class';
import { GatewayIR, ListenerIR, Problem, RouteIR } from './ir';
import { buildListener, canServe, isListenerAccepted, ListenerNode } from './listener';
import { markConflicts } from './listener-conflicts';
import { buildListenerSets, listenerSetRejection, ListenerSetNode } from './listener-set';
import { nameOf, namespaceOf, Snapshot } from './snapshot';
import { Condition, condition, GatewayStatus, ListenerSetStatus, ListenerStatus, Stamp } from './status';

const SUPPORTED_ADDRESS_TYPES = ['IPAddress', 'Hostname'];

export interface GatewayNode {
  readonly object: KubeObject;
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClass: ClassNode;
  readonly listeners: ListenerNode[];
  /** Why the Gateway as a whole is not Accepted, whatever its listeners. */
  readonly rejection?: Problem;
  readonly backendClientCertificate?: CertificateResolution;
  /** Some HTTPS listener validates client certificates with AllowInsecureFallback. */
  readonly insecureFrontendValidation: boolean;
  /** ListenerSets naming this Gateway as parent, admitted or not, in order of precedence. */
  readonly listenerSets: ListenerSetNode[];
}

/**
 * The routes a listener accepted, in order of precedence, as the Gateway serves them (see
 * `routePresenter`). Translate collects them on the listener nodes; the incremental engine
 * keeps them apart, across translations.
 */
export type AttachedRoutes = (listener: ListenerNode) => readonly RouteIR[];

/** `listenerSets`: the ListenerSets whose parentRef names this Gateway, in any order. */
export function buildGateway(
  snapshot: Snapshot, findings: FindingSink, gateway: KubeObject, gatewayClass: ClassNode, listenerSets: readonly KubeObject[] = [],
): GatewayNode {
  const specs: any[] = Array.isArray(gateway.spec?.listeners) ? gateway.spec.listeners : [];
  const listeners = specs.map((spec, index) => {
    const built = buildListener(snapshot, gateway, spec, index);
    for (const issue of built.issues) findings.report(gateway, issue);
    return built.listener;
  });
  for (const { issue } of markConflicts(listeners)) findings.report(gateway, issue);
  const sets = buildListenerSets(snapshot, findings, gateway, listeners, listenerSets);
  // The Gateway's client certificate validation is per port, so it binds the listeners sets add too.
  const insecureFrontendValidation = applyFrontendValidation(snapshot, findings, gateway,
    [...listeners, ...sets.flatMap((set) => set.listeners)]);

  let rejection: Problem | undefined;
  const reject = (path: string, reason: string, message: string, hint: string, implementationSpecific: boolean) => {
    findings.report(gateway, { path, reason, message, hint, premise: implementationSpecific ? { implementationSpecific } : undefined });
    rejection ??= { reason, message };
  };
  if (gatewayClass.rejection) {
    rejection = { reason: 'Invalid', message: `GatewayClass ${gatewayClass.name} is not accepted: ${gatewayClass.rejection.message}` };
  }
  const parametersRef = gateway.spec?.infrastructure?.parametersRef;
  if (parametersRef) {
    reject('spec.infrastructure.parametersRef', 'InvalidParameters',
      `parametersRef ${parametersRef.group ? `${parametersRef.group}/` : ''}${parametersRef.kind} ${parametersRef.name} is not supported by this controller`,
      'remove spec.infrastructure.parametersRef', true);
  }
  const addresses: any[] = Array.isArray(gateway.spec?.addresses) ? gateway.spec.addresses : [];
  addresses.forEach((address, a) => {
    const type = address?.type ?? 'IPAddress';
    if (!SUPPORTED_ADDRESS_TYPES.includes(type)) {
      reject(`spec.addresses[${a}].type`, 'UnsupportedAddress', `address type ${type} is not supported`,
        `use one of ${SUPPORTED_ADDRESS_TYPES.join(', ')}, or remove the address`, true);
    }
  });

  let backendClientCertificate: CertificateResolution | undefined;
  const clientRef = gateway.spec?.tls?.backend?.clientCertificateRef;
  if (clientRef) {
    backendClientCertificate = resolveCertificateRef(snapshot, gateway, clientRef,
      'spec.tls.backend.clientCertificateRef', 'InvalidClientCertificateRef');
    if (backendClientCertificate.issue) findings.report(gateway, backendClientCertificate.issue);
  }

  return {
    object: gateway,
    namespace: namespaceOf(gateway)!,
    name: nameOf(gateway),
    gatewayClass,
    listeners,
    rejection,
    backendClientCertificate,
    insecureFrontendValidation,
    listenerSets: sets,
  };
}

function isGatewayAccepted(node: GatewayNode): boolean {
  return !node.rejection && node.listeners.some(isListenerAccepted);
}

function isListenerProgrammed(node: GatewayNode, listener: ListenerNode): boolean {
  return isGatewayAccepted(node) && isListenerAccepted(listener) && canServe(listener);
}

function rejectionOf(node: GatewayNode, set: ListenerSetNode): Problem | undefined {
  return listenerSetRejection(set, isGatewayAccepted(node));
}

function isSetListenerProgrammed(node: GatewayNode, set: ListenerSetNode, listener: ListenerNode): boolean {
  return !rejectionOf(node, set) && isListenerProgrammed(node, listener);
}

/** Every listener that may serve traffic for the Gateway: its own, then those of the sets it admits. */
function servingListeners(node: GatewayNode): { listener: ListenerNode; programmed: boolean }[] {
  return [
    ...node.listeners.map((listener) => ({ listener, programmed: isListenerProgrammed(node, listener) })),
    ...node.listenerSets.filter((set) => !set.notAllowed).flatMap((set) =>
      set.listeners.map((listener) => ({ listener, programmed: isSetListenerProgrammed(node, set, listener) }))),
  ];
}

export function gatewayStatus(node: GatewayNode, stamp: Stamp, routes: AttachedRoutes): GatewayStatus {
  const conditions: Condition[] = [];
  const accepted = isGatewayAccepted(node);
  const invalid = node.listeners.filter((l) => !isListenerAccepted(l) || l.unresolvedRefs.length > 0);
  if (node.rejection) {
    conditions.push(condition(stamp, 'Accepted', false, node.rejection.reason, node.rejection.message));
  } else if (!accepted) {
    conditions.push(condition(stamp, 'Accepted', false, 'ListenersNotValid', 'no listener is valid'));
  } else if (invalid.length > 0) {
    conditions.push(condition(stamp, 'Accepted', true, 'ListenersNotValid',
      `listeners not valid: ${invalid.map((l) => l.name).join(', ')}`));
  } else {
    conditions.push(condition(stamp, 'Accepted', true, 'Accepted', 'Gateway is accepted'));
  }

  if (!accepted) {
    conditions.push(condition(stamp, 'Programmed', false, 'Invalid', 'Gateway is not accepted'));
  } else if (!servingListeners(node).some((l) => l.programmed)) {
    conditions.push(condition(stamp, 'Programmed', false, 'Invalid', 'no listener can be programmed'));
  } else {
    conditions.push(condition(stamp, 'Programmed', true, 'Programmed', 'Gateway is programmed'));
  }

  const client = node.backendClientCertificate?.certificate;
  if (client) {
    conditions.push(client.invalid
      ? condition(stamp, 'ResolvedRefs', false, client.invalid.reason, client.invalid.message)
      : condition(stamp, 'ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'));
  }

  if (node.insecureFrontendValidation) {
    conditions.push(condition(stamp, 'InsecureFrontendValidationMode', true, 'ConfigurationChanged',
      'client certificate validation admits clients without a valid certificate (AllowInsecureFallback)'));
  }

  return {
    conditions,
    listeners: node.listeners.map((l) => listenerStatus(l, routes(l).length, isListenerProgrammed(node, l)
      ? undefined
      : { reason: 'Invalid', message: notProgrammedMessage(node, l) }, stamp)),
    attachedListenerSets: node.listenerSets.filter((set) => !rejectionOf(node, set)).length,
  };
}

/**
 * The status of a ListenerSet. A listener that loses to another is reported not Programmed
 * with the reason it lost for, as the ListenerSet conformance tests expect.
 */
export function listenerSetStatus(node: GatewayNode, set: ListenerSetNode, stamp: Stamp, routes: AttachedRoutes): ListenerSetStatus {
  const rejection = rejectionOf(node, set);
  const invalid = set.listeners.filter((l) => !isListenerAccepted(l) || l.unresolvedRefs.length > 0);
  const conditions = rejection
    ? [
      condition(stamp, 'Accepted', false, rejection.reason, rejection.message),
      condition(stamp, 'Programmed', false, rejection.reason === 'ParentNotAccepted' ? 'ParentNotProgrammed' : rejection.reason,
        rejection.message),
    ]
    : [
      invalid.length > 0
        ? condition(stamp, 'Accepted', true, 'ListenersNotValid', `listeners not valid: ${invalid.map((l) => l.name).join(', ')}`)
        : condition(stamp, 'Accepted', true, 'Accepted', 'ListenerSet is accepted'),
      condition(stamp, 'Programmed', true, 'Programmed', 'ListenerSet is programmed'),
    ];
  if (set.notAllowed) return { conditions };
  return {
    conditions,
    listeners: set.listeners.map((l) => {
      if (isSetListenerProgrammed(node, set, l)) return listenerStatus(l, routes(l).length, undefined, stamp);
      const notAccepted = l.rejection ?? l.conflict;
      return listenerStatus(l, routes(l).length, notAccepted
        ? { reason: notAccepted.reason, message: `listener is not accepted: ${notAccepted.message}` }
        : { reason: 'Invalid', message: rejection ? `ListenerSet is not accepted: ${rejection.message}` : notProgrammedMessage(node, l) },
      stamp);
    }),
  };
}

/** `notProgrammed`: why the listener is not Programmed, undefined when it is. */
function listenerStatus(listener: ListenerNode, attachedRoutes: number, notProgrammed: Problem | undefined, stamp: Stamp): ListenerStatus {
  const notAccepted = listener.rejection ?? listener.conflict;
  const conditions = [
    notAccepted
      ? condition(stamp, 'Accepted', false, notAccepted.reason, notAccepted.message)
      : condition(stamp, 'Accepted', true, 'Accepted', 'listener is accepted'),
    notProgrammed
      ? condition(stamp, 'Programmed', false, notProgrammed.reason, notProgrammed.message)
      : condition(stamp, 'Programmed', true, 'Programmed', 'listener is programmed'),
    listener.unresolvedRefs.length > 0
      ? condition(stamp, 'ResolvedRefs', false, listener.unresolvedRefs[0].reason,
        listener.unresolvedRefs.map((p) => p.message).join('; '))
      : condition(stamp, 'ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'),
    listener.conflict
      ? condition(stamp, 'Conflicted', true, listener.conflict.reason, listener.conflict.message)
      : condition(stamp, 'Conflicted', false, 'NoConflicts', 'listener does not conflict with another'),
  ];
  return {
    name: listener.name,
    supportedKinds: listener.supportedKinds.map((k) => ({ ...k })),
    attachedRoutes,
    conditions,
  };
}

function notProgrammedMessage(node: GatewayNode, listener: ListenerNode): string {
  const notAccepted = listener.rejection ?? listener.conflict;
  if (notAccepted) return `listener is not accepted: ${notAccepted.message}`;
  if (!isGatewayAccepted(node)) return 'Gateway is not accepted';
  if (listener.supportedKinds.length === 0) return 'listener supports no route kind';
  return 'listener has no usable certificate';
}

/** How the Gateway serves each of its routes (the same object when it changes nothing about it). */
export function routePresenter(node: GatewayNode): (route: RouteIR) => RouteIR {
  return clientCertificatePresenter(node.backendClientCertificate?.certificate);
}

export function gatewayIR(node: GatewayNode, routes: AttachedRoutes): GatewayIR {
  const listeners = servingListeners(node);
  return {
    namespace: node.namespace,
    name: node.name,
    gatewayClassName: node.gatewayClass.name,
    controllerName: node.gatewayClass.controllerName,
    programmed: isGatewayAccepted(node) && listeners.some((l) => l.programmed),
    listeners: listeners.map(({ listener: l, programmed }): ListenerIR => ({
      name: l.name,
      port: l.port,
      protocol: l.protocol,
      hostname: l.hostname,
      programmed,
      tls: l.tls,
      routes: routes(l) as RouteIR[],
      ...(l.listenerSet ? { listenerSet: { ...l.listenerSet } } : {}),
    })),
    backendClientCertificate: node.backendClientCertificate?.certificate,
  };
}
