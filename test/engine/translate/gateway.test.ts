/** GatewayClass ownership and acceptance, Gateway and listener status, listener conflicts. */
import {
  classObject, conditionsOf, CONTROLLER_NAME, expectConditions, gatewayObject, gatewayStatusOf, grantObject,
  listenerStatusOf, runtimeObjects,
} from './world';
import { translate } from '../../../src/engine/translate';
import { KubeObject } from '../../../src/engine/types';

const NS = 'infra';
const http = (name: string, port: number, extra: Record<string, unknown> = {}) => ({ name, port, protocol: 'HTTP', ...extra });
const https = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
  name, port, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] }, ...extra,
});
const certificate = () => {
  const pair = runtimeObjects().find((o) => o.kind === 'Secret')!;
  return { ...pair, metadata: { name: 'cert', namespace: NS } };
};

function listenerConditions(listeners: unknown[], ...types: string[]): Record<string, string[]> {
  const t = translate([classObject(), certificate(), gatewayObject(NS, 'gw', listeners)], { controllerName: CONTROLLER_NAME });
  return Object.fromEntries(gatewayStatusOf(t, NS, 'gw').listeners.map((l) => [l.name, conditionsOf(l.conditions, ...types)]));
}

describe('GatewayClass', () => {
  test('accepts a class of our controller with a supported version', () => {
    const t = translate([classObject()], { controllerName: CONTROLLER_NAME });
    const status = t.statuses.get('GatewayClass//gateway-conformance')!.status as any;
    expect(status.conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'GatewayClass is accepted', observedGeneration: 1, lastTransitionTime: '1970-01-01T00:00:00Z' },
      {
        type: 'SupportedVersion',
        status: 'True',
        reason: 'SupportedVersion',
        message: 'Gateway API v1.6 is supported; no Gateway API CustomResourceDefinitions were seen to check their gateway.networking.k8s.io/bundle-version',
        observedGeneration: 1,
        lastTransitionTime: '1970-01-01T00:00:00Z',
      },
    ]);
  });

  describe('SupportedVersion, from the bundle-version annotation of the Gateway API CRDs', () => {
    const crd = (name: string, version?: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name, ...version === undefined ? {} : { annotations: { 'gateway.networking.k8s.io/bundle-version': version, 'gateway.networking.k8s.io/channel': 'standard' } } },
    });
    const classConditions = (...crds: KubeObject[]) => {
      const t = translate([classObject(), ...crds, gatewayObject(NS, 'gw', [http('http', 80)])], { controllerName: CONTROLLER_NAME });
      const status = t.statuses.get('GatewayClass//gateway-conformance')!.status as any;
      return { conditions: status.conditions, gateway: gatewayStatusOf(t, NS, 'gw'), findings: t.findings };
    };

    test('is True when every Gateway API CRD is of v1.6, whatever the patch release', () => {
      const { conditions } = classConditions(crd('gateways.gateway.networking.k8s.io', 'v1.6.1'), crd('httproutes.gateway.networking.k8s.io', 'v1.6.0'),
        crd('xmeshes.gateway.networking.x-k8s.io', 'v1.6.1'), crd('certificates.cert-manager.io'));
      expect(conditions[1]).toMatchObject({ type: 'SupportedVersion', status: 'True', reason: 'SupportedVersion', message: 'Gateway API v1.6.0, v1.6.1 is supported' });
    });

    test('is False, Accepted staying True, for CRDs of another v1 release or without the annotation', () => {
      const { conditions, gateway, findings } = classConditions(crd('gateways.gateway.networking.k8s.io', 'v1.6.1'),
        crd('httproutes.gateway.networking.k8s.io', 'v1.5.0'), crd('grpcroutes.gateway.networking.k8s.io'));
      expectConditions(conditions, ['Accepted=True/Accepted', 'SupportedVersion=False/UnsupportedVersion']);
      expect(conditions[1].message).toBe('this controller supports Gateway API v1.6: grpcroutes.gateway.networking.k8s.io has no gateway.networking.k8s.io/bundle-version annotation; '
        + 'httproutes.gateway.networking.k8s.io is at v1.5.0 (served best-effort; install the v1.6 CRDs)');
      expectConditions(gateway.conditions, ['Accepted=True/Accepted']);
      expect(findings).toEqual([]);
    });

    test('is False for a newer v1 release too', () => {
      const { conditions } = classConditions(crd('gateways.gateway.networking.k8s.io', 'v1.7.0'));
      expectConditions(conditions, ['Accepted=True/Accepted', 'SupportedVersion=False/UnsupportedVersion']);
    });

    test('refuses the class, and its Gateways, for CRDs of another major version', () => {
      const { conditions, gateway, findings } = classConditions(crd('gateways.gateway.networking.k8s.io', 'v2.0.0'));
      expectConditions(conditions, ['Accepted=False/UnsupportedVersion', 'SupportedVersion=False/UnsupportedVersion']);
      expectConditions(gateway.conditions, ['Accepted=False/Invalid']);
      expect(findings.map((f) => `${f.kind} ${f.name}: ${f.reason}`)).toContain('GatewayClass gateway-conformance: UnsupportedVersion');
    });

    test('names at most five CRDs in the message', () => {
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => crd(`${n}routes.gateway.networking.k8s.io`, 'v1.4.0'));
      const { conditions } = classConditions(...names);
      expect(conditions[1].message).toMatch(/eroutes\.gateway\.networking\.k8s\.io is at v1\.4\.0; and 2 more \(served best-effort/);
    });
  });

  test('writes the given time as lastTransitionTime', () => {
    const t = translate([classObject()], { controllerName: CONTROLLER_NAME, now: '2026-01-02T03:04:05Z' });
    const status = t.statuses.get('GatewayClass//gateway-conformance')!.status as any;
    expect(status.conditions.map((c: any) => c.lastTransitionTime)).toEqual(['2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z']);
  });

  test('leaves classes, Gateways and routes of another controller without status', () => {
    const objects = [
      classObject('theirs', 'example.com/other'),
      { ...gatewayObject(NS, 'gw', [http('http', 80)]), spec: { gatewayClassName: 'theirs', listeners: [http('http', 80)] } },
    ];
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expect([...t.statuses.keys()]).toEqual([]);
    expect(t.gateways).toEqual([]);
  });

  test('treats every class as ours when no controllerName is given, writing each class controllerName', () => {
    const t = translate([classObject('a', 'example.com/a'), classObject('b', 'example.com/b')]);
    expect([...t.statuses.keys()]).toEqual(['GatewayClass//a', 'GatewayClass//b']);
  });

  test('rejects a class with a parametersRef, and its Gateways with it', () => {
    const objects = [
      classObject(undefined, undefined, { parametersRef: { group: 'example.com', kind: 'Config', name: 'c' } }),
      gatewayObject(NS, 'gw', [http('http', 80)]),
    ];
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expectConditions((t.statuses.get('GatewayClass//gateway-conformance')!.status as any).conditions, ['Accepted=False/InvalidParameters']);
    expectConditions(gatewayStatusOf(t, NS, 'gw').conditions, ['Accepted=False/Invalid', 'Programmed=False/Invalid']);
    expect(t.gateways[0].programmed).toBe(false);
  });

  test('ignores objects of a known kind in another API group', () => {
    const impostor = { ...classObject(), apiVersion: 'example.com/v1' };
    expect([...translate([impostor]).statuses.keys()]).toEqual([]);
  });
});

