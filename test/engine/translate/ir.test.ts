/** The data plane IR: listeners, attached routes in precedence order, rules with defaults applied. */
import { classObject, CONTROLLER_NAME, gatewayObject, routeObject, serviceObject } from './world';
import { GatewayIR, RouteIR, translate } from '../../../src/engine/translate';
import { KubeObject } from '../../../src/engine/types';

const NS = 'infra';

function gatewayIR(...objects: KubeObject[]): GatewayIR {
  const t = translate([classObject(), serviceObject(NS, 'svc', [{ name: 'web', port: 8080, targetPort: 'http' }]), ...objects], { controllerName: CONTROLLER_NAME });
  return t.gateways[0];
}

describe('IR', () => {
  test('describes an HTTPRoute rule with the API defaults applied', () => {
    const gateway = gatewayIR(
      gatewayObject(NS, 'gw', [{ name: 'http', port: 80, protocol: 'HTTP', hostname: '*.example.com' }]),
      routeObject('HTTPRoute', NS, 'r', {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['api.example.com'],
        rules: [{
          name: 'api',
          matches: [
            { path: { value: '/api' }, headers: [{ name: 'X-Env', value: 'a' }, { name: 'x-env', value: 'b' }], queryParams: [{ name: 'q', value: '1' }], method: 'GET' },
            { headers: [{ type: 'RegularExpression', name: 'x-id', value: '^[0-9]+$' }] },
          ],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-c', value: '2' }] } },
            { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
            { type: 'CORS', cors: { allowOrigins: ['https://a.example.com'] } },
          ],
          backendRefs: [{ name: 'svc', port: 8080, weight: 3 }, { name: 'svc', port: 8080 }],
          timeouts: { request: '10s' },
        }, {
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', path: { type: 'ReplaceFullPath', replaceFullPath: '/' } } }],
        }],
      }, { creationTimestamp: '2026-01-01T00:00:00Z' }),
    );
    expect(gateway).toEqual({
      namespace: NS,
      name: 'gw',
      gatewayClassName: 'gateway-conformance',
      controllerName: CONTROLLER_NAME,
      programmed: true,
      backendClientCertificate: undefined,
      listeners: [{
        name: 'http',
        port: 80,
        protocol: 'HTTP',
        hostname: '*.example.com',
        programmed: true,
        tls: undefined,
        routes: [{
          kind: 'HTTPRoute',
          namespace: NS,
          name: 'r',
          creationTimestamp: '2026-01-01T00:00:00Z',
          hostnames: ['api.example.com'],
          rules: [{
            index: 0,
            name: 'api',
            matches: [
              {
                path: { type: 'PathPrefix', value: '/api' },
                headers: [{ type: 'Exact', name: 'X-Env', value: 'a' }],
                queryParams: [{ type: 'Exact', name: 'q', value: '1' }],
                method: 'GET',
              },
              { path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'RegularExpression', name: 'x-id', value: '^[0-9]+$' }], queryParams: [] },
            ],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], add: [], remove: ['x-b'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [], add: [{ name: 'x-c', value: '2' }], remove: [] } },
              { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/v2' } } },
              {
                type: 'CORS',
                cors: { allowOrigins: ['https://a.example.com'], allowCredentials: false, allowMethods: [], allowHeaders: [], exposeHeaders: [], maxAge: 5 },
              },
            ],
            backends: [
              { group: '', kind: 'Service', namespace: NS, name: 'svc', port: 8080, weight: 3, appProtocol: undefined, portName: 'web', targetPort: 'http', filters: [] },
              { group: '', kind: 'Service', namespace: NS, name: 'svc', port: 8080, weight: 1, appProtocol: undefined, portName: 'web', targetPort: 'http', filters: [] },
            ],
            timeouts: { request: '10s' },
          }, {
            index: 1,
            matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
            filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', path: { type: 'ReplaceFullPath', value: '/' }, statusCode: 302 } }],
            backends: [],
          }],
        }],
      }],
    });
  });

  test('gives an HTTPRoute without rules the rule the API server defaults to', () => {
    const gateway = gatewayIR(
      gatewayObject(NS, 'gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      routeObject('HTTPRoute', NS, 'r', { parentRefs: [{ name: 'gw' }] }),
    );
    expect(gateway.listeners[0].routes[0].rules).toEqual([{
      index: 0,
      matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
      filters: [],
      backends: [],
    }]);
  });

  test('describes GRPCRoute matches, with no match meaning every call', () => {
    const gateway = gatewayIR(
      gatewayObject(NS, 'gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      routeObject('GRPCRoute', NS, 'g', {
        parentRefs: [{ name: 'gw' }],
        rules: [
          { matches: [{ method: { service: 'echo.Echo', method: 'Ping' }, headers: [{ name: 'x', value: 'y' }] }], backendRefs: [{ name: 'svc', port: 8080 }] },
          { backendRefs: [{ name: 'svc', port: 8080 }] },
        ],
      }),
    );
    const route = gateway.listeners[0].routes[0];
    expect(route.kind).toBe('GRPCRoute');
    expect(route.rules.map((r: any) => r.matches)).toEqual([
      [{ method: { type: 'Exact', service: 'echo.Echo', method: 'Ping' }, headers: [{ type: 'Exact', name: 'x', value: 'y' }] }],
      [],
    ]);
  });

  test('describes TLSRoute and UDPRoute rules by their backends only', () => {
    const gateway = gatewayIR(
      gatewayObject(NS, 'gw', [
        { name: 'tls', port: 443, protocol: 'TLS', hostname: '*.example.com', tls: { mode: 'Passthrough' } },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ]),
      routeObject('TLSRoute', NS, 't', { parentRefs: [{ name: 'gw' }], hostnames: ['db.example.com'], rules: [{ name: 'db', backendRefs: [{ name: 'svc', port: 8080 }] }] }),
      routeObject('UDPRoute', NS, 'u', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 8080, weight: 0 }] }] }),
    );
    const weights = (r: RouteIR) => r.rules.map((x) => ({ ...x, backends: x.backends.map((b) => b.weight) }));
    expect(gateway.listeners.map((l) => l.routes.map((r) => ({ kind: r.kind, hostnames: r.hostnames, rules: weights(r) }))))
      .toEqual([
        [{ kind: 'TLSRoute', hostnames: ['db.example.com'], rules: [{ index: 0, name: 'db', backends: [1] }] }],
        [{ kind: 'UDPRoute', hostnames: [], rules: [{ index: 0, backends: [0] }] }],
      ]);
  });

  test('orders routes on a listener oldest first, then by namespace/name, with routes not yet created last', () => {
    const route = (namespace: string, name: string, creationTimestamp?: string) => routeObject('HTTPRoute', namespace, name, {
      parentRefs: [{ name: 'gw', namespace: NS }],
    }, creationTimestamp ? { creationTimestamp } : {});
    const gateway = gatewayIR(
      gatewayObject(NS, 'gw', [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }]),
      route('b', 'new'),
      route('a', 'new'),
      route('z', 'newer', '2026-02-01T00:00:00Z'),
      route('z', 'old', '2025-01-01T00:00:00Z'),
      route('c', 'same-age', '2026-02-01T00:00:00Z'),
      { ...route('y', 'parsed'), metadata: { name: 'parsed', namespace: 'y', creationTimestamp: new Date('2025-06-01T00:00:00Z') as unknown as string } },
    );
    expect(gateway.listeners[0].routes.map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'z/old', 'y/parsed', 'c/same-age', 'z/newer', 'a/new', 'b/new',
    ]);
    expect(gateway.listeners[0].routes[1].creationTimestamp).toBe('2025-06-01T00:00:00Z');
  });

  test('keeps a listener that cannot be served in the IR, marked not programmed', () => {
    const gateway = gatewayIR(gatewayObject(NS, 'gw', [
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'missing' }] } },
    ]));
    expect(gateway.programmed).toBe(false);
    expect(gateway.listeners[0]).toMatchObject({
      name: 'https',
      programmed: false,
      tls: {
        mode: 'Terminate',
        certificates: [{ namespace: NS, name: 'missing', valid: false, invalid: { reason: 'InvalidCertificateRef', message: 'Secret infra/missing not found' } }],
        options: {},
      },
    });
  });
});
