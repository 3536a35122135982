/**
 * One Gateway listener on its own: protocol, TLS, certificate references and allowed route
 * kinds. What depends on the other listeners (conflicts) and on routes (attachment) is added
 * later to the same node.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { resolveCertificateRef } from './certificate';
import { Issue } from './finding';
import { ListenerTlsIR, Problem, RouteIR } from './ir';
import { LabelSelector } from './label-selector';
import { nameOf, namespaceOf, Snapshot, RouteKind } from './snapshot';
import { RouteGroupKind } from './status';

/** Route kinds each supported protocol serves, in the order supportedKinds lists them. */
const PROTOCOL_ROUTE_KINDS = new Map<string, readonly RouteKind[]>([
  ['HTTP', ['HTTPRoute', 'GRPCRoute']],
  ['HTTPS', ['HTTPRoute', 'GRPCRoute']],
  ['TLS', ['TLSRoute']],
  ['TCP', ['TCPRoute']],
  ['UDP', ['UDPRoute']],
]);

const NAMESPACE_POLICIES = ['Same', 'All', 'Selector'];
const TLS_MODES = ['Terminate', 'Passthrough'];

export interface NamespacePolicy {
  readonly from: 'Same' | 'All' | 'Selector';
  readonly selector?: LabelSelector;
}

export interface ListenerNode {
  readonly index: number;
  readonly path: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  readonly supportedKinds: RouteGroupKind[];
  readonly namespaces: NamespacePolicy;
  /** Replaced once the Gateway's client certificate validation is applied. */
  tls?: ListenerTlsIR;
  /** Why the listener is not Accepted on its own (UnsupportedProtocol, UnsupportedValue, NoValidCACertificate). */
  rejection?: Problem;
  /** Set when the listener is indistinct from another one on the same port. */
  conflict?: Problem;
  /** Reasons for ResolvedRefs=False, in spec order. */
  readonly unresolvedRefs: Problem[];
  /** Routes accepted on this listener, by object key. */
  readonly routes: Map<string, RouteIR>;
  /** The ListenerSet the listener comes from; undefined for the Gateway's own listeners. */
  readonly listenerSet?: { readonly namespace: string; readonly name: string };
}

export function isSupportedProtocol(protocol: string): boolean {
  return PROTOCOL_ROUTE_KINDS.has(protocol);
}

/** Accepted and not conflicted: the listener may take part in serving. */
export function isListenerAccepted(listener: ListenerNode): boolean {
  return !listener.rejection && !listener.conflict;
}

/** Whether an accepted listener has what it needs to be bound: a route kind, and a certificate when it terminates TLS. */
export function canServe(listener: ListenerNode): boolean {
  if (listener.supportedKinds.length === 0) return false;
  if (listener.tls?.mode === 'Terminate') return listener.tls.certificates.some((c) => c.valid);
  return true;
}