describe('listener conflicts', () => {
  test('rejects HTTP listeners on one port with the same hostname (HostnameConflict), and only those', () => {
    expect(listenerConditions([
      http('a', 80, { hostname: 'x.example.com' }),
      http('b', 80, { hostname: 'x.example.com' }),
      http('c', 80, { hostname: 'y.example.com' }),
      http('d', 80),
    ], 'Accepted', 'Conflicted')).toEqual({
      a: ['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict'],
      b: ['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict'],
      c: ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
      d: ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
    });
  });

  test('rejects two listeners without hostname on one port (HostnameConflict)', () => {
    expect(listenerConditions([http('a', 80), http('b', 80)], 'Conflicted')).toEqual({
      a: ['Conflicted=True/HostnameConflict'],
      b: ['Conflicted=True/HostnameConflict'],
    });
  });

  test('rejects HTTP and HTTPS listeners sharing a port (ProtocolConflict)', () => {
    expect(listenerConditions([http('a', 8443), https('b', 8443, { hostname: 'x.example.com' })], 'Accepted', 'Programmed')).toEqual({
      a: ['Accepted=False/ProtocolConflict', 'Programmed=False/Invalid'],
      b: ['Accepted=False/ProtocolConflict', 'Programmed=False/Invalid'],
    });
  });

  test('rejects a TCP listener sharing its port with any other listener (ProtocolConflict)', () => {
    expect(listenerConditions([
      { name: 'tcp', port: 443, protocol: 'TCP' },
      { name: 'tls', port: 443, protocol: 'TLS', hostname: 'x.example.com', tls: { mode: 'Passthrough' } },
      { name: 'tcp2', port: 9000, protocol: 'TCP' },
      { name: 'tcp3', port: 9000, protocol: 'TCP' },
    ], 'Conflicted')).toEqual({
      tcp: ['Conflicted=True/ProtocolConflict'],
      tls: ['Conflicted=True/ProtocolConflict'],
      tcp2: ['Conflicted=True/ProtocolConflict'],
      tcp3: ['Conflicted=True/ProtocolConflict'],
    });
  });

  test('lets HTTPS and TLS listeners share a port when their hostnames differ, and UDP use a TCP port number', () => {
    expect(listenerConditions([
      https('https', 443, { hostname: 'web.example.com' }),
      { name: 'passthrough', port: 443, protocol: 'TLS', hostname: 'db.example.com', tls: { mode: 'Passthrough' } },
      { name: 'terminate', port: 443, protocol: 'TLS', hostname: 'mq.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'dns-udp', port: 53, protocol: 'UDP' },
    ], 'Accepted', 'Conflicted')).toEqual({
      'https': ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
      'passthrough': ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
      'terminate': ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
      'dns-tcp': ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
      'dns-udp': ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts'],
    });
  });

  test('rejects HTTPS and TLS listeners on one port with the same hostname (HostnameConflict)', () => {
    expect(listenerConditions([
      https('https', 443, { hostname: 'x.example.com' }),
      { name: 'tls', port: 443, protocol: 'TLS', hostname: 'x.example.com', tls: { mode: 'Passthrough' } },
    ], 'Conflicted')).toEqual({
      https: ['Conflicted=True/HostnameConflict'],
      tls: ['Conflicted=True/HostnameConflict'],
    });
  });

  test('accepts the Gateway with ListenersNotValid while one listener is left', () => {
    const t = translate([classObject(), gatewayObject(NS, 'gw', [http('a', 80), http('b', 80), http('c', 81)])], { controllerName: CONTROLLER_NAME });
    expectConditions(gatewayStatusOf(t, NS, 'gw').conditions, ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
    expect(t.gateways[0].listeners.map((l) => `${l.name} ${l.programmed}`)).toEqual(['a false', 'b false', 'c true']);
  });
});

describe('listener TLS', () => {
  test('rejects an HTTPS listener in Passthrough mode (UnsupportedValue)', () => {
    expect(listenerConditions([https('a', 443, { tls: { mode: 'Passthrough' } })], 'Accepted')).toEqual({ a: ['Accepted=False/UnsupportedValue'] });
  });

  test('rejects an unknown TLS mode and an unknown allowedRoutes namespace policy (UnsupportedValue)', () => {
    expect(listenerConditions([
      https('a', 443, { tls: { mode: 'Reencrypt', certificateRefs: [{ name: 'cert' }] } }),
      http('b', 80, { allowedRoutes: { namespaces: { from: 'Mine' } } }),
    ], 'Accepted')).toEqual({ a: ['Accepted=False/UnsupportedValue'], b: ['Accepted=False/UnsupportedValue'] });
  });

  test('fails an HTTPS listener without certificates (InvalidCertificateRef) and does not program it', () => {
    expect(listenerConditions([{ name: 'a', port: 443, protocol: 'HTTPS' }], 'Accepted', 'ResolvedRefs', 'Programmed')).toEqual({
      a: ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidCertificateRef', 'Programmed=False/Invalid'],
    });
  });

  test('programs a listener that has one usable certificate among broken ones', () => {
    expect(listenerConditions([
      https('a', 443, { tls: { certificateRefs: [{ name: 'missing' }, { name: 'cert' }] } }),
    ], 'ResolvedRefs', 'Programmed')).toEqual({ a: ['ResolvedRefs=False/InvalidCertificateRef', 'Programmed=True/Programmed'] });
  });

  test('ignores certificateRefs of a Passthrough TLS listener', () => {
    const t = translate([classObject(), gatewayObject(NS, 'gw', [
      { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough', certificateRefs: [{ name: 'missing' }] } },
    ])], { controllerName: CONTROLLER_NAME });
    expectConditions(listenerStatusOf(t, NS, 'gw', 'tls').conditions, ['ResolvedRefs=True', 'Programmed=True']);
    expect(t.gateways[0].listeners[0].tls).toEqual({ mode: 'Passthrough', certificates: [], options: {} });
  });

  test.each([
    ['of the wrong type', { type: 'Opaque' }],
    ['without tls.key', { stringData: undefined, data: { 'tls.crt': Buffer.from('x').toString('base64') } }],
    ['whose tls.key holds no PEM key', { stringData: { 'tls.crt': '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n', 'tls.key': 'key' } }],
  ])('rejects a certificate Secret %s (InvalidCertificateRef)', (_, change) => {
    const secret = { ...certificate(), ...change };
    const t = translate([classObject(), secret, gatewayObject(NS, 'gw', [https('a', 443)])], { controllerName: CONTROLLER_NAME });
    expectConditions(listenerStatusOf(t, NS, 'gw', 'a').conditions, ['ResolvedRefs=False/InvalidCertificateRef']);
    expect(t.gateways[0].listeners[0].tls?.certificates[0].valid).toBe(false);
  });

  test('reads base64 data of a certificate Secret and accepts a PEM body made of any DER sequence', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    const key = '-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n';
    const secret = {
      ...certificate(),
      stringData: undefined,
      data: { 'tls.crt': Buffer.from(pem).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
    };
    const t = translate([classObject(), secret, gatewayObject(NS, 'gw', [https('a', 443)])], { controllerName: CONTROLLER_NAME });
    expect(t.gateways[0].listeners[0].tls?.certificates[0]).toEqual({ namespace: NS, name: 'cert', valid: true, certificatePem: pem, privateKeyPem: key });
  });

  test('accepts a certificate in another namespace through a v1beta1 ReferenceGrant', () => {
    const secret = { ...certificate(), metadata: { name: 'cert', namespace: 'certs' } };
    const grant = grantObject('certs', 'g', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: NS }], [{ group: '', kind: 'Secret' }],
      'gateway.networking.k8s.io/v1beta1');
    const gateway = gatewayObject(NS, 'gw', [https('a', 443, { tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } })]);
    const t = translate([classObject(), secret, grant, gateway], { controllerName: CONTROLLER_NAME });
    expectConditions(listenerStatusOf(t, NS, 'gw', 'a').conditions, ['ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
  });
});

describe('Gateway', () => {
  test('rejects a Gateway with no listener at all', () => {
    const t = translate([classObject(), gatewayObject(NS, 'gw', [])], { controllerName: CONTROLLER_NAME });
    expectConditions(gatewayStatusOf(t, NS, 'gw').conditions, ['Accepted=False/ListenersNotValid', 'Programmed=False/Invalid']);
  });

  test('accepts IPAddress and Hostname addresses', () => {
    const gateway = gatewayObject(NS, 'gw', [http('a', 80)], { addresses: [{ value: '192.0.2.1' }, { type: 'Hostname', value: 'gw.example.com' }] });
    const t = translate([classObject(), gateway], { controllerName: CONTROLLER_NAME });
    expectConditions(gatewayStatusOf(t, NS, 'gw').conditions, ['Accepted=True/Accepted']);
  });

  test('derives supportedKinds from the protocol and programs nothing for an unsupported one', () => {
    const t = translate([classObject(), certificate(), gatewayObject(NS, 'gw', [
      http('http', 80),
      https('https', 443),
      { name: 'tls', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
      { name: 'tcp', port: 9000, protocol: 'TCP' },
      { name: 'udp', port: 9000, protocol: 'UDP' },
      { name: 'custom', port: 9001, protocol: 'example.com/custom' },
    ])], { controllerName: CONTROLLER_NAME });
    const kinds = Object.fromEntries(gatewayStatusOf(t, NS, 'gw').listeners.map((l) => [l.name, l.supportedKinds.map((k) => k.kind)]));
    expect(kinds).toEqual({
      http: ['HTTPRoute', 'GRPCRoute'],
      https: ['HTTPRoute', 'GRPCRoute'],
      tls: ['TLSRoute'],
      tcp: ['TCPRoute'],
      udp: ['UDPRoute'],
      custom: [],
    });
  });

  test('rejects a route kind of another API group and lists a repeated kind once', () => {
    const t = translate([classObject(), gatewayObject(NS, 'gw', [http('a', 80, {
      allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { group: 'example.com', kind: 'HTTPRoute' }, { kind: 'HTTPRoute' }] },
    })])], { controllerName: CONTROLLER_NAME });
    const status = listenerStatusOf(t, NS, 'gw', 'a');
    expect(status.supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]);
    expectConditions(status.conditions, ['ResolvedRefs=False/InvalidRouteKinds', 'Programmed=True/Programmed']);
  });

  test('reports statuses in input order', () => {
    const t = translate([gatewayObject(NS, 'b', [http('a', 80)]), classObject(), gatewayObject(NS, 'a', [http('a', 80)])], { controllerName: CONTROLLER_NAME });
    expect([...t.statuses.keys()]).toEqual(['Gateway/infra/b', 'GatewayClass//gateway-conformance', 'Gateway/infra/a']);
  });

  test('places a Gateway without namespace in default', () => {
    const gateway = gatewayObject(NS, 'gw', [http('a', 80)]);
    const t = translate([classObject(), { ...gateway, metadata: { name: 'gw' } }], { controllerName: CONTROLLER_NAME });
    expect(t.statuses.get('Gateway/default/gw')?.namespace).toBe('default');
  });
});
