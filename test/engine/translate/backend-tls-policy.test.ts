/**
 * BackendTLSPolicy: the ancestor status the 6 BackendTLSPolicy conformance tests wait for
 * (research §d.4) and the TLS settings the IR hands to the data plane, on the upstream
 * manifests; then the rules behind them on small inputs.
 */
import {
  classObject, CONTROLLER_NAME, conformanceWorld, expectConditions, gatewayObject, INFRA, parentStatusOf, policyAncestorOf,
  routeObject, serviceObject,
} from './world';
import { crossCheck } from '../../../src/engine/crosscheck';
import { BackendIR, HttpRouteIR, PolicyStatus, translate, Translation } from '../../../src/engine/translate';
import { KubeObject, objectKey } from '../../../src/engine/types';

const ACCEPTED = ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'];
const ACCEPTED_ROUTE = ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'];

function run(file: string, edit: (objects: KubeObject[]) => KubeObject[] = (o) => o): Translation {
  return translate(edit(conformanceWorld(file)), { controllerName: CONTROLLER_NAME });
}

/** The backends of a route's rules on one Gateway's first listener that carries the route. */
function backendsOf(t: Translation, gateway: string, route: string): BackendIR[][] {
  const ir = t.gateways.find((g) => g.namespace === INFRA && g.name === gateway)!;
  const attached = ir.listeners.flatMap((l) => l.routes).find((r) => r.name === route) as HttpRouteIR;
  return attached.rules.map((rule) => rule.backends);
}

describe('BackendTLSPolicy (backendtlspolicy.yaml)', () => {
  const t = run('backendtlspolicy.yaml');

  test.each(['normative-test', 'host-mismatch', 'cert-mismatch', 'reconcile-test'])('%s is accepted on the Gateway its route uses', (policy) => {
    const ancestor = policyAncestorOf(t, INFRA, policy, INFRA, 'same-namespace');
    expect(ancestor.ancestorRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: INFRA, name: 'same-namespace' });
    expect(ancestor.controllerName).toBe(CONTROLLER_NAME);
    expectConditions(ancestor.conditions, ACCEPTED);
  });

  test('a policy used through two Gateways has an ancestor entry for each', () => {
    const status = t.statuses.get(objectKey('BackendTLSPolicy', INFRA, 'normative-test'))!.status as PolicyStatus;
    expect(status.ancestors.map((a) => a.ancestorRef.name)).toEqual(['same-namespace', 'same-namespace-with-https-listener']);
  });

  test('the IR carries the hostname to send as SNI and the CA bundle of each policy', () => {
    const [normative, hostMismatch, certMismatch] = backendsOf(t, 'same-namespace', 'backendtlspolicy').map((b) => b[0]);
    expect(normative.invalid).toBeUndefined();
    expect(normative.tls).toMatchObject({
      policy: { namespace: INFRA, name: 'normative-test' }, hostname: 'abc.example.com', subjectAltNames: [], options: {},
    });
    expect(normative.tls!.caPems).toHaveLength(1);
    expect(normative.tls!.caPems[0]).toContain('BEGIN CERTIFICATE');
    expect(hostMismatch.tls!.hostname).toBe('mismatch.example.com');
    expect(certMismatch.tls!.policy.name).toBe('cert-mismatch');
  });

  test('the route stays accepted with its references resolved', () => {
    expectConditions(parentStatusOf(t, 'HTTPRoute', INFRA, 'backendtlspolicy', 'same-namespace').conditions, ACCEPTED_ROUTE);
  });
});

