/**
 * A small world of every kind the engine reads, each object with variants that change what
 * others depend on: listener hostnames and namespace policies, ListenerSet parents, namespace
 * labels, grants, Services, BackendTLSPolicies and their CA ConfigMaps, certificate Secrets,
 * route hostnames, paths, backends, parents and age. Random picks from it exercise every
 * dependency the incremental engine tracks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describedRequest, RequestFacts, RouteTable } from '../../src/engine/compile';
import { KubeObject } from '../../src/engine/types';

export const CONTROLLER = 'example.com/incremental';
const V1 = 'gateway.networking.k8s.io/v1';

/** A real key pair, so that the data plane can load what translate accepts. */
const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'cli', 'conformance');
const CERT_PEM = fs.readFileSync(path.join(FIXTURES, 'tls.crt'), 'utf8');
const KEY_PEM = fs.readFileSync(path.join(FIXTURES, 'tls.key'), 'utf8');

function object(apiVersion: string, kind: string, namespace: string | undefined, name: string, rest: object, metadata: object = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, ...rest } as KubeObject;
}

function crd(name: string, bundleVersion: string): KubeObject {
  return object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, name, {}, { annotations: { 'gateway.networking.k8s.io/bundle-version': bundleVersion } });
}

function httpRoute(namespace: string, name: string, spec: object, metadata: object = {}): KubeObject {
  return object(V1, 'HTTPRoute', namespace, name, { spec }, metadata);
}

function rule(prefix: string, backends: object[], extra: object = {}): object {
  return { matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: backends, ...extra };
}

const svcA = { name: 'svc-a', port: 80 };
const svcB = { name: 'svc-b', namespace: 'ns-b', port: 8080 };
const gw1 = { name: 'gw1', namespace: 'ns-a' };
const OLD = { creationTimestamp: '2020-01-01T00:00:00Z' };

