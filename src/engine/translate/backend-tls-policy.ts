/**
 * BackendTLSPolicy: how the Gateway originates TLS to the pods of a Service (or of one named
 * port of it). Each policy is checked on its own; then, per target, the oldest policy (then
 * namespace/name) takes precedence and the others are Conflicted. A policy for a named port
 * is more specific than one for the whole Service, so the two do not conflict.
 *
 * Policies get status per ancestor, a Gateway of ours whose attached routes send traffic to the
 * target; a policy no such route uses has nothing to report there, but its findings stand.
 */
import { GATEWAY_GROUP, KubeObject } from '../types';
import { configMapValue, hasPemBlock } from './certificate';
import { FindingSink, Issue } from './finding';
import { BackendIR, BackendTlsIR, CertificateIR, GatewayIR, HttpFilterIR, Problem, RouteIR, RouteKind, SubjectAltNameIR } from './ir';
import { compareObjectPrecedence, nameOf, namespaceOf, Snapshot } from './snapshot';
import { Condition, condition, PolicyAncestorStatus, PolicyStatus, Stamp } from './status';

/** Route kinds whose backends speak HTTP, so that TLS can be originated to them. */
const TLS_ORIGINATING_KINDS: readonly RouteKind[] = ['HTTPRoute', 'GRPCRoute'];

/** The status schema caps ancestors at 16. */
const MAX_ANCESTORS = 16;

interface PolicyNode {
  readonly object: KubeObject;
  readonly namespace: string;
  readonly name: string;
  /** What the policy configures, from its usable parts. */
  readonly tls: BackendTlsIR;
  /** Why Accepted is False, conflicts aside. */
  readonly rejection?: Problem;
  /** Reasons for ResolvedRefs=False, in spec order. */
  readonly unresolved: Problem[];
  /** Set when another policy takes precedence on one of its targets. */
  conflict?: Problem;
  readonly issues: Issue[];
}

export interface BackendTlsPolicies {
  /** Policies by target (`namespace/service#sectionName`, empty sectionName for the whole Service), in order of precedence. */
  readonly byTarget: ReadonlyMap<string, readonly PolicyNode[]>;
  readonly all: readonly PolicyNode[];
}

function targetKey(namespace: string, service: string, sectionName: string | undefined): string {
  return `${namespace}/${service}#${sectionName ?? ''}`;
}

const memo = new WeakMap<Snapshot, BackendTlsPolicies>();

/** The BackendTLSPolicies of the snapshot, checked and ordered; computed once per snapshot. */
export function backendTlsPolicies(snapshot: Snapshot): BackendTlsPolicies {
  let policies = memo.get(snapshot);
  if (!policies) {
    policies = buildPolicies(snapshot);
    memo.set(snapshot, policies);
  }
  return policies;
}

/**
 * Makes `policies`, computed from an earlier snapshot, those of `snapshot`: for a caller that
 * knows nothing they were computed from (their recorded reads) has changed since.
 */
export function adoptBackendTlsPolicies(snapshot: Snapshot, policies: BackendTlsPolicies): void {
  memo.set(snapshot, policies);
}

/** What `withBackendTls` notes as read for the policies of one target (`Snapshot.noteRead`). */
function targetReadKey(key: string): string {
  return `BackendTLSPolicy-target:${key}`;
}

/**
 * What a backend made by `withBackendTls` depends on for the target behind a read key: the
 * policy taking precedence there, as far as a backend uses it. Two policy sets with the same
 * value here make the same backends for that target.
 */
export function targetReadValue(policies: BackendTlsPolicies, readKey: string): string | undefined {
  if (!readKey.startsWith('BackendTLSPolicy-target:')) return undefined;
  const policy = policies.byTarget.get(readKey.slice('BackendTLSPolicy-target:'.length))?.[0];
  return policy ? JSON.stringify([policy.namespace, policy.name, policy.rejection ?? null, policy.unresolved[0] ?? null, policy.tls]) : '';
}