describe('BackendTLSPolicyConflictResolution', () => {
  const t = run('backendtlspolicy-conflict-resolution.yaml');

  test.each([
    ['conflicted-without-section-name-1', ACCEPTED],
    ['conflicted-without-section-name-2', ['Accepted=False/Conflicted']],
    ['conflicted-with-section-name-1', ACCEPTED],
    ['conflicted-with-section-name-2', ['Accepted=False/Conflicted']],
    ['not-conflicted-with-section-name', ACCEPTED],
    ['not-conflicted-without-section-name', ACCEPTED],
  ])('%s', (policy, conditions) => {
    expectConditions(policyAncestorOf(t, INFRA, policy, INFRA, 'same-namespace').conditions, conditions);
  });

  test('each backend gets the policy that takes precedence, the one for its port before the one for the whole Service', () => {
    const policies = backendsOf(t, 'same-namespace', 'backendtlspolicy-conflict-resolution').map((b) => `${b[0].tls?.policy.name}:${b[0].tls?.hostname}`);
    expect(policies).toEqual([
      'conflicted-without-section-name-1:other.example.com',
      'conflicted-with-section-name-1:other.example.com',
      'not-conflicted-with-section-name:other.example.com',
      'not-conflicted-without-section-name:abc.example.com',
    ]);
    expectConditions(parentStatusOf(t, 'HTTPRoute', INFRA, 'backendtlspolicy-conflict-resolution', 'same-namespace').conditions, ACCEPTED_ROUTE);
  });

  test('an older policy takes precedence over an earlier name', () => {
    const aged = run('backendtlspolicy-conflict-resolution.yaml', (objects) => objects.map((o) => (o.metadata.name === 'conflicted-without-section-name-2'
      ? { ...o, metadata: { ...o.metadata, creationTimestamp: '2024-01-01T00:00:00Z' } } : o)));
    expectConditions(policyAncestorOf(aged, INFRA, 'conflicted-without-section-name-1', INFRA, 'same-namespace').conditions, ['Accepted=False/Conflicted']);
    expectConditions(policyAncestorOf(aged, INFRA, 'conflicted-without-section-name-2', INFRA, 'same-namespace').conditions, ACCEPTED);
  });
});

describe.each([
  ['BackendTLSPolicyInvalidCACertificateRef', 'backendtlspolicy-invalid-ca-certificate-ref.yaml', 'backendtlspolicy-invalid-ca-certificate-ref',
    ['nonexistent-ca-certificate-ref', 'malformed-ca-certificate-ref'], 'InvalidCACertificateRef'],
  ['BackendTLSPolicyInvalidKind', 'backendtlspolicy-invalid-kind.yaml', 'backendtlspolicy-invalid-kind-test', ['invalid-kind'], 'InvalidKind'],
])('%s', (_name, file, route, policies, reason) => {
  const t = run(file);

  test.each(policies)('%s has no valid CA certificate and an unresolved reference', (policy) => {
    expectConditions(policyAncestorOf(t, INFRA, policy, INFRA, 'same-namespace').conditions,
      ['Accepted=False/NoValidCACertificate', `ResolvedRefs=False/${reason}`]);
  });

  test('the route is accepted, but its backends are invalid so that requests to them fail', () => {
    expectConditions(parentStatusOf(t, 'HTTPRoute', INFRA, route, 'same-namespace').conditions, ['Accepted=True/Accepted']);
    for (const [backend] of backendsOf(t, 'same-namespace', route)) {
      expect(backend.tls).toBeUndefined();
      expect(backend.invalid?.reason).toBe('NoValidCACertificate');
    }
  });
});

test('BackendTLSPolicyObservedGenerationBump: every ancestor condition carries the policy generation', () => {
  const t = run('backendtlspolicy-observed-generation-bump.yaml', (objects) => objects.map((o) => (o.kind === 'BackendTLSPolicy'
    ? { ...o, metadata: { ...o.metadata, generation: 3 } } : o)));
  const ancestor = policyAncestorOf(t, INFRA, 'observed-generation-bump', INFRA, 'same-namespace');
  expect(ancestor.conditions.map((c) => c.observedGeneration)).toEqual([3, 3]);
  expectConditions(ancestor.conditions, ACCEPTED);
});

test('BackendTLSPolicySANValidation: the IR carries the subjectAltNames to verify instead of the hostname', () => {
  const t = run('backendtlspolicy-san.yaml');
  for (const policy of ['san-dns', 'san-dns-mismatch', 'san-uri', 'san-uri-mismatch', 'multiple-sans', 'multiple-mismatch-sans']) {
    expectConditions(policyAncestorOf(t, INFRA, policy, INFRA, 'same-namespace').conditions, ACCEPTED);
  }
  const sans = backendsOf(t, 'same-namespace', 'backendtlspolicy-san-test').map(([b]) => b.tls!.subjectAltNames.map((s) => `${s.type}:${s.value}`));
  expect(sans).toEqual([
    ['Hostname:abc.example.com'],
    ['Hostname:dce.example.com'],
    ['URI:spiffe://abc.example.com/test-identity'],
    ['URI:spiffe://def.example.com/test-identity'],
    ['URI:spiffe://abc.example.com/test-identity', 'Hostname:abc.example.com'],
    ['URI:spiffe://def.example.com/test-identity', 'Hostname:def.example.com'],
  ]);
});

