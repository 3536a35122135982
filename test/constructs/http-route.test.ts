import { ApiObject, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { chartIn, ofKind, only, synthApp } from './util';
import {
  AllowedRoutes, Backend, Gateway, GatewayClass, HeaderMatch, HttpMethod, HttpRoute, HttpRouteFilter, HttpScheme,
  Listener, PathMatch, PathModifier, QueryParamMatch,
} from '../../src';

function gatewayIn(chart: any, allowedRoutes?: AllowedRoutes) {
  const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'ours' }, controllerName: 'example.com/gateway-controller' });
  return new Gateway(chart, 'Gw', {
    metadata: { name: 'gw' },
    gatewayClass: gc,
    listeners: [Listener.http({ allowedRoutes }), Listener.http({ name: 'alt', port: 8080, hostname: 'alt.example.com', allowedRoutes })],
  });
}

describe('HttpRoute', () => {
  test('synthesizes every field of the standard HTTPRoute', () => {
    const chart = chartIn('apps');
    const gw = gatewayIn(chart);
    const api = new kplus.Service(chart, 'Api', { metadata: { name: 'api' }, ports: [{ port: 8080 }] });
    // Every Service the route names exists in the app: once the app declares Services in a
    // namespace, a missing one is an error (BackendNotFound).
    for (const [name, port] of [['other', 9090], ['shadow', 80], ['shadow2', 80]] as const) {
      new kplus.Service(chart, name, { metadata: { name }, ports: [{ port }] });
    }
    const route = new HttpRoute(chart, 'Route', {
      metadata: { name: 'route' },
      parents: [{ parent: gw, sectionName: 'http' }, { parent: gw, sectionName: 'alt', port: 8080 }],
      hostnames: ['alt.example.com'],
    });
    route.addRule({
      name: 'everything',
      matches: [
        { path: PathMatch.exact('/exact') },
        {
          path: PathMatch.prefix('/api'),
          headers: [HeaderMatch.exact('x-a', '1'), HeaderMatch.regularExpression('x-b', '^v[0-9]$')],
          queryParams: [QueryParamMatch.exact('q', '1'), QueryParamMatch.regularExpression('r', '.*')],
          method: HttpMethod.POST,
        },
        { path: PathMatch.regularExpression('^/re/.*') },
      ],
      filters: [
        HttpRouteFilter.requestHeaders({ set: { 'x-set': 's' }, add: { 'x-add': 'a' }, remove: ['x-rm'] }),
        HttpRouteFilter.responseHeaders({ add: { 'x-resp': 'r' } }),
        HttpRouteFilter.mirror(Backend.fromServiceName('shadow', { port: 80 }), { percent: 10 }),
        HttpRouteFilter.mirror(Backend.fromServiceName('shadow2', { port: 80 }), { fractionNumerator: 1, fractionDenominator: 1000 }),
        HttpRouteFilter.cors({
          allowOrigins: ['https://app.example.com'],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['x-a'],
          exposeHeaders: ['x-b'],
          allowCredentials: true,
          maxAge: Duration.minutes(10),
        }),
        HttpRouteFilter.extension({ group: 'example.com', kind: 'RateLimit', name: 'rl' }),
      ],
      backends: [
        Backend.fromService(api, { weight: 3, filters: [HttpRouteFilter.requestHeaders({ set: { 'x-backend': 'api' } })] }),
        Backend.fromServiceName('other', { port: 9090, weight: 0 }),
      ],
      timeouts: { request: Duration.seconds(90), backendRequest: Duration.millis(1500) },
    });
    route.addRule({
      matches: [{ path: PathMatch.prefix('/old') }],
      filters: [HttpRouteFilter.redirect({ scheme: HttpScheme.HTTPS, hostname: 'new.example.com', port: 8443, path: PathModifier.replacePrefixMatch('/new'), statusCode: 308 })],
    });
    route.addRule({
      matches: [{ path: PathMatch.prefix('/rw') }],
      filters: [HttpRouteFilter.rewrite({ hostname: 'internal.example.com', path: PathModifier.replaceFullPath('/') })],
      backends: [Backend.fromService(api)],
    });

    expect(only(synthApp(chart), 'HTTPRoute')).toMatchSnapshot();
  });

  test('formats timeouts in the Gateway API duration format', () => {
    const chart = chartIn('apps');
    const route = new HttpRoute(chart, 'R', { parents: [{ parent: gatewayIn(chart) }] });
    route.addRule({ backends: [Backend.fromServiceName('a', { port: 80 })], timeouts: { request: Duration.hours(1.5), backendRequest: Duration.seconds(0) } });
    expect(only(synthApp(chart), 'HTTPRoute').spec.rules[0].timeouts).toStrictEqual({ request: '1h30m', backendRequest: '0s' });
  });

  test('defaults a backend to the only port of its Service', () => {
    const chart = chartIn('apps');
    const svc = new kplus.Service(chart, 'S', { metadata: { name: 's' }, ports: [{ port: 8080 }] });
    expect(Backend.fromService(svc).port).toBe(8080);
  });

  test('rejects a port the Service does not expose', () => {
    const svc = new kplus.Service(chartIn('apps'), 'S', { metadata: { name: 's' }, ports: [{ port: 8080 }, { port: 9090 }] });
    expect(() => Backend.fromService(svc, { port: 80 })).toThrow(/service s exposes ports 8080, 9090, not 80/);
    expect(() => Backend.fromService(svc)).toThrow(/has ports 8080, 9090; say which one/);
  });

  test('exposes a Deployment through one Service, created once', () => {
    const chart = chartIn('apps');
    const dep = new kplus.Deployment(chart, 'Web', { containers: [{ image: 'nginx', ports: [{ number: 8080 }], securityContext: { ensureNonRoot: false } }] });
    const a = Backend.fromDeployment(dep);
    const b = Backend.fromDeployment(dep);
    expect(a.name).toBe(b.name);
    expect(a.port).toBe(8080);
    new HttpRoute(chart, 'R', { parents: [{ parent: gatewayIn(chart) }], rules: [{ backends: [a] }] });
    expect(ofKind(synthApp(chart), 'Service')).toHaveLength(1);
  });

  test('rejects a Service backend by name without a port', () => {
    expect(() => Backend.fromServiceName('api')).toThrow(/needs a port/);
  });

  test('rejects weights and redirect codes out of range', () => {
    expect(() => Backend.fromServiceName('api', { port: 80, weight: -1 })).toThrow(/weight -1 is out of range/);
    expect(() => HttpRouteFilter.redirect({ statusCode: 300 })).toThrow(/status code 300 is not allowed/);
    expect(() => PathMatch.prefix('api')).toThrow(/did you mean "\/api"/);
  });

  test('infers one ReferenceGrant per target across routes and charts, with a stable name', () => {
    const app = Testing.app();
    const a = chartIn('team-a', app);
    const gw = gatewayIn(a, AllowedRoutes.allNamespaces());
    const shared = Backend.fromServiceName('session', { namespace: 'shared', port: 80 });
    new HttpRoute(a, 'One', { parents: [{ parent: gw }], rules: [{ backends: [shared] }] });
    new HttpRoute(a, 'Two', { parents: [{ parent: gw }], rules: [{ filters: [HttpRouteFilter.mirror(shared)], backends: [shared] }] });
    const b = chartIn('team-b', app);
    new HttpRoute(b, 'Three', { parents: [{ parent: gw }], rules: [{ backends: [shared] }] });

    const grants = app.charts.flatMap((c) => Testing.synth(c)).filter((o) => o.kind === 'ReferenceGrant');
    expect(grants.map((g) => [g.metadata.namespace, g.metadata.name, g.spec.from, g.spec.to])).toStrictEqual([
      ['shared', 'team-a-httproute-to-service-session',
        [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'team-a' }], [{ group: '', kind: 'Service', name: 'session' }]],
      ['shared', 'team-b-httproute-to-service-session',
        [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'team-b' }], [{ group: '', kind: 'Service', name: 'session' }]],
    ]);
  });

  test('infers a grant for a mirror target in another namespace', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', {
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{ filters: [HttpRouteFilter.mirror(Backend.fromServiceName('shadow', { namespace: 'test', port: 80 }))], backends: [Backend.fromServiceName('a', { port: 80 })] }],
    });
    expect(ofKind(synthApp(chart), 'ReferenceGrant').map((g) => g.metadata.name)).toStrictEqual(['apps-httproute-to-service-shadow']);
  });

  test('infers no grant when the app turns inference off', () => {
    const app = Testing.app();
    app.node.setContext('cdk8s-gateway/infer-reference-grants', false);
    const chart = chartIn('apps', app);
    new HttpRoute(chart, 'R', {
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{ backends: [Backend.fromServiceName('s', { namespace: 'other', port: 80 })] }],
    });
    expect(ofKind(synthApp(chart), 'ReferenceGrant')).toHaveLength(0);
  });

  test('fails when the route namespace is unknown and the backend names one', () => {
    const chart = chartIn();
    const route = new HttpRoute(chart, 'R');
    expect(() => route.addRule({ backends: [Backend.fromServiceName('s', { namespace: 'other', port: 80 })] }))
      .toThrow(/cannot infer the ReferenceGrant for a backend \(Service other\/s\) .* the HTTPRoute's namespace is not known/);
  });

  test('fails synth with the CRD message when a rule redirects and forwards', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{ filters: [HttpRouteFilter.httpsRedirect()], backends: [Backend.fromServiceName('a', { port: 80 })] }],
    });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.rules\[0\]: RequestRedirect filter must not be used together with backendRefs/);
  });

  test('fails synth when replacePrefixMatch is used without exactly one PathPrefix match', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{
        matches: [{ path: PathMatch.prefix('/a') }, { path: PathMatch.prefix('/b') }],
        filters: [HttpRouteFilter.rewrite({ path: PathModifier.replacePrefixMatch('/') })],
        backends: [Backend.fromServiceName('a', { port: 80 })],
      }],
    });
    expect(() => synthApp(chart)).toThrow(/When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified/);
  });

  test('fails synth when the listener named by sectionName does not exist', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart), sectionName: 'https' }],
      rules: [{ backends: [Backend.fromServiceName('a', { port: 80 })] }],
    });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.parentRefs\[0\].*NoMatchingParent|HTTPRoute apps\/r spec.parentRefs\[0\].*https/);
  });

  test('fails synth when no route hostname intersects the listener hostname', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart), sectionName: 'alt' }],
      hostnames: ['other.example.org'],
      rules: [{ backends: [Backend.fromServiceName('a', { port: 80 })] }],
    });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.parentRefs\[0\]/);
  });

  test('fails synth when a backend Service is missing from a namespace the app declares Services in', () => {
    const chart = chartIn('apps');
    new kplus.Service(chart, 'S', { metadata: { name: 's' }, ports: [{ port: 8080 }] });
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{ backends: [Backend.fromServiceName('typo', { port: 8080 })] }],
    });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.rules\[0\].backendRefs\[0\]: Service apps\/typo not found; fix: create Service apps\/typo/);
  });

  test('fails synth when a backend Service of the app lacks the port', () => {
    const chart = chartIn('apps');
    new kplus.Service(chart, 'S', { metadata: { name: 's' }, ports: [{ port: 8080 }] });
    new HttpRoute(chart, 'R', {
      metadata: { name: 'r' },
      parents: [{ parent: gatewayIn(chart) }],
      rules: [{ backends: [Backend.fromServiceName('s', { port: 9999 })] }],
    });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.rules\[0\].backendRefs\[0\]/);
  });

  test('fails when a backend Service sits in a chart without a namespace and the route has one', () => {
    const app = Testing.app();
    const svc = new kplus.Service(chartIn(undefined, app), 'S', { metadata: { name: 's' }, ports: [{ port: 80 }] });
    const route = new HttpRoute(chartIn('apps', app), 'R');
    expect(() => route.addRule({ backends: [Backend.fromService(svc)] }))
      .toThrow(/is Service s, whose namespace is not known .* set the namespace of the Service's chart/);
  });

  test('fails when the parent Gateway sits in a chart without a namespace and the route has one', () => {
    const app = Testing.app();
    const gw = gatewayIn(chartIn(undefined, app));
    const route = new HttpRoute(chartIn('apps', app), 'R');
    expect(() => route.addParent(gw)).toThrow(/Gateway cluster\/Gw has no namespace .* set the namespace of the Gateway's chart/);
  });

  test('checks routes of a Gateway whose class is imported', () => {
    const chart = chartIn('apps');
    const gw = new Gateway(chart, 'Gw', {
      metadata: { name: 'gw' },
      gatewayClass: GatewayClass.fromGatewayClassName(chart, 'Envoy', 'envoy'),
      listeners: [Listener.http()],
    });
    new HttpRoute(chart, 'R', { metadata: { name: 'r' }, parents: [{ parent: gw, sectionName: 'nope' }], rules: [{ backends: [Backend.fromServiceName('a', { port: 80 })] }] });
    expect(() => synthApp(chart)).toThrow(/HTTPRoute apps\/r spec.parentRefs\[0\]/);
  });

  test('checks a Gateway API object written as a plain ApiObject, at its own path', () => {
    const chart = chartIn('apps');
    gatewayIn(chart);
    new ApiObject(chart, 'Legacy', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'legacy' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'no-slash' } }] }] },
    });
    expect(() => synthApp(chart)).toThrow(/\[apps\/Legacy\] HTTPRoute apps\/legacy spec.rules\[0\].matches\[0\].path: value must be an absolute path/);
  });

  test('fails synth for a route attached to nothing', () => {
    const chart = chartIn('apps');
    new HttpRoute(chart, 'R', { metadata: { name: 'r' } });
    expect(() => synthApp(chart)).toThrow(/route r is not attached to any Gateway; call addParent/);
  });
});
