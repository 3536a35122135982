/**
 * Compiling a Gateway from its previous table: the new table answers every request as a fresh
 * compile would, shares the host buckets no changed route touches, and leaves the previous
 * table as it was (the data plane may still be reading it).
 */
import { compile, compileGateway, CompiledGateway, describedRequest, HttpPortTable, RequestFacts } from '../../../src/engine/compile';
import { GatewayIR, HttpRouteIR, ListenerIR } from '../../../src/engine/translate';
import { sortByPrecedence } from '../../../src/engine/translate/precedence';

function random(seed: number): () => number {
  let state = seed % 2 ** 32;
  return () => {
    // Below 2^53 before the modulo, so the arithmetic stays exact in doubles.
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

const HOSTS = ['a.example.com', 'b.example.com', 'x.wild.com', 'y.x.wild.com', 'plain.org'];
const PATHS = ['/', '/api', '/api/v1', '/static/x', '/exact'];
const REQUESTS: RequestFacts[] = HOSTS.flatMap((host) => PATHS.flatMap((path) => [
  describedRequest({ url: `http://${host}${path}` }),
  describedRequest({ url: `http://${host}${path}`, headers: [['x-canary', 'yes']] }),
]));

function route(name: string, hostnames: string[], paths: string[], extra: { creationTimestamp?: string; canary?: boolean } = {}): HttpRouteIR {
  return {
    kind: 'HTTPRoute',
    namespace: 'default',
    name,
    ...(extra.creationTimestamp ? { creationTimestamp: extra.creationTimestamp } : {}),
    hostnames,
    rules: [{
      index: 0,
      matches: paths.map((value) => ({
        path: { type: value === '/exact' ? 'Exact' : 'PathPrefix', value },
        headers: extra.canary ? [{ type: 'Exact', name: 'x-canary', value: 'yes' }] : [],
        queryParams: [],
      })),
      filters: [],
      backends: [{ group: '', kind: 'Service', namespace: 'default', name: `svc-${name}`, port: 80, weight: 1, filters: [] }],
    }],
  } as HttpRouteIR;
}

function gateway(routes: HttpRouteIR[], hostname?: string): GatewayIR {
  const listener: ListenerIR = { name: 'http', port: 80, protocol: 'HTTP', ...(hostname ? { hostname } : {}), programmed: true, routes: sortByPrecedence(routes) };
  return { namespace: 'default', name: 'gw', gatewayClassName: 'gc', controllerName: 'c', programmed: true, listeners: [listener] };
}

function portOf(compiled: CompiledGateway): HttpPortTable {
  return compiled.httpPorts.get(80)!;
}

function answers(port: HttpPortTable): string[] {
  return REQUESTS.map((r) => {
    const m = port.match(r);
    return m ? `${m.route.name}#${m.rule.matches.indexOf(m.match)}` : '404';
  });
}

/** A random route, by the name it is known as. */
function randomRoute(next: () => number, name: string): HttpRouteIR {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const hostnames = next() < 0.25 ? [] : [pick(['a.example.com', 'b.example.com', '*.wild.com', '*.x.wild.com'])];
  const paths = [pick(PATHS), ...(next() < 0.3 ? [pick(PATHS)] : [])];
  const age = next() < 0.5 ? `202${Math.floor(next() * 5)}-01-01T00:00:00Z` : undefined;
  return route(name, hostnames, paths, { creationTimestamp: age, canary: next() < 0.3 });
}

describe('compileGateway from the previous table', () => {
  test.each([1, 2, 3, 4, 5, 6])('answers as a fresh compile after routes are added, changed and removed (seed %i)', (seed) => {
    const next = random(seed);
    let routes = new Map<string, HttpRouteIR>();
    for (let i = 0; i < 12; i++) routes.set(`r${i}`, randomRoute(next, `r${i}`));
    let previous = compileGateway(gateway([...routes.values()]));
    for (let step = 0; step < 40; step++) {
      routes = new Map(routes);
      for (let change = Math.floor(next() * 3); change >= 0; change--) {
        const name = `r${Math.floor(next() * 16)}`;
        if (next() < 0.3) routes.delete(name); else routes.set(name, randomRoute(next, name));
      }
      const ir = gateway([...routes.values()]);
      const before = answers(portOf(previous));
      const updated = compileGateway(ir, previous);
      expect(answers(portOf(updated))).toEqual(answers(portOf(compile([ir]).gateways.get('default/gw')!)));
      expect(answers(portOf(previous))).toEqual(before);
      previous = updated;
    }
  });

  test('shares the buckets of hostnames that no changed route has', () => {
    const a = route('a', ['a.example.com'], ['/api']);
    const b = route('b', ['b.example.com'], ['/api']);
    const previous = compileGateway(gateway([a, b]));
    const untouched = portOf(previous).match(describedRequest({ url: 'http://b.example.com/api' }));
    const updated = compileGateway(gateway([route('a', ['a.example.com'], ['/static']), b]), previous);
    expect(portOf(updated).match(describedRequest({ url: 'http://b.example.com/api' }))).toBe(untouched);
    expect(portOf(updated).match(describedRequest({ url: 'http://a.example.com/api' }))).toBeUndefined();
    expect(portOf(updated).match(describedRequest({ url: 'http://a.example.com/static' }))?.route.name).toBe('a');
    expect(portOf(previous).match(describedRequest({ url: 'http://a.example.com/api' }))?.route).toBe(a);
  });

  test('ranks a route added to a bucket by its age among the routes already there', () => {
    const young = route('a-young', ['a.example.com'], ['/api'], { creationTimestamp: '2024-01-01T00:00:00Z' });
    const previous = compileGateway(gateway([young]));
    const old = route('z-old', ['a.example.com'], ['/api'], { creationTimestamp: '2020-01-01T00:00:00Z' });
    const updated = compileGateway(gateway([young, old]), previous);
    expect(portOf(updated).match(describedRequest({ url: 'http://a.example.com/api' }))?.route.name).toBe('z-old');
  });

  test('drops the bucket of a hostname whose last route left', () => {
    const a = route('a', ['a.example.com'], ['/api']);
    const any = route('any', [], ['/']);
    const updated = compileGateway(gateway([any]), compileGateway(gateway([a, any])));
    expect(portOf(updated).match(describedRequest({ url: 'http://a.example.com/api' }))?.route.name).toBe('any');
  });

  test('compiles anew when a listener changes in more than its routes', () => {
    const a = route('a', ['a.example.com'], ['/api']);
    const previous = compileGateway(gateway([a]));
    const updated = compileGateway(gateway([a], '*.example.com'), previous);
    const result = portOf(updated).match(describedRequest({ url: 'http://a.example.com/api' }))!;
    expect(result.listener.hostname).toBe('*.example.com');
    expect(portOf(updated).listenerFor('plain.org')).toBeUndefined();
  });

  test('hands back the previous table for the very same IR', () => {
    const ir = gateway([route('a', ['a.example.com'], ['/api'])]);
    const previous = compileGateway(ir);
    expect(compileGateway(ir, previous)).toBe(previous);
  });
});
