/** Cross-object checks: violations with reason, path and hint, and the partial-world rule. */
import {
  classObject, conformanceWorld, CONTROLLER_NAME, gatewayObject, grantObject, INFRA, namespaceObject, routeObject,
  runtimeObjects, serviceObject, WEB,
} from './translate/world';
import { crossCheck } from '../../src/engine/crosscheck';
import { KubeObject, Violation } from '../../src/engine/types';

const PLATFORM = 'platform';

function platform(listeners: unknown[] = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }]): KubeObject[] {
  return [classObject(), gatewayObject(PLATFORM, 'shared', listeners)];
}

function route(namespace: string, spec: Record<string, unknown>): KubeObject {
  return routeObject('HTTPRoute', namespace, 'r', { parentRefs: [{ name: 'shared', namespace: PLATFORM }], ...spec });
}

const summary = (violations: Violation[]) => violations.map((v) => `${v.kind} ${v.namespace ?? ''}/${v.name} ${v.path} [${v.reason}]`);

describe('crossCheck', () => {
  test('finds nothing in a consistent set of manifests', () => {
    const objects = [...platform(), serviceObject('team-a', 'api'), route('team-a', { rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] })];
    expect(crossCheck(objects)).toEqual([]);
  });

  test('rejects a route from a namespace the listener does not admit, naming the fix', () => {
    const objects = [...platform([{ name: 'http', port: 80, protocol: 'HTTP' }]), route('team-a', {})];
    expect(crossCheck(objects)).toEqual([{
      kind: 'HTTPRoute',
      namespace: 'team-a',
      name: 'r',
      path: 'spec.parentRefs[0]',
      message: 'listener http of Gateway platform/shared does not admit routes from namespace team-a (http: namespace platform only)',
      source: 'reference',
      reason: 'NotAllowedByListeners',
      hint: 'add namespace team-a to the allowedRoutes of listener http (from: All, or from: Selector with a selector matching its labels), or move the route to the Gateway\'s namespace',
    }]);
  });

  test('rejects a sectionName no listener has, at the sectionName, listing the listeners', () => {
    const objects = [...platform(), routeObject('HTTPRoute', 'team-a', 'r', { parentRefs: [{ name: 'shared', namespace: PLATFORM, sectionName: 'https' }] })];
    const [violation] = crossCheck(objects);
    expect(violation).toMatchObject({ path: 'spec.parentRefs[0].sectionName', reason: 'NoMatchingParent', hint: 'set sectionName to one of: http' });
    expect(violation.message).toContain('https');
  });

  test('rejects a route whose hostnames miss every listener hostname', () => {
    const objects = [...platform([{ name: 'http', port: 80, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } }]),
      route('team-a', { hostnames: ['api.example.net'] })];
    expect(summary(crossCheck(objects))).toEqual(['HTTPRoute team-a/r spec.parentRefs[0] [NoMatchingListenerHostname]']);
  });

  test('rejects a backend at its path with a ReferenceGrant hint when the target namespace is in the input', () => {
    const objects = [...platform(), serviceObject('team-b', 'billing'), route('team-a', {
      rules: [{ backendRefs: [] }, { backendRefs: [{ name: 'billing', namespace: 'team-b', port: 8080 }] }],
    })];
    expect(crossCheck(objects)).toEqual([expect.objectContaining({
      path: 'spec.rules[1].backendRefs[0]',
      reason: 'RefNotPermitted',
      hint: 'create a ReferenceGrant in namespace team-b from HTTPRoute in team-a to Service billing',
    })]);
  });

  test('rejects a listener certificate at its path, and listener conflicts at the listener', () => {
    const objects = [...platform([
      { name: 'a', port: 80, protocol: 'HTTP' },
      { name: 'b', port: 80, protocol: 'HTTP' },
      { name: 'c', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } },
    ]), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'certs' }, type: 'kubernetes.io/tls' }];
    expect(summary(crossCheck(objects))).toEqual([
      'Gateway platform/shared spec.listeners[2].tls.certificateRefs[0] [RefNotPermitted]',
      'Gateway platform/shared spec.listeners[0] [HostnameConflict]',
      'Gateway platform/shared spec.listeners[1] [HostnameConflict]',
    ]);
  });

  test('names no namespace for a cluster-scoped GatewayClass', () => {
    const objects = [classObject(undefined, undefined, { parametersRef: { group: 'example.com', kind: 'Config', name: 'c' } })];
    expect(crossCheck(objects, { controllerName: CONTROLLER_NAME })).toEqual([expect.objectContaining({
      kind: 'GatewayClass', name: 'gateway-conformance', path: 'spec.parametersRef', reason: 'InvalidParameters',
    })]);
    expect(crossCheck(objects, { controllerName: CONTROLLER_NAME })[0]).not.toHaveProperty('namespace');
  });

  describe('in a partial world', () => {
    test('reports a missing backend Service only when the input has Services in its namespace', () => {
      const missing = route('team-a', { rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] });
      expect(crossCheck([...platform(), missing])).toEqual([]);
      expect(summary(crossCheck([...platform(), missing, serviceObject('team-a', 'web')]))).toEqual([
        'HTTPRoute team-a/r spec.rules[0].backendRefs[0] [BackendNotFound]',
      ]);
    });

    test('reports a missing ReferenceGrant only when the input has objects in the target namespace', () => {
      const crossing = route('team-a', { rules: [{ backendRefs: [{ name: 'billing', namespace: 'team-b', port: 8080 }] }] });
      expect(crossCheck([...platform(), crossing])).toEqual([]);
      const unrelated = grantObject('team-b', 'g', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'team-c' }], [{ group: '', kind: 'Service' }]);
      expect(summary(crossCheck([...platform(), crossing, unrelated]))).toEqual(['HTTPRoute team-a/r spec.rules[0].backendRefs[0] [RefNotPermitted]']);
    });

    test('reports a missing certificate Secret only when the input has Secrets in its namespace', () => {
      const objects = platform([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }]);
      expect(crossCheck(objects)).toEqual([]);
      const other = { ...runtimeObjects().find((o) => o.kind === 'Secret')!, metadata: { name: 'other', namespace: PLATFORM } };
      expect(summary(crossCheck([...objects, other]))).toEqual(['Gateway platform/shared spec.listeners[0].tls.certificateRefs[0] [InvalidCertificateRef]']);
    });

    test('does not check attachment of a route whose Gateway is absent, but still checks its backends', () => {
      const orphan = routeObject('HTTPRoute', 'team-a', 'r', {
        parentRefs: [{ name: 'elsewhere', namespace: PLATFORM, sectionName: 'nope' }],
        rules: [{ backendRefs: [{ name: 'api', port: 9999 }] }],
      });
      expect(summary(crossCheck([classObject(), serviceObject('team-a', 'api'), orphan]))).toEqual([
        'HTTPRoute team-a/r spec.rules[0].backendRefs[0] [BackendNotFound]',
      ]);
    });

    test('does not check a Gateway whose GatewayClass is absent, nor attachment to it', () => {
      const gateway = gatewayObject(PLATFORM, 'shared', [{ name: 'a', port: 80, protocol: 'HTTP' }, { name: 'b', port: 80, protocol: 'HTTP' }]);
      const attached = routeObject('HTTPRoute', 'team-a', 'r', { parentRefs: [{ name: 'shared', namespace: PLATFORM }] });
      expect(crossCheck([gateway, attached])).toEqual([]);
    });

    test('does not check a route of another controller', () => {
      const objects = [classObject(undefined, 'example.com/other'), gatewayObject(PLATFORM, 'shared', [{ name: 'http', port: 80, protocol: 'HTTP' }]), route('team-a', {})];
      expect(crossCheck(objects, { controllerName: CONTROLLER_NAME })).toEqual([]);
    });

    test('trusts a namespace selector that rejects a route only when the route\'s Namespace is in the input', () => {
      const listeners = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'yes' } } } } }];
      const objects = [...platform(listeners), route('team-a', {})];
      expect(crossCheck(objects)).toEqual([]);
      const violations = crossCheck([...objects, namespaceObject('team-a', { team: 'a' })]);
      expect(violations).toEqual([expect.objectContaining({
        reason: 'NotAllowedByListeners',
        hint: 'add a label matching the selector of listener http (shared=yes) to namespace team-a, or widen the listener\'s allowedRoutes.namespaces',
      })]);
    });

    test('trusts a selector on the kubernetes.io/metadata.name label without the Namespace object', () => {
      const listeners = [{
        name: 'http',
        port: 80,
        protocol: 'HTTP',
        allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-b'] }] } } },
      }];
      expect(summary(crossCheck([...platform(listeners), route('team-a', {})]))).toEqual(['HTTPRoute team-a/r spec.parentRefs[0] [NotAllowedByListeners]']);
      expect(crossCheck([...platform(listeners), route('team-b', {})])).toEqual([]);
    });

    test('reports what only this implementation refuses only when checking for a controllerName', () => {
      const objects = [
        ...platform(),
        serviceObject('team-a', 'api'),
        route('team-a', {
          rules: [
            { matches: [{ path: { type: 'RegularExpression', value: '(?i)/api' } }], backendRefs: [{ name: 'api', port: 8080 }] },
            { backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'api', port: 8080 }] },
          ],
        }),
      ];
      expect(crossCheck(objects)).toEqual([]);
      expect(summary(crossCheck(objects, { controllerName: CONTROLLER_NAME }))).toEqual([
        'HTTPRoute team-a/r spec.rules[0].matches[0].path.value [UnsupportedValue]',
        'HTTPRoute team-a/r spec.rules[1].backendRefs[0] [InvalidKind]',
      ]);
    });
  });

  describe('on the upstream conformance manifests', () => {
    test.each([
      ['httproute-invalid-cross-namespace-parent-ref.yaml', `HTTPRoute ${WEB}/invalid-cross-namespace-parent-ref spec.parentRefs[0] [NotAllowedByListeners]`],
      ['httproute-invalid-parentref-not-matching-section-name.yaml', `HTTPRoute ${INFRA}/httproute-listener-not-matching-section-name spec.parentRefs[0].sectionName [NoMatchingParent]`],
      ['httproute-invalid-parentref-not-matching-listener-port.yaml', `HTTPRoute ${INFRA}/httproute-listener-not-matching-route-port spec.parentRefs[0].port [NoMatchingParent]`],
      ['httproute-invalid-nonexistent-backendref.yaml', `HTTPRoute ${INFRA}/invalid-nonexistent-backend-ref spec.rules[0].backendRefs[0] [BackendNotFound]`],
      ['httproute-invalid-cross-namespace-backend-ref.yaml', `HTTPRoute ${INFRA}/invalid-cross-namespace-backend-ref spec.rules[0].backendRefs[0] [RefNotPermitted]`],
      ['httproute-invalid-reference-grant.yaml', `HTTPRoute ${INFRA}/reference-grant spec.rules[0].backendRefs[0] [RefNotPermitted]`],
      ['gateway-secret-missing-reference-grant.yaml', `Gateway ${INFRA}/gateway-secret-missing-reference-grant spec.listeners[0].tls.certificateRefs[0] [RefNotPermitted]`],
      ['gateway-invalid-route-kind.yaml', `Gateway ${INFRA}/gateway-only-invalid-route-kind spec.listeners[0].allowedRoutes.kinds[0] [InvalidRouteKinds]`],
      ['gateway-invalid-listeners-unsupported-protocol.yaml', `Gateway ${INFRA}/gateway-only-unsupported-protocols spec.listeners[0].protocol [UnsupportedProtocol]`],
    ])('reports %s as the suite expects', (file, expected) => {
      expect(summary(crossCheck(conformanceWorld(file), { controllerName: CONTROLLER_NAME }))).toContain(expected);
    });

    test.each([
      'httproute-simple-same-namespace.yaml', 'httproute-cross-namespace.yaml', 'httproute-reference-grant.yaml',
      'gateway-secret-reference-grant-specific.yaml', 'httproute-listener-port-matching.yaml', 'gateway-http-listener-isolation.yaml',
    ])('finds nothing in %s', (file) => {
      expect(crossCheck(conformanceWorld(file), { controllerName: CONTROLLER_NAME })).toEqual([]);
    });
  });
});
