import { portOf, request, tableOf, withGateway } from './world';
import { compile } from '../../../src/engine/compile';
import { translate } from '../../../src/engine/translate';
import { CONTROLLER_NAME } from '../translate/world';

const LISTENERS = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: multi, namespace: default}
spec:
  gatewayClassName: test
  listeners:
  - {name: any, port: 8080, protocol: HTTP}
  - {name: wide, port: 8080, protocol: HTTP, hostname: "*.example.com"}
  - {name: narrow, port: 8080, protocol: HTTP, hostname: "*.a.example.com"}
  - {name: exact, port: 8080, protocol: HTTP, hostname: b.a.example.com}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: clash-1, port: 8081, protocol: HTTP, hostname: same.example.com}
  - {name: clash-2, port: 8081, protocol: HTTP, hostname: same.example.com}
`;

describe('compile', () => {
  const table = tableOf(withGateway(LISTENERS));
  const port = portOf(table, 'default/multi', 8080);

  test.each([
    ['b.a.example.com', 'exact'],
    ['c.a.example.com', 'narrow'],
    ['x.c.a.example.com', 'narrow'],
    ['a.example.com', 'wide'],
    ['example.com', 'any'],
    ['other.org', 'any'],
  ])('serves %s from listener %s', (host, listener) => {
    expect(port.listenerFor(host)?.name).toBe(listener);
  });

  test('compiles one table per HTTP port, leaving out stream and conflicted listeners', () => {
    expect([...table.gateways.keys()]).toEqual(['default/gw', 'default/multi']);
    expect([...table.gateways.get('default/multi')!.httpPorts.keys()]).toEqual([8080]);
    expect(port.protocol).toBe('HTTP');
    expect(port.listeners.map((l) => l.name)).toEqual(['any', 'wide', 'narrow', 'exact']);
  });

  test('answers 404 when no listener serves the host', () => {
    const only = portOf(tableOf(withGateway(LISTENERS.replace('  - {name: any, port: 8080, protocol: HTTP}\n', ''))), 'default/multi', 8080);
    expect(only.listenerFor('example.com')).toBeUndefined();
    expect(only.match(request('GET http://example.com/'))).toBeUndefined();
    expect(only.trace(request('GET http://example.com/'))).toEqual({ steps: [] });
  });

  test('compiles no port for a Gateway that is not programmed', () => {
    const gateways = translate(withGateway(''), { controllerName: CONTROLLER_NAME }).gateways.map((g) => ({ ...g, programmed: false }));
    expect(compile(gateways).gateways.get('default/gw')!.httpPorts.size).toBe(0);
  });

  test('traces every candidate tested before the winner, with why it failed', () => {
    const traced = portOf(tableOf(withGateway(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [h.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}, method: POST}, {path: {type: PathPrefix, value: /a}, headers: [{name: x, value: "1"}]}]
  - matches: [{path: {type: PathPrefix, value: /}}]
`)), 'default/gw', 80).trace(request('GET http://h.example.com/a?q=1', 'x: 2'));
    expect(traced.listener?.name).toBe('http');
    expect(traced.steps.map((s) => [s.hostname, s.candidate.rule.index, s.failure])).toEqual([
      ['h.example.com', 0, 'method GET is not POST'],
      ['h.example.com', 0, 'header x is "2", wanted "1"'],
      ['h.example.com', 1, undefined],
    ]);
    expect(traced.result?.rule.index).toBe(1);
  });
});
