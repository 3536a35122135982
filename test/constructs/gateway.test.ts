import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { chartIn, ofKind, only, synthApp } from './util';
import {
  AllowedRoutes, CaCertificateRef, CertManagerIssuer, CertificateRef, ClientValidationMode, Gateway, GatewayAddress,
  GatewayClass, LabelSelectorOperator, Listener, LoadBalancerCloud, RouteKind, TlsMode,
} from '../../src';

function classIn(chart: any) {
  return new GatewayClass(chart, 'Class', { metadata: { name: 'ours' }, controllerName: 'example.com/gateway-controller' });
}

describe('Gateway', () => {
  test('synthesizes listeners for every protocol', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', {
      metadata: { name: 'gw' },
      gatewayClass: classIn(chart),
      listeners: [
        Listener.http(),
        Listener.https({ hostname: '*.example.com', certificates: [CertificateRef.fromSecretName('wild-tls')] }),
        Listener.tlsPassthrough({ name: 'tls', port: 8443, hostname: 'db.example.com' }),
        Listener.tlsTerminate({ name: 'tls-term', port: 9443, certificates: [CertificateRef.fromSecretName('t')], tlsOptions: { 'example.com/min': '1.2' } }),
        Listener.tcp({ port: 5432 }),
        Listener.udp({ port: 53 }),
        Listener.custom({ name: 'quic', protocol: 'example.com/quic', port: 4433 }),
      ],
    });
    const gw = only(synthApp(chart), 'Gateway');
    expect(gw.metadata).toStrictEqual({ name: 'gw', namespace: 'infra' });
    expect(gw.spec).toStrictEqual({
      gatewayClassName: 'ours',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', hostname: '*.example.com', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'wild-tls' }] } },
        { name: 'tls', hostname: 'db.example.com', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'tls-term', port: 9443, protocol: 'TLS', tls: { mode: 'Terminate', certificateRefs: [{ name: 't' }], options: { 'example.com/min': '1.2' } } },
        { name: 'tcp', port: 5432, protocol: 'TCP' },
        { name: 'udp', port: 53, protocol: 'UDP' },
        { name: 'quic', port: 4433, protocol: 'example.com/quic' },
      ],
    });
  });

  test('synthesizes every allowedRoutes form', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', {
      gatewayClass: classIn(chart),
      listeners: [
        Listener.http({ name: 'same', port: 8001, allowedRoutes: AllowedRoutes.sameNamespace() }),
        Listener.http({ name: 'all', port: 8002, allowedRoutes: AllowedRoutes.allNamespaces({ kinds: [RouteKind.HTTP_ROUTE] }) }),
        Listener.http({ name: 'labels', port: 8003, allowedRoutes: AllowedRoutes.fromNamespacesLabelled({ team: 'a' }) }),
        Listener.http({ name: 'names', port: 8004, allowedRoutes: AllowedRoutes.fromNamespaces(['b', 'a']) }),
        Listener.http({
          name: 'expr',
          port: 8005,
          allowedRoutes: AllowedRoutes.fromNamespaceSelector({ env: 'prod' }, [{ key: 'tier', operator: LabelSelectorOperator.EXISTS }]),
        }),
      ],
    });
    const listeners = only(synthApp(chart), 'Gateway').spec.listeners;
    expect(listeners.map((l: any) => l.allowedRoutes)).toStrictEqual([
      { namespaces: { from: 'Same' } },
      { namespaces: { from: 'All' }, kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] },
      { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } },
      { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }] } } },
      { namespaces: { from: 'Selector', selector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] } } },
    ]);
  });

  test('synthesizes addresses, infrastructure, client validation and the backend client certificate', () => {
    const chart = chartIn('infra');
    const gw = new Gateway(chart, 'Gw', {
      gatewayClass: classIn(chart),
      listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('tls')] })],
      addresses: [GatewayAddress.ipAddress('10.0.0.10'), GatewayAddress.hostname('lb.example.com'), GatewayAddress.named('reserved')],
      infrastructure: { labels: { team: 'platform' }, parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } },
      clientCertificateValidation: { caCertificates: [CaCertificateRef.fromConfigMapName('client-ca')] },
      clientCertificateValidationPerPort: [{ port: 443, caCertificates: [CaCertificateRef.fromSecretName('ca')], mode: ClientValidationMode.ALLOW_INSECURE_FALLBACK }],
      backendClientCertificate: CertificateRef.fromSecretName('client-cert'),
    });
    gw.useInternalLoadBalancer(LoadBalancerCloud.AZURE);
    gw.addCertManagerIssuer(CertManagerIssuer.clusterIssuer('letsencrypt-prod'));
    gw.addAddress(GatewayAddress.anyIpAddress());

    const out = only(synthApp(chart), 'Gateway');
    expect(out.metadata.annotations).toStrictEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    expect(out.spec.addresses).toStrictEqual([
      { type: 'IPAddress', value: '10.0.0.10' }, { type: 'Hostname', value: 'lb.example.com' },
      { type: 'NamedAddress', value: 'reserved' }, { type: 'IPAddress' },
    ]);
    expect(out.spec.infrastructure).toStrictEqual({
      labels: { team: 'platform' },
      annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
      parametersRef: { group: 'example.com', kind: 'Params', name: 'p' },
    });
    expect(out.spec.tls).toStrictEqual({
      backend: { clientCertificateRef: { name: 'client-cert' } },
      frontend: {
        default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
        perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }], mode: 'AllowInsecureFallback' } } }],
      },
    });
  });

  test.each([
    [LoadBalancerCloud.AWS, { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }],
    [LoadBalancerCloud.GCP, { 'networking.gke.io/load-balancer-type': 'Internal' }],
  ])('asks %s for an internal load balancer', (cloud, annotations) => {
    const chart = chartIn('infra');
    const gw = new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.http()] });
    gw.useInternalLoadBalancer(cloud);
    expect(only(synthApp(chart), 'Gateway').spec.infrastructure.annotations).toStrictEqual(annotations);
  });

  test('infers one ReferenceGrant for a certificate Secret in another namespace', () => {
    const app = Testing.app();
    const certs = chartIn('certs', app);
    const pem = (f: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cli', 'conformance', f), 'utf8');
    const secret = new kplus.Secret(certs, 'Wildcard', {
      metadata: { name: 'wildcard-tls' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': pem('tls.crt'), 'tls.key': pem('tls.key') },
    });
    const chart = chartIn('infra', app);
    new Gateway(chart, 'Gw', {
      gatewayClass: classIn(chart),
      listeners: [
        Listener.https({ name: 'a', hostname: 'a.example.com', certificates: [CertificateRef.fromSecret(secret)] }),
        Listener.https({ name: 'b', hostname: 'b.example.com', certificates: [CertificateRef.fromSecretName('wildcard-tls', 'certs')] }),
      ],
    });
    const objects = app.charts.flatMap((c) => Testing.synth(c));
    expect(only(objects, 'Gateway').spec.listeners[0].tls.certificateRefs).toStrictEqual([{ name: 'wildcard-tls', namespace: 'certs' }]);
    expect(ofKind(objects, 'ReferenceGrant')).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'infra-gateway-to-secret-wildcard-tls', namespace: 'certs', annotations: { 'gateway.cdk8s.io/inferred': 'true' } },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }],
        to: [{ group: '', kind: 'Secret', name: 'wildcard-tls' }],
      },
    }]);
  });

  test('fails synth for a certificate Secret of the app that holds no key pair', () => {
    const chart = chartIn('infra');
    new kplus.Secret(chart, 'Empty', { metadata: { name: 'empty-tls' }, type: 'kubernetes.io/tls' });
    new Gateway(chart, 'Gw', {
      metadata: { name: 'gw' },
      gatewayClass: classIn(chart),
      listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('empty-tls')] })],
    });
    expect(() => synthApp(chart)).toThrow(/Gateway infra\/gw spec.listeners\[0\].tls.certificateRefs\[0\]: Secret infra\/empty-tls has no tls.crt/);
  });

  test('fails when a certificate Secret sits in a chart without a namespace and the gateway has one', () => {
    const app = Testing.app();
    const secret = new kplus.Secret(chartIn(undefined, app), 'S', { metadata: { name: 'tls' } });
    const chart = chartIn('infra', app);
    expect(() => new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.https({ certificates: [CertificateRef.fromSecret(secret)] })] }))
      .toThrow(/is Secret tls, whose namespace is not known .* set the namespace of the Secret's chart/);
  });

  test('accepts an HTTPS listener whose certificates come from implementation-specific options', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.https({ tlsOptions: { 'example.com/cert-source': 'vault' } })] });
    expect(only(synthApp(chart), 'Gateway').spec.listeners[0].tls).toStrictEqual({ mode: 'Terminate', options: { 'example.com/cert-source': 'vault' } });
  });

  test('infers no grant when inference is off', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', {
      gatewayClass: classIn(chart),
      inferReferenceGrants: false,
      listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('tls', 'certs')] })],
    });
    expect(ofKind(synthApp(chart), 'ReferenceGrant')).toHaveLength(0);
  });

  test('fails when the gateway namespace is unknown but the certificate names one', () => {
    const chart = chartIn();
    expect(() => new Gateway(chart, 'Gw', {
      gatewayClass: classIn(chart),
      listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('tls', 'certs')] })],
    })).toThrow(/cannot infer the ReferenceGrant .* the Gateway's namespace is not known/);
  });

  test('rejects two listeners with one name', () => {
    const chart = chartIn('infra');
    const gw = new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.http()] });
    expect(() => gw.addListener(Listener.http({ port: 8080 }))).toThrow(/already has a listener named "http"/);
  });

  test('rejects an HTTPS listener without certificates', () => {
    expect(() => Listener.https({})).toThrow(/needs at least one certificate/);
  });

  test('rejects a port out of range', () => {
    expect(() => Listener.tcp({ port: 70000 })).toThrow(/out of range/);
  });

  test('finds a listener by name and lists the others when it is missing', () => {
    const chart = chartIn('infra');
    const gw = new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.http()] });
    expect(gw.listener('http').port).toBe(80);
    expect(() => gw.listener('https')).toThrow(/has no listener "https"; it has: http/);
    expect(gw.listeners.map((l) => [l.name, l.protocol, l.tlsMode])).toStrictEqual([['http', 'HTTP', undefined]]);
    expect(TlsMode.PASSTHROUGH).toBe('Passthrough');
  });

  test('fails synth for a gateway without listeners', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', { metadata: { name: 'empty' }, gatewayClass: classIn(chart) });
    expect(() => synthApp(chart)).toThrow(/gateway empty has no listeners; call addListener/);
  });

  test('fails synth for conflicting listeners, naming both the rule and the fix', () => {
    const chart = chartIn('infra');
    new Gateway(chart, 'Gw', {
      metadata: { name: 'gw' },
      gatewayClass: classIn(chart),
      listeners: [Listener.http({ name: 'a' }), Listener.http({ name: 'b' })],
    });
    expect(() => synthApp(chart)).toThrow(/Combination of port, protocol and hostname must be unique for each listener/);
  });

  test('keeps unknown fields added with a JSON patch', () => {
    const chart = chartIn('infra');
    const gw = new Gateway(chart, 'Gw', { gatewayClass: classIn(chart), listeners: [Listener.http()] });
    ApiObject.of(gw).addJsonPatch(JsonPatch.add('/metadata/labels', { patched: 'yes' }));
    expect(only(Testing.synth(chart), 'Gateway').metadata.labels).toStrictEqual({ patched: 'yes' });
  });

  test('imports a gateway by attributes', () => {
    const gw = Gateway.fromGatewayAttributes(chartIn('apps'), 'Edge', { name: 'edge', namespace: 'infra' });
    expect([gw.name, gw.namespace, gw.kind, gw.apiGroup]).toStrictEqual(['edge', 'infra', 'Gateway', 'gateway.networking.k8s.io']);
  });
});