function buildPolicies(snapshot: Snapshot): BackendTlsPolicies {
  const byTarget = new Map<string, PolicyNode[]>();
  const targetsOf = new Map<PolicyNode, { key: string; path: string }[]>();
  const all = snapshot.all('BackendTLSPolicy').map((object) => {
    const { node, targets } = buildPolicy(snapshot, object);
    targetsOf.set(node, targets);
    for (const { key } of targets) byTarget.set(key, [...(byTarget.get(key) ?? []), node]);
    return node;
  });
  for (const [key, policies] of byTarget) {
    policies.sort((a, b) => compareObjectPrecedence(a.object, b.object));
    const [winner, ...losers] = policies;
    for (const loser of losers) {
      if (loser.conflict) continue;
      const path = targetsOf.get(loser)!.find((t) => t.key === key)!.path;
      const message = `BackendTLSPolicy ${winner.namespace}/${winner.name} targets the same ${describeTarget(key)} and takes precedence`;
      loser.conflict = { reason: 'Conflicted', message };
      loser.issues.push({
        path,
        reason: 'Conflicted',
        message,
        hint: 'merge the two policies, or delete one (precedence: oldest creationTimestamp, then namespace/name)',
      });
    }
  }
  return { byTarget, all };
}

function describeTarget(key: string): string {
  const [service, section] = key.split('#');
  return section ? `port ${section} of Service ${service}` : `Service ${service}`;
}

