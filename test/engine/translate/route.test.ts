/** Route attachment, ownership of parent entries, backend resolution and unsupported values. */
import {
  classObject, CONTROLLER_NAME, expectConditions, gatewayObject, grantObject, listenerStatusOf, namespaceObject,
  parentStatusOf, routeObject, serviceObject,
} from './world';
import { RouteStatus, translate } from '../../../src/engine/translate';
import { KubeObject } from '../../../src/engine/types';

const NS = 'infra';

function world(listeners: unknown[], ...others: KubeObject[]): KubeObject[] {
  return [classObject(), gatewayObject(NS, 'gw', listeners), serviceObject(NS, 'svc'), ...others];
}

function httpRoute(namespace: string, name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return routeObject('HTTPRoute', namespace, name, {
    parentRefs: [{ name: 'gw', namespace: NS }],
    rules: [{ backendRefs: [{ name: 'svc', namespace: NS, port: 8080 }] }],
    ...spec,
  }, metadata);
}

function parentConditions(objects: KubeObject[], kind: string, namespace: string, name: string, parent = 'gw') {
  return parentStatusOf(translate(objects, { controllerName: CONTROLLER_NAME }), kind, namespace, name, parent).conditions;
}

describe('namespaces a listener admits', () => {
  const selecting = (selector: unknown) => [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector } } }];

  test('admits a route from a namespace matching matchExpressions', () => {
    const objects = world(selecting({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }),
      namespaceObject('team-a', { tier: 'api' }), httpRoute('team-a', 'r'));
    expectConditions(parentConditions(objects, 'HTTPRoute', 'team-a', 'r'), ['Accepted=True/Accepted']);
  });

  test('admits a route by the name label the API server adds, without the Namespace object', () => {
    const objects = world(selecting({ matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } }), httpRoute('team-a', 'r'));
    expectConditions(parentConditions(objects, 'HTTPRoute', 'team-a', 'r'), ['Accepted=True/Accepted']);
  });

  test('rejects a route from a namespace the selector does not match (NotAllowedByListeners)', () => {
    const objects = world(selecting({ matchLabels: { team: 'b' } }), namespaceObject('team-a', { team: 'a' }), httpRoute('team-a', 'r'));
    expectConditions(parentConditions(objects, 'HTTPRoute', 'team-a', 'r'), ['Accepted=False/NotAllowedByListeners']);
  });

  test('rejects every namespace when from is Selector without a selector', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector' } } }], httpRoute(NS, 'r'));
    expectConditions(parentConditions(objects, 'HTTPRoute', NS, 'r'), ['Accepted=False/NotAllowedByListeners']);
  });

  test('admits a route from any namespace with from All', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }], httpRoute('elsewhere', 'r'));
    expectConditions(parentConditions(objects, 'HTTPRoute', 'elsewhere', 'r'), ['Accepted=True/Accepted']);
  });

  test('attaches to the listeners that admit the route and ignores those that do not', () => {
    const objects = world([
      { name: 'same', port: 80, protocol: 'HTTP', hostname: 'a.example.com' },
      { name: 'all', port: 80, protocol: 'HTTP', hostname: 'b.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
    ], httpRoute('team-a', 'r'));
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expect([listenerStatusOf(t, NS, 'gw', 'same').attachedRoutes, listenerStatusOf(t, NS, 'gw', 'all').attachedRoutes]).toEqual([0, 1]);
  });
});

describe('parent entries', () => {
  test('writes entries only for parents that exist and are ours, echoing group, kind and namespace', () => {
    const objects = [
      ...world([{ name: 'http', port: 80, protocol: 'HTTP' }]),
      classObject('theirs', 'example.com/other'),
      { ...gatewayObject(NS, 'other-gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), spec: { gatewayClassName: 'theirs', listeners: [] } },
      httpRoute(NS, 'r', {
        parentRefs: [
          { name: 'gw', sectionName: 'http', port: 80 },
          { name: 'other-gw' },
          { name: 'absent' },
          { group: '', kind: 'Service', name: 'svc' },
        ],
      }),
    ];
    const status = translate(objects, { controllerName: CONTROLLER_NAME }).statuses.get('HTTPRoute/infra/r')!.status as RouteStatus;
    expect(status.parents.map((p) => ({ ...p, conditions: p.conditions.length }))).toEqual([{
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: NS, name: 'gw', sectionName: 'http', port: 80 },
      controllerName: CONTROLLER_NAME,
      conditions: 2,
    }]);
  });

  test('writes no status for a route none of whose parents is ours', () => {
    const t = translate([classObject(), httpRoute(NS, 'r', { parentRefs: [{ name: 'absent' }] })], { controllerName: CONTROLLER_NAME });
    expect(t.statuses.has('HTTPRoute/infra/r')).toBe(false);
  });

  test('counts a route once on a listener reached through two parentRefs, serving the hostnames of both', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP' }], httpRoute(NS, 'r', {
      parentRefs: [{ name: 'gw', sectionName: 'http' }, { name: 'gw', port: 80 }],
    }));
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expect(listenerStatusOf(t, NS, 'gw', 'http').attachedRoutes).toBe(1);
    expect((t.statuses.get('HTTPRoute/infra/r')!.status as RouteStatus).parents).toHaveLength(2);
  });

  test('rejects a route kind no selected listener serves even when another listener would (NotAllowedByListeners)', () => {
    const objects = world([
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'tcp', port: 9000, protocol: 'TCP' },
    ], routeObject('TCPRoute', NS, 't', { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'svc', port: 8080 }] }] }));
    expectConditions(parentConditions(objects, 'TCPRoute', NS, 't', 'gw/http'), ['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=True']);
  });

  test('attaches a TCPRoute to every TCP listener of the Gateway and ignores hostnames', () => {
    const objects = world([
      { name: 'a', port: 9000, protocol: 'TCP' },
      { name: 'b', port: 9001, protocol: 'TCP' },
      { name: 'http', port: 80, protocol: 'HTTP', hostname: 'x.example.com' },
    ], routeObject('TCPRoute', NS, 't', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 8080 }] }] }));
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expect(t.gateways[0].listeners.map((l) => `${l.name}:${l.routes.map((r) => `${r.name}[${r.hostnames.join()}]`).join()}`))
      .toEqual(['a:t[]', 'b:t[]', 'http:']);
  });
});

