import { chartIn, only, synthApp } from './util';
import { Backend, CanaryPin, CanaryRoute, Gateway, GatewayClass, HeaderMatch, Listener, PathMatch } from '../../src';

function setup(props: Partial<ConstructorParameters<typeof CanaryRoute>[2]> = {}) {
  const chart = chartIn('apps');
  const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'ours' }, controllerName: 'example.com/c' });
  const gw = new Gateway(chart, 'Gw', { metadata: { name: 'gw' }, gatewayClass: gc, listeners: [Listener.http()] });
  const route = new CanaryRoute(chart, 'Canary', {
    metadata: { name: 'canary' },
    parents: [{ parent: gw }],
    stable: Backend.fromServiceName('app-stable', { port: 80 }),
    canary: Backend.fromServiceName('app-canary', { port: 80 }),
    ...props,
  });
  return { chart, route };
}

describe('CanaryRoute', () => {
  test('splits traffic by the canary percentage in a plain HTTPRoute', () => {
    const { chart } = setup({ canaryPercent: 10, matches: [{ path: PathMatch.prefix('/api') }] });
    const route = only(synthApp(chart), 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.rules).toStrictEqual([{
      name: 'canary-split',
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      backendRefs: [{ name: 'app-stable', port: 80, weight: 90 }, { name: 'app-canary', port: 80, weight: 10 }],
    }]);
  });

  test('moves the split without rewriting the route', () => {
    const { chart, route } = setup({ canaryPercent: 10 });
    route.updateCanaryPercent(50);
    expect(route.canaryPercent).toBe(50);
    const rules = only(synthApp(chart), 'HTTPRoute').spec.rules;
    expect(rules[0].backendRefs.map((b: any) => b.weight)).toStrictEqual([50, 50]);
  });

  test('sends everything to stable at 0 percent and keeps the canary at weight 0', () => {
    const { chart } = setup();
    expect(only(synthApp(chart), 'HTTPRoute').spec.rules[0].backendRefs.map((b: any) => b.weight)).toStrictEqual([100, 0]);
  });

  test('pins requests with a header to the canary before the split', () => {
    const { chart } = setup({
      canaryPercent: 5,
      pin: CanaryPin.header('x-canary', 'always'),
      matches: [{ path: PathMatch.prefix('/a'), headers: [HeaderMatch.exact('x-team', 'a')] }],
    });
    const rules = only(synthApp(chart), 'HTTPRoute').spec.rules;
    expect(rules[0]).toStrictEqual({
      name: 'canary-pinned',
      matches: [{
        path: { type: 'PathPrefix', value: '/a' },
        headers: [{ type: 'Exact', name: 'x-team', value: 'a' }, { type: 'Exact', name: 'x-canary', value: 'always' }],
      }],
      backendRefs: [{ name: 'app-canary', port: 80, weight: 1 }],
    });
    expect(rules[1].name).toBe('canary-split');
  });

  test('pins requests with a cookie through a Cookie header expression', () => {
    const { chart } = setup({ pin: CanaryPin.cookie('canary', 'yes') });
    const header = only(synthApp(chart), 'HTTPRoute').spec.rules[0].matches[0].headers[0];
    expect(header).toStrictEqual({ type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)canary=yes(;|$)' });
    const re = new RegExp(header.value);
    expect(['canary=yes', 'a=1; canary=yes', 'canary=yes; b=2'].every((c) => re.test(c))).toBe(true);
    expect(['canary=no', 'xcanary=yes', 'canary=yess'].some((c) => re.test(c))).toBe(false);
  });

  test('rejects a percentage out of range', () => {
    expect(() => setup({ canaryPercent: 101 })).toThrow(/canary percent 101 is out of range/);
  });

  test('rejects an invalid cookie name', () => {
    expect(() => CanaryPin.cookie('a b', 'x')).toThrow(/not a valid token/);
  });
});