function buildPolicy(snapshot: Snapshot, object: KubeObject): { node: PolicyNode; targets: { key: string; path: string }[] } {
  const namespace = namespaceOf(object)!;
  const issues: Issue[] = [];
  const unresolved: Problem[] = [];
  let rejection: Problem | undefined;
  const reject = (issue: Issue) => {
    rejection ??= { reason: issue.reason, message: issue.message };
    issues.push(issue);
  };

  const targets: { key: string; path: string }[] = [];
  const targetRefs: any[] = Array.isArray(object.spec?.targetRefs) ? object.spec.targetRefs : [];
  targetRefs.forEach((ref, t) => {
    const path = `spec.targetRefs[${t}]`;
    const group: string = ref?.group ?? '';
    const kind = String(ref?.kind ?? '');
    const name = String(ref?.name ?? '');
    const sectionName: string | undefined = typeof ref?.sectionName === 'string' && ref.sectionName !== '' ? ref.sectionName : undefined;
    if (group !== '' || kind !== 'Service') {
      issues.push({
        path,
        reason: 'Invalid',
        message: `target ${group ? `${group}/` : ''}${kind} ${name} is not supported: only core Services are`,
        hint: 'target a Service (group "", kind Service) that routes send traffic to',
        premise: { implementationSpecific: true },
      });
      return;
    }
    targets.push({ key: targetKey(namespace, name, sectionName), path });
    const service = snapshot.find('Service', namespace, name);
    if (!service) {
      issues.push({
        path,
        reason: 'TargetNotFound',
        message: `Service ${namespace}/${name} not found`,
        hint: `create Service ${namespace}/${name}, or fix the targetRef's name`,
        premise: { missingObject: { kind: 'Service', namespace, name } },
      });
      return;
    }
    const ports: any[] = Array.isArray(service.spec?.ports) ? service.spec.ports : [];
    if (sectionName !== undefined && !ports.some((p) => p?.name === sectionName)) {
      const names = ports.map((p) => p?.name).filter((n): n is string => typeof n === 'string');
      issues.push({
        path: `${path}.sectionName`,
        reason: 'TargetNotFound',
        message: `Service ${namespace}/${name} has no port named ${sectionName}`,
        hint: names.length > 0 ? `set sectionName to one of: ${names.join(', ')}` : 'name the Service port, or remove sectionName',
      });
    }
  });

  const validation = object.spec?.validation ?? {};
  const hostname = typeof validation.hostname === 'string' ? validation.hostname : '';
  if (hostname === '') {
    reject({ path: 'spec.validation.hostname', reason: 'Invalid', message: 'validation.hostname is not set', hint: 'set the name to send as SNI and to verify' });
  }

  const refs: any[] = Array.isArray(validation.caCertificateRefs) ? validation.caCertificateRefs : [];
  const wellKnown: string | undefined = typeof validation.wellKnownCACertificates === 'string' && validation.wellKnownCACertificates !== ''
    ? validation.wellKnownCACertificates : undefined;
  if (refs.length > 0 && wellKnown !== undefined) {
    reject({
      path: 'spec.validation',
      reason: 'Invalid',
      message: 'validation sets both caCertificateRefs and wellKnownCACertificates',
      hint: 'keep only one of them',
    });
  } else if (refs.length === 0 && wellKnown === undefined) {
    reject({
      path: 'spec.validation',
      reason: 'Invalid',
      message: 'validation sets neither caCertificateRefs nor wellKnownCACertificates',
      hint: 'reference a ConfigMap holding the CA bundle under ca.crt, or set wellKnownCACertificates: System',
    });
  } else if (wellKnown !== undefined && wellKnown !== 'System') {
    reject({
      path: 'spec.validation.wellKnownCACertificates',
      reason: 'Invalid',
      message: `wellKnownCACertificates ${wellKnown} is not supported`,
      hint: 'use System, or reference a ConfigMap holding the CA bundle',
      premise: { implementationSpecific: true },
    });
  }

  const caPems: string[] = [];
  refs.forEach((ref, i) => {
    const resolved = resolveCaRef(snapshot, namespace, ref, `spec.validation.caCertificateRefs[${i}]`);
    if (typeof resolved === 'string') {
      caPems.push(resolved);
    } else {
      unresolved.push({ reason: resolved.reason, message: resolved.message });
      issues.push(resolved);
    }
  });
  if (refs.length > 0 && caPems.length === 0) {
    rejection ??= { reason: 'NoValidCACertificate', message: 'no caCertificateRef is usable' };
  }

  const subjectAltNames: SubjectAltNameIR[] = [];
  const sans: any[] = Array.isArray(validation.subjectAltNames) ? validation.subjectAltNames : [];
  sans.forEach((san, i) => {
    const value = san?.type === 'Hostname' ? san?.hostname : san?.type === 'URI' ? san?.uri : undefined;
    if (typeof value === 'string' && value !== '') {
      subjectAltNames.push({ type: san.type, value });
      return;
    }
    reject({
      path: `spec.validation.subjectAltNames[${i}]`,
      reason: 'Invalid',
      message: `subjectAltName of type ${san?.type ?? '(none)'} has no ${san?.type === 'URI' ? 'uri' : 'hostname'}`,
      hint: 'use type Hostname with hostname, or type URI with uri',
    });
  });

  const tls: BackendTlsIR = {
    policy: { namespace, name: nameOf(object) },
    hostname,
    caPems,
    ...(wellKnown !== undefined ? { wellKnownCACertificates: wellKnown } : {}),
    subjectAltNames,
    options: { ...(object.spec?.options ?? {}) },
  };
  return { node: { object, namespace, name: nameOf(object), tls, rejection, unresolved, issues }, targets };
}