/** Each entry: an object and its variants (the same key). */
export function generatedVariants(): KubeObject[][] {
  const gatewayListeners = [
    { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'team', port: 80, protocol: 'HTTP', hostname: '*.team.com', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } } },
    { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'secure.com', tls: { certificateRefs: [{ name: 'cert' }] }, allowedRoutes: { namespaces: { from: 'All' } } },
  ];
  const gateway = (listeners: object[], spec: object = {}, metadata: object = {}) =>
    object(V1, 'Gateway', 'ns-a', 'gw1', { spec: { gatewayClassName: 'gc', listeners, ...spec } }, metadata);
  const policy = (name: string, validation: object, metadata: object = {}, target: object = {}) => object(V1, 'BackendTLSPolicy', 'ns-a', name, {
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc-a', ...target }], validation },
  }, metadata);
  const listenerSet = (parentRef: object, port: number) => object(V1, 'ListenerSet', 'ns-a', 'ls1', {
    spec: { parentRef, listeners: [{ name: 'extra', port, protocol: 'HTTP', hostname: 'extra.com', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });

  return [
    [
      object(V1, 'GatewayClass', undefined, 'gc', { spec: { controllerName: CONTROLLER } }),
      object(V1, 'GatewayClass', undefined, 'gc', { spec: { controllerName: CONTROLLER, parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } } }),
    ],
    [object(V1, 'GatewayClass', undefined, 'other', { spec: { controllerName: 'example.com/other' } })],
    [
      crd('httproutes.gateway.networking.k8s.io', 'v1.6.1'),
      crd('httproutes.gateway.networking.k8s.io', 'v1.5.0'),
      crd('httproutes.gateway.networking.k8s.io', 'v2.0.0'),
    ],
    [
      object('v1', 'Namespace', undefined, 'ns-a', {}, { labels: { team: 'a' } }),
      object('v1', 'Namespace', undefined, 'ns-a', {}, { labels: { team: 'x' } }),
    ],
    [
      object('v1', 'Namespace', undefined, 'ns-b', {}, { labels: { team: 'b' } }),
      object('v1', 'Namespace', undefined, 'ns-b', {}, { labels: { team: 'a' } }),
    ],
    [
      object('v1', 'Secret', 'ns-a', 'cert', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': CERT_PEM, 'tls.key': KEY_PEM } }),
      object('v1', 'Secret', 'ns-a', 'cert', { type: 'Opaque', stringData: { 'tls.crt': CERT_PEM } }),
    ],
    [object('v1', 'Secret', 'ns-b', 'cert', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': CERT_PEM, 'tls.key': KEY_PEM } })],
    [
      object('v1', 'ConfigMap', 'ns-a', 'ca', { data: { 'ca.crt': CERT_PEM } }),
      object('v1', 'ConfigMap', 'ns-a', 'ca', { data: { other: 'x' } }),
    ],
    [
      gateway(gatewayListeners),
      gateway(gatewayListeners.filter((l) => l.name !== 'team')),
      gateway(gatewayListeners.map((l) => l.name === 'http' ? { ...l, hostname: 'web.com' } : l)),
      gateway(gatewayListeners.map((l) => l.name === 'https' ? { ...l, tls: { certificateRefs: [{ name: 'cert', namespace: 'ns-b' }] } } : l)),
      gateway(gatewayListeners, { tls: { backend: { clientCertificateRef: { name: 'cert' } } } }),
      gateway(gatewayListeners, { allowedListeners: { namespaces: { from: 'Same' } } }, { generation: 3 }),
    ],
    [
      object(V1, 'Gateway', 'ns-b', 'gw2', { spec: { gatewayClassName: 'gc', allowedListeners: { namespaces: { from: 'All' } }, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } }),
      object(V1, 'Gateway', 'ns-b', 'gw2', { spec: { gatewayClassName: 'gc', allowedListeners: { namespaces: { from: 'Same' } }, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } }),
    ],
    [object(V1, 'Gateway', 'ns-b', 'gw3', { spec: { gatewayClassName: 'other', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } })],
    [
      listenerSet({ name: 'gw2', namespace: 'ns-b' }, 8081),
      listenerSet({ name: 'gw2', namespace: 'ns-b' }, 8082),
      listenerSet({ name: 'gw1' }, 8081),
    ],
    [
      object('v1', 'Service', 'ns-a', 'svc-a', { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }),
      object('v1', 'Service', 'ns-a', 'svc-a', { spec: { ports: [{ name: 'http', port: 81, targetPort: 8080 }] } }),
      object('v1', 'Service', 'ns-a', 'svc-a', { spec: { ports: [{ name: 'http', port: 80, appProtocol: 'grpc' }] } }),
    ],
    [
      object('v1', 'Service', 'ns-b', 'svc-b', { spec: { ports: [{ name: 'http', port: 8080 }] } }),
      object('v1', 'Service', 'ns-b', 'svc-b', { spec: { type: 'ExternalName', externalName: 'example.org' } }),
    ],
    [
      object('discovery.k8s.io/v1', 'EndpointSlice', 'ns-a', 'svc-a-1', {
        addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.1'] }],
      }, { labels: { 'kubernetes.io/service-name': 'svc-a' } }),
      object('discovery.k8s.io/v1', 'EndpointSlice', 'ns-a', 'svc-a-1', {
        addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: false } }],
      }, { labels: { 'kubernetes.io/service-name': 'svc-a' } }),
    ],
    [
      object(V1, 'ReferenceGrant', 'ns-b', 'grant', { spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'ns-a' }], to: [{ group: '', kind: 'Service' }] } }),
      object(V1, 'ReferenceGrant', 'ns-b', 'grant', { spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'ns-a' }], to: [{ group: '', kind: 'Service', name: 'svc-x' }] } }),
      object(V1, 'ReferenceGrant', 'ns-b', 'grant', { spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'ns-a' }], to: [{ group: '', kind: 'Service' }] } }),
    ],
    [object(V1, 'ReferenceGrant', 'ns-b', 'cert-grant', { spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns-a' }], to: [{ group: '', kind: 'Secret' }] } })],
    [
      policy('btp', { hostname: 'svc-a.internal', wellKnownCACertificates: 'System' }),
      policy('btp', { hostname: 'svc-a.internal', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] }),
      policy('btp', { wellKnownCACertificates: 'System' }),
      policy('btp', { hostname: 'svc-a.internal', wellKnownCACertificates: 'System' }, {}, { sectionName: 'http' }),
    ],
    [policy('btp-older', { hostname: 'older.internal', wellKnownCACertificates: 'System' }, OLD)],
    [
      httpRoute('ns-a', 'r1', { parentRefs: [gw1], hostnames: ['a.team.com'], rules: [rule('/a', [svcA])] }),
      httpRoute('ns-a', 'r1', { parentRefs: [gw1], hostnames: ['a.team.com'], rules: [rule('/a', [svcA])] }, OLD),
      httpRoute('ns-a', 'r1', { parentRefs: [gw1], hostnames: ['web.com'], rules: [rule('/shared', [svcA])] }),
      httpRoute('ns-a', 'r1', { parentRefs: [gw1], hostnames: ['a.team.com'], rules: [rule('/a', [svcB])] }),
      httpRoute('ns-a', 'r1', { parentRefs: [{ ...gw1, sectionName: 'https' }], rules: [rule('/a', [svcA])] }),
    ],
    [
      httpRoute('ns-a', 'r2', { parentRefs: [gw1], rules: [rule('/shared', [svcA])] }),
      httpRoute('ns-a', 'r2', { parentRefs: [gw1], rules: [rule('/shared', [svcA])] }, OLD),
      httpRoute('ns-a', 'r2', { parentRefs: [gw1], rules: [rule('/shared', [{ name: 'missing', port: 80 }])] }),
      httpRoute('ns-a', 'r2', {
        parentRefs: [gw1],
        rules: [rule('/shared', [svcA], { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: svcB } }] })],
      }),
    ],
    [
      httpRoute('ns-b', 'r3', { parentRefs: [gw1], hostnames: ['b.team.com'], rules: [rule('/b', [{ name: 'svc-b', port: 8080 }])] }),
      httpRoute('ns-b', 'r3', { parentRefs: [{ name: 'gw2' }], rules: [rule('/b', [{ name: 'svc-b', port: 8080 }])] }),
      httpRoute('ns-b', 'r3', { parentRefs: [gw1, { name: 'gw2' }], hostnames: ['b.team.com', 'web.com'], rules: [rule('/shared', [{ name: 'svc-b', port: 8080 }])] }),
    ],
    [
      httpRoute('ns-a', 'r4', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'ls1' }], rules: [rule('/extra', [svcA])] }),
      httpRoute('ns-a', 'r4', { parentRefs: [gw1, { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'ls1' }], rules: [rule('/extra', [svcA])] }),
    ],
    [
      httpRoute('ns-a', 'r5', { parentRefs: [{ name: 'gw3', namespace: 'ns-b' }], rules: [rule('/', [svcA])] }),
      httpRoute('ns-a', 'r5', { parentRefs: [{ name: 'gw3', namespace: 'ns-b' }, gw1], hostnames: ['web.com'], rules: [rule('/', [svcA])] }),
    ],
    [httpRoute('ns-a', 'r6', { parentRefs: [{ name: 'nope' }], rules: [rule('/', [svcA])] })],
    [
      object(V1, 'GRPCRoute', 'ns-a', 'g1', { spec: { parentRefs: [{ ...gw1, sectionName: 'http' }], hostnames: ['grpc.com'], rules: [{ backendRefs: [svcA] }] } }),
      object(V1, 'GRPCRoute', 'ns-a', 'g1', { spec: { parentRefs: [{ ...gw1, sectionName: 'http' }], hostnames: ['grpc.com'], rules: [{ backendRefs: [svcB] }] } }),
    ],
  ];
}

export function generatedWorld(): KubeObject[] {
  return generatedVariants().map(([first]) => first);
}

const HOSTS = ['a.team.com', 'b.team.com', 'web.com', 'secure.com', 'grpc.com', 'extra.com', 'other.com', 'example.com', 'example.net'];
const PATHS = ['/', '/a', '/b', '/shared/x', '/extra', '/moved/y', '/v2'];

/** Requests for every host and path above, with a header some conformance routes match on. */
export const REQUESTS: readonly RequestFacts[] = HOSTS.flatMap((host) => PATHS.map((requestPath) =>
  describedRequest({ url: `http://${host}${requestPath}`, headers: [['version', 'two']] })));

/** What a table decides, Gateway by Gateway and port by port, for the fixed requests. */
export function decisions(table: RouteTable): unknown {
  return [...table.gateways].map(([key, gateway]) => [key, [...gateway.httpPorts].map(([port, t]) => [port, t.protocol, REQUESTS.map((r) => {
    const m = t.match(r);
    const listener = t.listenerFor(r.host)?.name;
    return m ? `${listener} ${m.route.namespace}/${m.route.name}#${m.rule.index}/${m.rule.matches.indexOf(m.match)}` : `${listener} -`;
  })])]);
}
