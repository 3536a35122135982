import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { chartIn, ofKind, only } from './util';
import {
  AllowedRoutes, Backend, CertificateRef, GatewayClass, HttpRoute, Listener, NamespaceAdmission, SharedGateway,
} from '../../src';

function platform(admission: NamespaceAdmission, redirectHttpToHttps = false) {
  const app = Testing.app();
  const infra = chartIn('infra', app);
  const gc = new GatewayClass(infra, 'Class', { metadata: { name: 'ours' }, controllerName: 'example.com/c' });
  const gateway = new SharedGateway(infra, 'Edge', {
    metadata: { name: 'edge' },
    gatewayClass: gc,
    admission,
    redirectHttpToHttps,
    listeners: [Listener.http(), Listener.https({ certificates: [CertificateRef.fromSecretName('edge-tls')] })],
  });
  const synth = () => app.charts.flatMap((c) => Testing.synth(c));
  return { app, gateway, synth };
}

function routeIn(app: any, namespace: string, gateway: SharedGateway, sectionName?: string) {
  const chart = new Chart(app, `${namespace}-routes`, { namespace });
  return new HttpRoute(chart, 'Route', {
    metadata: { name: 'web' },
    parents: [{ parent: gateway, sectionName }],
    rules: [{ backends: [Backend.fromServiceName('web', { port: 80 })] }],
  });
}

describe('SharedGateway', () => {
  test('admits the listed namespaces on every listener', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.namespaces(['team-b', 'team-a']));
    routeIn(app, 'team-a', gateway);
    const gw = only(synth(), 'Gateway');
    for (const l of gw.spec.listeners) {
      expect(l.allowedRoutes).toStrictEqual({
        namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] }] } },
      });
    }
  });

  test('fails synth for a route from a namespace it does not admit, naming the fix', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.namespaces(['team-a']));
    routeIn(app, 'team-c', gateway);
    expect(synth).toThrow(/HTTPRoute team-c\/web spec.parentRefs\[0\]: listeners http, https of Gateway infra\/edge do not admit routes from namespace team-c .*; fix: add team-c to the namespaces listener http admits/);
  });

  test('admits a labelled namespace declared in the app', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.labelled({ edge: 'yes' }));
    new kplus.Namespace(chartIn('team-a', app), 'Ns', { metadata: { name: 'team-a', labels: { edge: 'yes' } } });
    routeIn(app, 'team-a', gateway);
    expect(() => synth()).not.toThrow();
  });

  test('fails synth for a namespace of the app whose labels do not match', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.labelled({ edge: 'yes' }));
    new kplus.Namespace(chartIn('team-a', app), 'Ns', { metadata: { name: 'team-a', labels: { edge: 'no' } } });
    routeIn(app, 'team-a', gateway);
    expect(synth).toThrow(/HTTPRoute team-a\/web spec.parentRefs\[0\]/);
  });

  test('redirects HTTP to HTTPS with a route beside the gateway that only it may attach', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.allNamespaces(), true);
    routeIn(app, 'team-a', gateway, 'https');
    const objects = synth();
    const gw = only(objects, 'Gateway');
    expect(gw.spec.listeners.map((l: any) => [l.name, l.allowedRoutes])).toStrictEqual([
      ['http', { namespaces: { from: 'Same' } }],
      ['https', { namespaces: { from: 'All' } }],
    ]);
    const redirect = ofKind(objects, 'HTTPRoute').find((r) => r.metadata.namespace === 'infra');
    expect(redirect.spec).toStrictEqual({
      parentRefs: [{ name: 'edge', sectionName: 'http' }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(gateway.httpsRedirectRoute).toBeDefined();
  });

  test('keeps serving plain HTTP on a listener with its own allowedRoutes', () => {
    const app = Testing.app();
    const infra = chartIn('infra', app);
    const gc = new GatewayClass(infra, 'Class', { controllerName: 'example.com/c' });
    const gw = new SharedGateway(infra, 'Edge', {
      metadata: { name: 'edge' },
      gatewayClass: gc,
      admission: NamespaceAdmission.allNamespaces(),
      redirectHttpToHttps: true,
      listeners: [
        Listener.http(),
        Listener.http({ name: 'plain', port: 8080, allowedRoutes: AllowedRoutes.allNamespaces() }),
        Listener.https({ certificates: [CertificateRef.fromSecretName('edge-tls')] }),
      ],
    });
    routeIn(app, 'team-a', gw, 'plain');
    const objects = app.charts.flatMap((c) => Testing.synth(c));
    const redirect = ofKind(objects, 'HTTPRoute').find((r) => r.metadata.name === 'edge-https-redirect');
    expect(redirect.spec.parentRefs).toStrictEqual([{ name: 'edge', sectionName: 'http' }]);
    expect(only(objects, 'Gateway').spec.listeners[1].allowedRoutes).toStrictEqual({ namespaces: { from: 'All' } });
  });

  test('fails synth when a team route attaches to the redirecting HTTP listener', () => {
    const { app, gateway, synth } = platform(NamespaceAdmission.allNamespaces(), true);
    routeIn(app, 'team-a', gateway, 'http');
    expect(synth).toThrow(/HTTPRoute team-a\/web spec.parentRefs\[0\]/);
  });

  test('fails synth when the redirect has no HTTPS listener to go to', () => {
    const app = Testing.app();
    const infra = chartIn('infra', app);
    const gc = new GatewayClass(infra, 'Class', { controllerName: 'example.com/c' });
    new SharedGateway(infra, 'Edge', { gatewayClass: gc, admission: NamespaceAdmission.allNamespaces(), redirectHttpToHttps: true, listeners: [Listener.http()] });
    expect(() => app.charts.flatMap((c) => Testing.synth(c))).toThrow(/needs an HTTPS listener to redirect to/);
  });
});