/** `owner` is the Gateway or the ListenerSet whose `spec.listeners[index]` this is. */
export function buildListener(
  snapshot: Snapshot, owner: KubeObject, spec: any, index: number,
): { listener: ListenerNode; issues: Issue[] } {
  const path = `spec.listeners[${index}]`;
  const issues: Issue[] = [];
  const protocol = String(spec?.protocol ?? '');
  const unresolvedRefs: Problem[] = [];
  let rejection: Problem | undefined;
  const reject = (issue: Issue) => {
    rejection ??= { reason: issue.reason, message: issue.message };
    issues.push(issue);
  };

  if (!isSupportedProtocol(protocol)) {
    reject({
      path: `${path}.protocol`,
      reason: 'UnsupportedProtocol',
      message: `listener ${spec?.name} uses protocol ${protocol || '(none)'}, which is not supported`,
      hint: 'use one of HTTP, HTTPS, TLS, TCP, UDP',
      premise: protocol.includes('/') ? { implementationSpecific: true } : undefined,
    });
  }

  const from = spec?.allowedRoutes?.namespaces?.from ?? 'Same';
  if (!NAMESPACE_POLICIES.includes(from)) {
    reject({
      path: `${path}.allowedRoutes.namespaces.from`,
      reason: 'UnsupportedValue',
      message: `allowedRoutes.namespaces.from ${from} is not supported`,
      hint: 'use Same, All or Selector',
    });
  }

  let tls: ListenerTlsIR | undefined;
  if (protocol === 'HTTPS' || protocol === 'TLS') {
    const mode = spec?.tls?.mode ?? 'Terminate';
    if (!TLS_MODES.includes(mode)) {
      reject({
        path: `${path}.tls.mode`,
        reason: 'UnsupportedValue',
        message: `tls.mode ${mode} is not supported`,
        hint: 'use Terminate or Passthrough',
      });
    } else if (protocol === 'HTTPS' && mode === 'Passthrough') {
      reject({
        path: `${path}.tls.mode`,
        reason: 'UnsupportedValue',
        message: 'an HTTPS listener terminates TLS; tls.mode Passthrough is not supported for it',
        hint: 'use protocol TLS with a TLSRoute to pass TLS through, or tls.mode Terminate',
      });
    } else {
      const resolved = mode === 'Terminate' ? resolveCertificates(snapshot, owner, spec, path) : { certificates: [], issues: [] };
      for (const issue of resolved.issues) {
        unresolvedRefs.push({ reason: issue.reason, message: issue.message });
        issues.push(issue);
      }
      tls = { mode, certificates: resolved.certificates, options: { ...(spec?.tls?.options ?? {}) } };
    }
  }

  const supportedKinds: RouteGroupKind[] = [];
  const allowed = PROTOCOL_ROUTE_KINDS.get(protocol);
  if (allowed) {
    const requested: any[] = Array.isArray(spec?.allowedRoutes?.kinds) ? spec.allowedRoutes.kinds : [];
    if (requested.length === 0) {
      supportedKinds.push(...allowed.map((kind) => ({ group: GATEWAY_GROUP, kind })));
    }
    requested.forEach((entry, k) => {
      const group = entry?.group ?? GATEWAY_GROUP;
      const kind = String(entry?.kind ?? '');
      if (group === GATEWAY_GROUP && (allowed as readonly string[]).includes(kind)) {
        if (!supportedKinds.some((s) => s.kind === kind)) supportedKinds.push({ group, kind });
        return;
      }
      const message = `route kind ${group ? `${group}/` : ''}${kind} is not supported on a ${protocol} listener`;
      unresolvedRefs.push({ reason: 'InvalidRouteKinds', message });
      issues.push({
        path: `${path}.allowedRoutes.kinds[${k}]`,
        reason: 'InvalidRouteKinds',
        message,
        hint: `a ${protocol} listener serves ${allowed.join(', ')}; remove ${kind} or change the protocol`,
      });
    });
  }

  const listener: ListenerNode = {
    index,
    path,
    name: String(spec?.name ?? ''),
    port: Number(spec?.port),
    protocol,
    hostname: typeof spec?.hostname === 'string' && spec.hostname !== '' ? spec.hostname : undefined,
    supportedKinds,
    namespaces: { from, selector: spec?.allowedRoutes?.namespaces?.selector },
    tls,
    rejection,
    unresolvedRefs,
    routes: new Map(),
    ...(owner.kind === 'ListenerSet' ? { listenerSet: { namespace: namespaceOf(owner)!, name: nameOf(owner) } } : {}),
  };
  return { listener, issues };
}

function resolveCertificates(snapshot: Snapshot, owner: KubeObject, spec: any, path: string) {
  const refs: any[] = Array.isArray(spec?.tls?.certificateRefs) ? spec.tls.certificateRefs : [];
  const issues: Issue[] = [];
  const certificates = refs.map((ref, c) => {
    const resolved = resolveCertificateRef(snapshot, owner, ref, `${path}.tls.certificateRefs[${c}]`, 'InvalidCertificateRef');
    if (resolved.issue) issues.push(resolved.issue);
    return resolved.certificate;
  });
  if (refs.length === 0) {
    // The CRD allows certificates configured through implementation-specific tls.options;
    // only an implementation that needs a key pair (like ours) refuses the listener.
    const optionsOnly = Object.keys(spec?.tls?.options ?? {}).length > 0;
    issues.push({
      path: `${path}.tls`,
      reason: 'InvalidCertificateRef',
      message: `listener ${spec?.name} terminates TLS but has no certificateRefs`,
      hint: 'add a certificateRef to a Secret of type kubernetes.io/tls',
      ...(optionsOnly ? { premise: { implementationSpecific: true } } : {}),
    });
  }
  return { certificates, issues };
}