/** The PEM bundle of one caCertificateRef, or what is wrong with it. References stay in the policy's namespace. */
function resolveCaRef(snapshot: Snapshot, namespace: string, ref: any, path: string): string | Issue {
  const group: string = ref?.group ?? '';
  const kind = String(ref?.kind ?? '');
  const name = String(ref?.name ?? '');
  if (group !== '' || kind !== 'ConfigMap') {
    return {
      path,
      reason: 'InvalidKind',
      message: `CA certificate reference ${group ? `${group}/` : ''}${kind} ${name} is not supported: only core ConfigMaps are`,
      hint: 'reference a ConfigMap (group "", kind ConfigMap) holding the CA bundle under ca.crt',
      premise: { implementationSpecific: true },
    };
  }
  const configMap = snapshot.find('ConfigMap', namespace, name);
  if (!configMap) {
    return {
      path,
      reason: 'InvalidCACertificateRef',
      message: `ConfigMap ${namespace}/${name} not found`,
      hint: `create ConfigMap ${namespace}/${name} with the CA bundle under ca.crt, or reference an existing one`,
      premise: { missingObject: { kind: 'ConfigMap', namespace, name } },
    };
  }
  const bundle = configMapValue(configMap, 'ca.crt');
  if (bundle === undefined || !hasPemBlock(bundle, /^CERTIFICATE$/)) {
    return {
      path,
      reason: 'InvalidCACertificateRef',
      message: `ConfigMap ${namespace}/${name} holds no PEM certificate under ca.crt`,
      hint: 'store the PEM CA bundle under the key ca.crt',
    };
  }
  return bundle;
}

/** Every policy's findings, on the policy. */
export function reportPolicyFindings(policies: BackendTlsPolicies, findings: FindingSink): void {
  for (const policy of policies.all) for (const issue of policy.issues) findings.report(policy.object, issue);
}

/** Policies for a Service port: those for the named port, then those for the whole Service. */
function policiesFor(policies: BackendTlsPolicies, namespace: string, service: string, portName: string | undefined): readonly PolicyNode[] {
  return [
    ...(portName !== undefined ? policies.byTarget.get(targetKey(namespace, service, portName)) ?? [] : []),
    ...policies.byTarget.get(targetKey(namespace, service, undefined)) ?? [],
  ];
}

/**
 * The backend as the policy that applies to it makes it: with `tls`, or invalid when that
 * policy cannot be honoured, since sending the traffic without the TLS it asks for would be
 * worse than failing it.
 */
export function withBackendTls(snapshot: Snapshot, routeKind: string, backend: BackendIR): BackendIR {
  if (!(TLS_ORIGINATING_KINDS as readonly string[]).includes(routeKind)) return backend;
  if (backend.portName !== undefined) snapshot.noteRead(targetReadKey(targetKey(backend.namespace, backend.name, backend.portName)));
  snapshot.noteRead(targetReadKey(targetKey(backend.namespace, backend.name, undefined)));
  const policies = backendTlsPolicies(snapshot);
  if (policies.all.length === 0) return backend;
  const policy = policiesFor(policies, backend.namespace, backend.name, backend.portName)[0];
  if (!policy) return backend;
  const problem = policy.rejection ?? policy.unresolved[0];
  if (problem) {
    return { ...backend, invalid: { reason: problem.reason, message: `BackendTLSPolicy ${policy.namespace}/${policy.name} cannot be honoured: ${problem.message}` } };
  }
  return { ...backend, tls: policy.tls };
}

/**
 * How one Gateway serves routes: each backend it originates TLS to (mirrors included) presents
 * the Gateway's backend client certificate, when it has a usable one. Routes are shared by the
 * Gateways they attach to, so the Gateway gets copies, made only where a backend has TLS, with
 * one BackendTlsIR per policy so the data plane loads each policy's TLS once.
 */