describe('backend references', () => {
  const backend = (ref: Record<string, unknown>, ...others: KubeObject[]) =>
    world([{ name: 'http', port: 80, protocol: 'HTTP' }], httpRoute(NS, 'r', { rules: [{ backendRefs: [ref] }] }), ...others);

  test.each([
    ['a Service port that does not exist', { name: 'svc', port: 9999 }, 'BackendNotFound'],
    ['a Service reference without port', { name: 'svc' }, 'BackendNotFound'],
    ['a core kind other than Service', { group: '', kind: 'Pod', name: 'svc', port: 8080 }, 'InvalidKind'],
    ['a cross-namespace Service with a grant for another Service', { name: 'api', namespace: 'apps', port: 8080 }, 'RefNotPermitted'],
  ])('fails ResolvedRefs for %s', (_, ref, reason) => {
    const grant = grantObject('apps', 'g', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: NS }], [{ group: '', kind: 'Service', name: 'other' }]);
    expectConditions(parentConditions(backend(ref, serviceObject('apps', 'api'), grant), 'HTTPRoute', NS, 'r'), [
      'Accepted=True/Accepted', `ResolvedRefs=False/${reason}`,
    ]);
  });

  test('fails ResolvedRefs for a Service port whose appProtocol an HTTPRoute cannot speak (UnsupportedProtocol)', () => {
    const objects = backend({ name: 'db', port: 5432 }, serviceObject(NS, 'db', [{ port: 5432, appProtocol: 'postgresql' }]));
    expectConditions(parentConditions(objects, 'HTTPRoute', NS, 'r'), ['ResolvedRefs=False/UnsupportedProtocol']);
  });

  test('resolves a cross-namespace Service permitted for every Service of a namespace', () => {
    const grant = grantObject('apps', 'g', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: NS }], [{ group: '', kind: 'Service' }]);
    const objects = backend({ name: 'api', namespace: 'apps', port: 8080 }, serviceObject('apps', 'api'), grant);
    expectConditions(parentConditions(objects, 'HTTPRoute', NS, 'r'), ['ResolvedRefs=True/ResolvedRefs']);
  });

  test('does not let a grant for another route kind permit an HTTPRoute', () => {
    const grant = grantObject('apps', 'g', [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: NS }], [{ group: '', kind: 'Service' }]);
    const objects = backend({ name: 'api', namespace: 'apps', port: 8080 }, serviceObject('apps', 'api'), grant);
    expectConditions(parentConditions(objects, 'HTTPRoute', NS, 'r'), ['ResolvedRefs=False/RefNotPermitted']);
  });

  test('resolves an ExternalName Service to its DNS name', () => {
    const objects = backend({ name: 'ext', port: 443 }, serviceObject(NS, 'ext', [], { type: 'ExternalName', externalName: 'api.example.com' }));
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expect(t.gateways[0].listeners[0].routes[0].rules[0].backends[0]).toMatchObject({ name: 'ext', port: 443, externalName: 'api.example.com' });
    expect(t.gateways[0].listeners[0].routes[0].rules[0].backends[0].invalid).toBeUndefined();
  });

  test('reports the first failing reference and the messages of all of them', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP' }], httpRoute(NS, 'r', {
      rules: [{ backendRefs: [{ name: 'gone', port: 8080 }, { group: 'example.com', kind: 'Thing', name: 'x' }] }],
    }));
    const resolved = parentConditions(objects, 'HTTPRoute', NS, 'r').find((c) => c.type === 'ResolvedRefs')!;
    expect(resolved.reason).toBe('BackendNotFound');
    expect(resolved.message).toBe('Service infra/gone not found; backend example.com/Thing x is not a supported kind');
  });

  test('fails ResolvedRefs for a mirror to a missing Service but keeps the rule serving', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP' }], httpRoute(NS, 'r', {
      rules: [{
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, fraction: { numerator: 1, denominator: 4 } } }],
        backendRefs: [{ name: 'svc', port: 8080 }],
      }],
    }));
    const t = translate(objects, { controllerName: CONTROLLER_NAME });
    expectConditions(parentStatusOf(t, 'HTTPRoute', NS, 'r', 'gw').conditions, ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
    const rule = t.gateways[0].listeners[0].routes[0].rules[0] as any;
    expect(rule.filters[0].requestMirror.percent).toBe(25);
    expect(rule.filters[0].requestMirror.backend.invalid.reason).toBe('BackendNotFound');
    expect(rule.backends[0].invalid).toBeUndefined();
  });
});