const NS = 'apps';
function policyObject(name: string, validation: Record<string, unknown>, target: Record<string, unknown> = { name: 'svc' }): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: NS },
    spec: { targetRefs: [{ group: '', kind: 'Service', ...target }], validation },
  };
}
const caConfigMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'ca', namespace: NS },
  data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n' },
};
function world(...extra: KubeObject[]): KubeObject[] {
  return [
    classObject(),
    gatewayObject(NS, 'gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
    serviceObject(NS, 'svc', [{ name: 'https', port: 443 }]),
    ...extra,
  ];
}
const route = (kind: string, spec: Record<string, unknown> = {}) => routeObject(kind, NS, 'route', {
  parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }], ...spec,
});

describe('BackendTLSPolicy rules', () => {
  test('wellKnownCACertificates: System trusts the platform store', () => {
    const t = translate(world(route('HTTPRoute'), policyObject('p', { hostname: 'svc.example', wellKnownCACertificates: 'System' })));
    const backend = (t.gateways[0].listeners[0].routes[0] as HttpRouteIR).rules[0].backends[0];
    expect(backend.tls).toMatchObject({ wellKnownCACertificates: 'System', caPems: [] });
  });

  test('another set of well-known CAs is refused only by this implementation', () => {
    const objects = world(route('HTTPRoute'), policyObject('p', { hostname: 'svc.example', wellKnownCACertificates: 'example.com/corporate' }));
    const t = translate(objects);
    expectConditions(policyAncestorOf(t, NS, 'p', NS, 'gw').conditions, ['Accepted=False/Invalid', 'ResolvedRefs=True/ResolvedRefs']);
    expect((t.gateways[0].listeners[0].routes[0] as HttpRouteIR).rules[0].backends[0].invalid?.reason).toBe('Invalid');
    expect(crossCheck(objects)).toEqual([]);
    expect(crossCheck(objects, { controllerName: CONTROLLER_NAME }).map((v) => v.reason)).toEqual(['Invalid']);
  });

  test('a missing target is reported where the input holds Services of that namespace', () => {
    const orphan = policyObject('p', { hostname: 'svc.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] }, { name: 'gone' });
    expect(crossCheck(world(caConfigMap, orphan)).map((v) => `${v.path} ${v.reason}`)).toEqual(['spec.targetRefs[0] TargetNotFound']);
    expect(crossCheck([caConfigMap, orphan])).toEqual([]);
    expect(translate(world(caConfigMap, orphan)).statuses.has(objectKey('BackendTLSPolicy', NS, 'p'))).toBe(false);
  });

  test('a sectionName naming no port of the Service is reported', () => {
    const objects = world(caConfigMap, policyObject('p', { hostname: 'svc.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] },
      { name: 'svc', sectionName: 'http' }));
    expect(crossCheck(objects).map((v) => `${v.path} ${v.reason}`)).toEqual(['spec.targetRefs[0].sectionName TargetNotFound']);
  });

  test('GRPCRoute backends get TLS too; stream routes forward bytes and are left alone', () => {
    const p = policyObject('p', { hostname: 'svc.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] });
    const grpc = translate(world(caConfigMap, p, route('GRPCRoute')));
    expect(grpc.gateways[0].listeners[0].routes[0].rules[0].backends[0].tls?.hostname).toBe('svc.example');
    const tls = translate([
      classObject(),
      gatewayObject(NS, 'gw', [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      serviceObject(NS, 'svc', [{ name: 'https', port: 443 }]),
      caConfigMap, p, route('TLSRoute'),
    ]);
    expect(tls.gateways[0].listeners[0].routes[0].rules[0].backends[0].tls).toBeUndefined();
    expect(tls.statuses.has(objectKey('BackendTLSPolicy', NS, 'p'))).toBe(false);
  });

  test('a backend reached only through a mirror makes the Gateway an ancestor', () => {
    const t = translate(world(caConfigMap, serviceObject(NS, 'main'),
      policyObject('p', { hostname: 'svc.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] }),
      route('HTTPRoute', {
        rules: [{
          backendRefs: [{ name: 'main', port: 8080 }],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'svc', port: 443 } } }],
        }],
      })));
    expectConditions(policyAncestorOf(t, NS, 'p', NS, 'gw').conditions, ACCEPTED);
  });

  test('a policy whose routes attach to no Gateway of ours gets no status, but its findings stand', () => {
    const objects = world(policyObject('p', { hostname: 'svc.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'gone' }] }), caConfigMap);
    const t = translate(objects);
    expect(t.statuses.has(objectKey('BackendTLSPolicy', NS, 'p'))).toBe(false);
    expect(t.findings.map((f) => `${f.kind} ${f.path} ${f.reason}`)).toEqual(['BackendTLSPolicy spec.validation.caCertificateRefs[0] InvalidCACertificateRef']);
  });
});