export function clientCertificatePresenter(certificate: CertificateIR | undefined): (route: RouteIR) => RouteIR {
  const { certificatePem, privateKeyPem } = certificate?.valid ? certificate : {};
  if (!certificatePem || !privateKeyPem) return (route) => route;
  const clientCertificate = { certificatePem, privateKeyPem };
  const copies = new Map<BackendTlsIR, BackendTlsIR>();
  const backend = (b: BackendIR): BackendIR => {
    const filters = mirrors(b.filters);
    if (!b.tls && filters === b.filters) return b;
    let tls = b.tls && copies.get(b.tls);
    if (b.tls && !tls) copies.set(b.tls, tls = { ...b.tls, clientCertificate });
    return { ...b, filters, ...(tls ? { tls } : {}) };
  };
  const mirrors = (filters: HttpFilterIR[]): HttpFilterIR[] => {
    const mapped = filters.map((f) => {
      if (f.type !== 'RequestMirror') return f;
      const mirrored = backend(f.requestMirror.backend);
      return mirrored === f.requestMirror.backend ? f : { ...f, requestMirror: { ...f.requestMirror, backend: mirrored } };
    });
    return mapped.every((f, i) => f === filters[i]) ? filters : mapped;
  };
  return (route) => {
    if (!TLS_ORIGINATING_KINDS.includes(route.kind)) return route;
    const rules = (route.rules as Array<{ backends: BackendIR[]; filters?: HttpFilterIR[] }>).map((rule) => {
      const backends = rule.backends.map(backend);
      const filters = rule.filters && mirrors(rule.filters);
      if (filters === rule.filters && backends.every((b, i) => b === rule.backends[i])) return rule;
      return { ...rule, backends, ...(filters ? { filters } : {}) };
    });
    return rules.every((r, i) => r === route.rules[i]) ? route : { ...route, rules } as RouteIR;
  };
}

/** Backends the Gateway originates TLS to when a policy asks for it, mirrors included. */
function* backendsOf(gateway: GatewayIR): Generator<BackendIR> {
  const mirrors = function* (filters: readonly HttpFilterIR[]) {
    for (const filter of filters) if (filter.type === 'RequestMirror') yield filter.requestMirror.backend;
  };
  for (const listener of gateway.listeners) {
    for (const route of listener.routes) {
      if (!TLS_ORIGINATING_KINDS.includes(route.kind)) continue;
      for (const rule of route.rules) {
        if ('filters' in rule) yield* mirrors(rule.filters);
        for (const backend of rule.backends) {
          yield backend;
          yield* mirrors(backend.filters);
        }
      }
    }
  }
}

/** Each policy's ancestors among `gateways` (ours), with their controllerName, in input order. */
export function policyAncestors(
  policies: BackendTlsPolicies, gateways: readonly GatewayIR[],
): Map<PolicyNode, GatewayIR[]> {
  const ancestors = new Map<PolicyNode, GatewayIR[]>();
  if (policies.all.length === 0) return ancestors;
  for (const gateway of gateways) {
    for (const backend of backendsOf(gateway)) {
      if (backend.group !== '' || backend.kind !== 'Service') continue;
      for (const policy of policiesFor(policies, backend.namespace, backend.name, backend.portName)) {
        const list = ancestors.get(policy) ?? [];
        if (!list.includes(gateway) && list.length < MAX_ANCESTORS) list.push(gateway);
        ancestors.set(policy, list);
      }
    }
  }
  return ancestors;
}

export function policyStatus(policy: PolicyNode, gateways: readonly GatewayIR[], stamp: Stamp): PolicyStatus {
  const notAccepted = policy.conflict ?? policy.rejection;
  const conditions: Condition[] = [
    notAccepted
      ? condition(stamp, 'Accepted', false, notAccepted.reason, notAccepted.message)
      : condition(stamp, 'Accepted', true, 'Accepted', 'BackendTLSPolicy is accepted'),
    policy.unresolved.length > 0
      ? condition(stamp, 'ResolvedRefs', false, policy.unresolved[0].reason, policy.unresolved.map((p) => p.message).join('; '))
      : condition(stamp, 'ResolvedRefs', true, 'ResolvedRefs', 'all references are resolved'),
  ];
  const ancestors: PolicyAncestorStatus[] = gateways.map((gateway) => ({
    ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gateway.namespace, name: gateway.name },
    controllerName: gateway.controllerName,
    conditions: conditions.map((c) => ({ ...c })),
  }));
  return { ancestors };
}