describe('unsupported values', () => {
  const rules = (...specRules: unknown[]) => world([{ name: 'http', port: 80, protocol: 'HTTP' }], httpRoute(NS, 'r', { rules: specRules }));
  const ok = { backendRefs: [{ name: 'svc', port: 8080 }] };

  test('drops a rule with an unknown path match type and reports the route PartiallyInvalid', () => {
    const t = translate(rules(ok, { matches: [{ path: { type: 'Glob', value: '/x*' } }], ...ok }), { controllerName: CONTROLLER_NAME });
    const conditions = parentStatusOf(t, 'HTTPRoute', NS, 'r', 'gw').conditions;
    expectConditions(conditions, ['Accepted=True/Accepted', 'PartiallyInvalid=True/UnsupportedValue']);
    expect(conditions.find((c) => c.type === 'PartiallyInvalid')!.message).toBe('Dropped Rule 1: path match type Glob is not supported');
    expect(t.gateways[0].listeners[0].routes[0].rules.map((r) => r.index)).toEqual([0]);
  });

  test('rejects a route all of whose rules are dropped (UnsupportedValue) and does not count it', () => {
    const t = translate(rules({ matches: [{ method: 'BREW' }], ...ok }), { controllerName: CONTROLLER_NAME });
    expectConditions(parentStatusOf(t, 'HTTPRoute', NS, 'r', 'gw').conditions, ['Accepted=False/UnsupportedValue']);
    expect(listenerStatusOf(t, NS, 'gw', 'http').attachedRoutes).toBe(0);
  });

  test.each([
    ['a header match type', { matches: [{ headers: [{ type: 'Prefix', name: 'x', value: 'y' }] }] }],
    ['a query match type', { matches: [{ queryParams: [{ type: 'Prefix', name: 'x', value: 'y' }] }] }],
    ['a regular expression outside the ECMAScript dialect', { matches: [{ path: { type: 'RegularExpression', value: '(?i)/api' } }] }],
    ['a filter type', { filters: [{ type: 'ExternalAuth' }] }],
    ['a redirect scheme', { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'ftp' } }] }],
    ['a redirect status code', { filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }] }],
    ['a path modifier type', { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceSuffix' } } }] }],
  ])('drops a rule with an unknown %s', (_, rule) => {
    const t = translate(rules(ok, { ...ok, ...rule }), { controllerName: CONTROLLER_NAME });
    expectConditions(parentStatusOf(t, 'HTTPRoute', NS, 'r', 'gw').conditions, ['Accepted=True', 'PartiallyInvalid=True/UnsupportedValue']);
  });

  test('keeps a rule with an ExtensionRef filter but makes it answer with an error (InvalidKind)', () => {
    const t = translate(rules({ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'a' } }], ...ok }),
      { controllerName: CONTROLLER_NAME });
    expectConditions(parentStatusOf(t, 'HTTPRoute', NS, 'r', 'gw').conditions, ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidKind']);
    const rule = t.gateways[0].listeners[0].routes[0].rules[0];
    expect(rule.invalid?.reason).toBe('InvalidKind');
    expect((rule as any).filters).toEqual([]);
  });

  test('makes a backend whose own ExtensionRef filter does not resolve answer with an error', () => {
    const t = translate(rules({
      backendRefs: [{ name: 'svc', port: 8080, filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'a' } }] }],
    }), { controllerName: CONTROLLER_NAME });
    expect(t.gateways[0].listeners[0].routes[0].rules[0].backends[0].invalid?.reason).toBe('InvalidKind');
  });

  test('drops a GRPCRoute rule with an HTTP-only filter', () => {
    const objects = world([{ name: 'http', port: 80, protocol: 'HTTP' }], routeObject('GRPCRoute', NS, 'g', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        { backendRefs: [{ name: 'svc', port: 8080 }] },
        { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'x' } }], backendRefs: [{ name: 'svc', port: 8080 }] },
      ],
    }));
    expectConditions(parentConditions(objects, 'GRPCRoute', NS, 'g'), ['Accepted=True', 'PartiallyInvalid=True/UnsupportedValue']);
  });
});
