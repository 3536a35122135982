/**
 * ListenerSets: the status the 13 ListenerSet conformance tests wait for (research §d.4), on
 * the upstream manifests, then the rules behind them on small inputs.
 */
import {
  classObject, CONTROLLER_NAME, conformanceWorld, expectConditions, gatewayObject, gatewayStatusOf, INFRA, listenerSetListenerOf,
  listenerSetStatusOf, listenerStatusOf, namespaceObject, parentStatusOf, routeObject, serviceObject,
} from './world';
import { crossCheck } from '../../../src/engine/crosscheck';
import { RouteStatus, translate, Translation } from '../../../src/engine/translate';
import { KubeObject, objectKey } from '../../../src/engine/types';

const ACCEPTED_LISTENER = ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'ResolvedRefs=True/ResolvedRefs', 'Conflicted=False/NoConflicts'];
const ACCEPTED_ROUTE = ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'];
const ACCEPTED_SET = ['Accepted=True', 'Programmed=True/Programmed'];
const NOT_ALLOWED_SET = ['Accepted=False/NotAllowed', 'Programmed=False/NotAllowed'];
const INVALID_SET = ['Accepted=False/ListenersNotValid', 'Programmed=False/ListenersNotValid'];
const conflicted = (reason: string) => [`Accepted=False/${reason}`, `Programmed=False/${reason}`, `Conflicted=True/${reason}`];

interface Scenario {
  readonly title: string;
  readonly file: string;
  /** `namespace/gateway` → [conditions, attachedListenerSets] */
  readonly gateways?: Record<string, [string[], number]>;
  /** `namespace/set` → conditions */
  readonly sets?: Record<string, string[]>;
  /** `namespace/set#listener` (or `namespace/gateway##listener` for a Gateway's own) → expectation */
  readonly listeners?: Record<string, { conditions?: string[]; attachedRoutes?: number; supportedKinds?: string[] }>;
  /** `namespace/route -> parent[/sectionName]` → conditions */
  readonly routes?: Record<string, string[]>;
}

const scenarios: Scenario[] = [
  {
    title: 'refuses every ListenerSet when allowedListeners is None (ListenerSetAllowedNamespaceNone)',
    file: 'listenerset-allowed-namespace-none.yaml',
    gateways: { [`${INFRA}/gateway-does-not-allow-listenerset`]: [['Accepted=True'], 0] },
    sets: { [`${INFRA}/listenerset-not-allowed`]: NOT_ALLOWED_SET },
  },
  {
    title: 'admits only sets of the Gateway\'s namespace with Same (ListenerSetAllowedNamespaceSame)',
    file: 'listenerset-allowed-namespace-same.yaml',
    gateways: { [`${INFRA}/gateway-allows-listenerset-in-same-namespace`]: [['Accepted=True'], 1] },
    sets: {
      [`${INFRA}/listenerset-in-same-namespace`]: ACCEPTED_SET,
      'gateway-api-listenerset-not-allowed-ns/listenerset-in-different-namespace': NOT_ALLOWED_SET,
    },
    listeners: { [`${INFRA}/listenerset-in-same-namespace#listenerset-in-same-namespace-listener`]: { conditions: ACCEPTED_LISTENER } },
  },
  {
    title: 'admits sets whose namespace labels match the selector (ListenerSetAllowedNamespaceSelector)',
    file: 'listenerset-allowed-namespace-selector.yaml',
    gateways: { [`${INFRA}/gateway-allows-listenerset-in-selected-namespace`]: [['Accepted=True'], 1] },
    sets: {
      'gateway-api-listenerset-selector-allowed-ns/listenerset-in-selected-namespace': ACCEPTED_SET,
      'gateway-api-listenerset-selector-not-allowed-ns/listenerset-not-in-selected-namespace': NOT_ALLOWED_SET,
    },
  },
  {
    title: 'applies each set listener\'s allowedRoutes, Same meaning the set\'s namespace (ListenerSetAllowedRoutesNamespaces)',
    file: 'listenerset-allowed-routes-namespaces.yaml',
    gateways: { [`${INFRA}/gateway-with-listener-sets-test-allowed-routes`]: [['Accepted=True/Accepted'], 2] },
    listeners: {
      [`${INFRA}/listenerset-test-allowed-routes-namespaces#listener-set-listener-allowed-routes-all`]: { attachedRoutes: 3 },
      [`${INFRA}/listenerset-test-allowed-routes-namespaces#listener-set-listener-allowed-routes-same`]: { attachedRoutes: 1 },
      [`${INFRA}/listenerset-test-allowed-routes-namespaces#listener-set-listener-allowed-routes-selector`]: { attachedRoutes: 1 },
      'gateway-api-ls-cross-ns/listenerset-test-allowed-routes-cross-ns#listener-set-listener-allowed-routes-cross-ns-same': { attachedRoutes: 1 },
    },
    routes: {
      [`${INFRA}/route-in-same-namespace -> listenerset-test-allowed-routes-namespaces`]: ACCEPTED_ROUTE,
      'gateway-api-routes-allowed-ns/route-in-selected-namespace -> listenerset-test-allowed-routes-namespaces': ACCEPTED_ROUTE,
      'gateway-api-routes-not-allowed-ns/route-not-in-selected-namespace -> listenerset-test-allowed-routes-namespaces': ACCEPTED_ROUTE,
      'gateway-api-ls-cross-ns/route-in-listenerset-namespace -> listenerset-test-allowed-routes-cross-ns': ACCEPTED_ROUTE,
      [`${INFRA}/route-in-gateway-namespace -> listenerset-test-allowed-routes-cross-ns`]: ['Accepted=False/NotAllowedByListeners'],
    },
  },
  {
    title: 'lists only the kinds a set listener can serve (ListenerSetAllowedRoutesSupportedKinds)',
    file: 'listenerset-allowed-routes-supported-kinds.yaml',
    sets: { [`${INFRA}/listenerset-test-allowed-routes-supported-kinds`]: INVALID_SET },
    listeners: {
      [`${INFRA}/listenerset-test-allowed-routes-supported-kinds#listener-set-listener-allowed-routes-tls-only`]: {
        supportedKinds: [], conditions: ['ResolvedRefs=False/InvalidRouteKinds', 'Programmed=False/Invalid'],
      },
    },
  },
  {
    title: 'refuses sets when the Gateway says nothing about them (ListenerSetDefaultNotAllowed)',
    file: 'listenerset-default-not-allowed.yaml',
    gateways: { [`${INFRA}/gateway-default-does-not-allow-listenerset`]: [['Accepted=True/Accepted'], 0] },
    sets: { [`${INFRA}/listenerset-default-not-allowed`]: NOT_ALLOWED_SET },
  },
  {
    title: 'gives each parentRef its own verdict (ListenerSetDualParentRefIndependence)',
    file: 'listenerset-dual-parentref-independence.yaml',
    routes: {
      [`${INFRA}/route-dual-parentref-both -> gateway-dual-parentref`]: ACCEPTED_ROUTE,
      [`${INFRA}/route-dual-parentref-both -> ls-dual-parentref`]: ACCEPTED_ROUTE,
      [`${INFRA}/route-dual-parentref-one -> gateway-dual-parentref/ls-dual-parentref-listener`]: ['Accepted=False/NoMatchingParent'],
      [`${INFRA}/route-dual-parentref-one -> ls-dual-parentref/ls-dual-parentref-listener`]: ACCEPTED_ROUTE,
    },
    listeners: {
      [`${INFRA}/gateway-dual-parentref##gw-dual-parentref-listener`]: { attachedRoutes: 1 },
      [`${INFRA}/ls-dual-parentref#ls-dual-parentref-listener`]: { attachedRoutes: 2 },
    },
  },
  {
    title: 'does not find a set\'s listener through the Gateway (ListenerSetGatewayParentSectionNameNotFound)',
    file: 'listenerset-gateway-parent-section-name-not-found.yaml',
    routes: {
      [`${INFRA}/route-via-listenerset -> listenerset-section-name/ls-only-listener`]: ACCEPTED_ROUTE,
      [`${INFRA}/route-via-gateway -> gateway-section-name/ls-only-listener`]: ['Accepted=False/NoMatchingParent'],
    },
  },
  {
    title: 'attaches routes to the listeners of the parent they name (ListenerSetHTTPRouting)',
    file: 'listenerset-http-routing.yaml',
    gateways: { [`${INFRA}/gateway-with-listener-sets-http-routing`]: [['Accepted=True/Accepted', 'Programmed=True/Programmed'], 2] },
    listeners: {
      [`${INFRA}/gateway-with-listener-sets-http-routing##gateway-listener-1`]: { attachedRoutes: 3 },
      [`${INFRA}/gateway-with-listener-sets-http-routing##gateway-listener-2`]: { attachedRoutes: 2 },
      [`${INFRA}/listener-set-http-routing-1#listener-set-http-routing-1-listener-1`]: { attachedRoutes: 3, conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listener-set-http-routing-1#listener-set-http-routing-1-listener-2`]: { attachedRoutes: 2 },
      [`${INFRA}/listener-set-http-routing-2#listener-set-http-routing-2-listener-1`]: { attachedRoutes: 2 },
      [`${INFRA}/listener-set-http-routing-2#listener-set-http-routing-2-listener-2`]: { attachedRoutes: 2 },
    },
  },
  {
    title: 'lets the Gateway, then the older set, then the first by name keep a hostname (ListenerSetHostnameConflict)',
    file: 'listenerset-hostname-conflict.yaml',
    gateways: { [`${INFRA}/gateway-with-listenerset-hostname-conflict`]: [['Accepted=True/Accepted'], 2] },
    sets: {
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-1`]: ACCEPTED_SET,
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-2`]: INVALID_SET,
      [`${INFRA}/listenerset-with-hostname-conflict-with-listener-set-1`]: ACCEPTED_SET,
      [`${INFRA}/listenerset-with-hostname-conflict-with-listener-set-2`]: INVALID_SET,
    },
    listeners: {
      [`${INFRA}/gateway-with-listenerset-hostname-conflict##hostname-conflict-with-gateway-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-1#listener-set-1-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-1#hostname-conflict-with-gateway-listener`]: { conditions: conflicted('HostnameConflict') },
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-1#hostname-conflict-with-listener-set-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-hostname-conflict-with-gateway-2#hostname-conflict-with-gateway-listener`]: { conditions: conflicted('HostnameConflict') },
      [`${INFRA}/listenerset-with-hostname-conflict-with-listener-set-1#listener-set-2-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-hostname-conflict-with-listener-set-1#hostname-conflict-with-listener-set-listener`]: {
        conditions: conflicted('HostnameConflict'),
      },
      [`${INFRA}/listenerset-with-hostname-conflict-with-listener-set-2#hostname-conflict-with-listener-set-listener`]: {
        conditions: conflicted('HostnameConflict'),
      },
    },
  },
  {
    title: 'applies the same precedence to protocol conflicts (ListenerSetProtocolConflict)',
    file: 'listenerset-protocol-conflict.yaml',
    gateways: { [`${INFRA}/gateway-with-listenerset-protocol-conflict`]: [['Accepted=True/Accepted'], 2] },
    sets: {
      [`${INFRA}/listenerset-with-protocol-conflict-with-gateway-1`]: ACCEPTED_SET,
      [`${INFRA}/listenerset-with-protocol-conflict-with-gateway-2`]: INVALID_SET,
      [`${INFRA}/listenerset-with-protocol-conflict-with-listener-set-1`]: ACCEPTED_SET,
      [`${INFRA}/listenerset-with-protocol-conflict-with-listener-set-2`]: INVALID_SET,
    },
    listeners: {
      [`${INFRA}/gateway-with-listenerset-protocol-conflict##protocol-conflict-with-gateway-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-protocol-conflict-with-gateway-1#protocol-conflict-with-gateway-listener`]: { conditions: conflicted('ProtocolConflict') },
      [`${INFRA}/listenerset-with-protocol-conflict-with-gateway-1#protocol-conflict-with-listener-set-listener`]: { conditions: ACCEPTED_LISTENER },
      [`${INFRA}/listenerset-with-protocol-conflict-with-gateway-2#protocol-conflict-with-gateway-listener`]: { conditions: conflicted('ProtocolConflict') },
      [`${INFRA}/listenerset-with-protocol-conflict-with-listener-set-1#protocol-conflict-with-listener-set-listener`]: {
        conditions: conflicted('ProtocolConflict'),
      },
      [`${INFRA}/listenerset-with-protocol-conflict-with-listener-set-2#protocol-conflict-with-listener-set-listener`]: {
        conditions: conflicted('ProtocolConflict'),
      },
    },
  },
  {
    title: 'checks set certificates against grants to ListenerSets, not to the Gateway (ListenerSetReferenceGrant)',
    file: 'listenerset-reference-grant.yaml',
    gateways: { [`${INFRA}/gateway-with-listener-sets-test-reference-grant`]: [['Accepted=True/Accepted'], 1] },
    sets: {
      [`${INFRA}/listenerset-with-reference-grant`]: ['Accepted=True', 'Programmed=True'],
      'gateway-api-listener-sets-test-reference-grant-ns/listenerset-without-reference-grant': INVALID_SET,
    },
    listeners: {
      [`${INFRA}/listenerset-with-reference-grant#listenerset-with-reference-grant-listener`]: { conditions: ['ResolvedRefs=True'] },
      'gateway-api-listener-sets-test-reference-grant-ns/listenerset-without-reference-grant#listenerset-without-reference-grant-listener': {
        conditions: ['ResolvedRefs=False/RefNotPermitted'],
      },
    },
  },
  {
    title: 'reports only the parents a route names (ListenerSetRouteStatusScopedToParentRef)',
    file: 'listenerset-route-status-scoped-to-parentref.yaml',
    routes: {
      [`${INFRA}/route-parentref-gwonly -> gateway-parentref`]: ACCEPTED_ROUTE,
      [`${INFRA}/route-parentref-lsonly -> listenerset-parentref`]: ACCEPTED_ROUTE,
    },
    listeners: {
      [`${INFRA}/gateway-parentref##gw-parentref-listener`]: { attachedRoutes: 1 },
      [`${INFRA}/listenerset-parentref#listenerset-parentref-listener`]: { attachedRoutes: 1 },
    },
  },
];

const translated = new Map<string, Translation>();
function translationOf(file: string): Translation {
  let t = translated.get(file);
  if (!t) {
    t = translate(conformanceWorld(file), { controllerName: CONTROLLER_NAME });
    translated.set(file, t);
  }
  return t;
}

describe.each(scenarios)('$title', (scenario) => {
  const t = () => translationOf(scenario.file);

  const gateways = Object.entries(scenario.gateways ?? {});
  if (gateways.length > 0) {
    test.each(gateways)('Gateway %s', (key, [conditions, attached]) => {
      const [namespace, name] = key.split('/');
      const status = gatewayStatusOf(t(), namespace, name);
      expectConditions(status.conditions, conditions);
      expect(status.attachedListenerSets).toBe(attached);
    });
  }

  const sets = Object.entries(scenario.sets ?? {});
  if (sets.length > 0) {
    test.each(sets)('ListenerSet %s', (key, conditions) => {
      const [namespace, name] = key.split('/');
      const status = listenerSetStatusOf(t(), namespace, name);
      expectConditions(status.conditions, conditions);
      if (conditions.some((c) => c.endsWith('/NotAllowed'))) expect(status.listeners).toBeUndefined();
    });
  }

  const listeners = Object.entries(scenario.listeners ?? {});
  if (listeners.length > 0) {
    test.each(listeners)('listener %s', (key, expected) => {
      const own = key.includes('##');
      const [owner, listener] = key.split(own ? '##' : '#');
      const [namespace, name] = owner.split('/');
      const status = own ? listenerStatusOf(t(), namespace, name, listener) : listenerSetListenerOf(t(), namespace, name, listener);
      if (expected.conditions) expectConditions(status.conditions, expected.conditions);
      if (expected.attachedRoutes !== undefined) expect(status.attachedRoutes).toBe(expected.attachedRoutes);
      if (expected.supportedKinds) expect(status.supportedKinds.map((k) => k.kind)).toEqual(expected.supportedKinds);
    });
  }

  const routes = Object.entries(scenario.routes ?? {});
  if (routes.length > 0) {
    test.each(routes)('HTTPRoute %s', (key, conditions) => {
      const [route, parent] = key.split(' -> ');
      const [namespace, name] = route.split('/');
      expectConditions(parentStatusOf(t(), 'HTTPRoute', namespace, name, parent).conditions, conditions);
    });
  }
});

describe('ListenerSet conformance details', () => {
  test('a route\'s parent entries echo the kind of the parent it names, and only those (ListenerSetRouteStatusScopedToParentRef)', () => {
    const t = translationOf('listenerset-route-status-scoped-to-parentref.yaml');
    const parents = (name: string) => (t.statuses.get(objectKey('HTTPRoute', INFRA, name))!.status as RouteStatus).parents
      .map((p) => `${p.parentRef.kind} ${p.parentRef.namespace}/${p.parentRef.name}`);
    expect(parents('route-parentref-gwonly')).toEqual([`Gateway ${INFRA}/gateway-parentref`]);
    expect(parents('route-parentref-lsonly')).toEqual([`ListenerSet ${INFRA}/listenerset-parentref`]);
  });

  test('the IR carries the listeners of admitted sets after the Gateway\'s own, with their origin', () => {
    const gateway = translationOf('listenerset-http-routing.yaml').gateways.find((g) => g.name === 'gateway-with-listener-sets-http-routing')!;
    expect(gateway.listeners.map((l) => `${l.listenerSet?.name ?? '-'}:${l.name}:${l.programmed}`)).toEqual([
      '-:gateway-listener-1:true',
      '-:gateway-listener-2:true',
      'listener-set-http-routing-1:listener-set-http-routing-1-listener-1:true',
      'listener-set-http-routing-1:listener-set-http-routing-1-listener-2:true',
      'listener-set-http-routing-2:listener-set-http-routing-2-listener-1:true',
      'listener-set-http-routing-2:listener-set-http-routing-2-listener-2:true',
    ]);
    const listener = gateway.listeners.find((l) => l.name === 'listener-set-http-routing-1-listener-1')!;
    expect(listener.routes.map((r) => r.name)).toEqual(['attaches-to-all-listeners', 'listener-set-http-routing-1-route', 'listener-set-http-routing-1-section-route']);
    expect(listener.routes[0].hostnames).toEqual(['listener-set-http-routing-1-listener-1.com']);
  });

  test('the IR leaves out the listeners of sets the Gateway does not admit', () => {
    const gateway = translationOf('listenerset-allowed-namespace-none.yaml').gateways.find((g) => g.name === 'gateway-does-not-allow-listenerset')!;
    expect(gateway.listeners.map((l) => l.name)).toEqual(['gateway-listener']);
  });
});

const NS = 'apps';
const http = (name: string, hostname?: string, extra: Record<string, unknown> = {}) => ({
  name, port: 80, protocol: 'HTTP', ...(hostname ? { hostname } : {}), ...extra,
});
function listenerSet(namespace: string, name: string, listeners: unknown[], metadata: Record<string, unknown> = {}, gateway = 'gw'): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name, namespace, ...metadata },
    spec: { parentRef: { name: gateway, namespace: NS }, listeners },
  };
}
const allowing = (from: string, selector?: unknown) => ({ allowedListeners: { namespaces: { from, ...(selector ? { selector } : {}) } } });

describe('ListenerSet rules', () => {
  test('an older set keeps a hostname against a newer one, whatever their names', () => {
    const t = translate([
      classObject(),
      gatewayObject(NS, 'gw', [http('own', 'own.example')], allowing('Same')),
      listenerSet(NS, 'a-newer', [http('x', 'shared.example')], { creationTimestamp: '2024-02-01T00:00:00Z' }),
      listenerSet(NS, 'z-older', [http('x', 'shared.example')], { creationTimestamp: '2024-01-01T00:00:00Z' }),
    ]);
    expectConditions(listenerSetListenerOf(t, NS, 'z-older', 'x').conditions, ACCEPTED_LISTENER);
    expectConditions(listenerSetListenerOf(t, NS, 'a-newer', 'x').conditions, conflicted('HostnameConflict'));
    const finding = t.findings.find((f) => f.kind === 'ListenerSet' && f.name === 'a-newer')!;
    expect(finding).toMatchObject({ path: 'spec.listeners[0]', reason: 'HostnameConflict' });
    expect(finding.message).toContain(`ListenerSet ${NS}/z-older`);
  });

  test('listeners of one set that cannot tell their traffic apart are all conflicted, as on a Gateway', () => {
    const t = translate([
      classObject(),
      gatewayObject(NS, 'gw', [http('own', 'own.example')], allowing('Same')),
      listenerSet(NS, 'set', [http('a', 'same.example'), http('b', 'same.example'), http('c', 'other.example')]),
    ]);
    expectConditions(listenerSetListenerOf(t, NS, 'set', 'a').conditions, ['Conflicted=True/HostnameConflict']);
    expectConditions(listenerSetListenerOf(t, NS, 'set', 'b').conditions, ['Conflicted=True/HostnameConflict']);
    expectConditions(listenerSetStatusOf(t, NS, 'set').conditions, ['Accepted=True/ListenersNotValid', 'Programmed=True/Programmed']);
  });

  test('a set of a Gateway that is not accepted is not accepted either, and its listeners are not programmed', () => {
    const t = translate([
      classObject(),
      gatewayObject(NS, 'gw', [http('own')], { ...allowing('All'), infrastructure: { parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } } }),
      listenerSet(NS, 'set', [http('x', 'x.example')]),
    ]);
    expectConditions(listenerSetStatusOf(t, NS, 'set').conditions, ['Accepted=False/ParentNotAccepted', 'Programmed=False/ParentNotProgrammed']);
    expectConditions(listenerSetListenerOf(t, NS, 'set', 'x').conditions, ['Accepted=True/Accepted', 'Programmed=False/Invalid']);
    expect(gatewayStatusOf(t, NS, 'gw').attachedListenerSets).toBe(0);
  });

  test('a route naming a set the Gateway does not admit is not accepted by it', () => {
    const t = translate([
      classObject(),
      gatewayObject(NS, 'gw', [http('own')]),
      listenerSet(NS, 'set', [http('x', 'x.example', { allowedRoutes: { namespaces: { from: 'Same' } } })]),
      serviceObject(NS, 'svc'),
      routeObject('HTTPRoute', NS, 'route', {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'set' }],
        rules: [{ backendRefs: [{ name: 'svc', port: 8080 }] }],
      }),
    ]);
    expectConditions(parentStatusOf(t, 'HTTPRoute', NS, 'route', 'set').conditions, ['Accepted=False/NotAllowedByListeners']);
    expectConditions(listenerSetStatusOf(t, NS, 'set').conditions, NOT_ALLOWED_SET);
  });

  test('routes naming sets of other controllers, or sets whose Gateway is unknown, get no entry from us', () => {
    const t = translate([
      classObject(),
      classObject('theirs', 'example.com/other'),
      { ...gatewayObject(NS, 'their-gw', [http('own')], allowing('All')), spec: { gatewayClassName: 'theirs', listeners: [http('own')], ...allowing('All') } },
      listenerSet(NS, 'their-set', [http('x', 'x.example')], {}, 'their-gw'),
      listenerSet(NS, 'orphan-set', [http('x', 'x.example')], {}, 'missing-gw'),
      routeObject('HTTPRoute', NS, 'route', {
        parentRefs: [
          { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'their-set' },
          { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'orphan-set' },
        ],
      }),
    ], { controllerName: CONTROLLER_NAME });
    expect(t.statuses.has(objectKey('HTTPRoute', NS, 'route'))).toBe(false);
    expect(t.statuses.has(objectKey('ListenerSet', NS, 'their-set'))).toBe(false);
    expect(t.statuses.has(objectKey('ListenerSet', NS, 'orphan-set'))).toBe(false);
  });

  test('a Selector admission is not reported when the set\'s Namespace, and so its labels, is not in the input', () => {
    const objects = [
      classObject(),
      gatewayObject(NS, 'gw', [http('own')], allowing('Selector', { matchLabels: { team: 'edge' } })),
      listenerSet('elsewhere', 'set', [http('x', 'x.example')]),
    ];
    expect(crossCheck(objects).filter((v) => v.kind === 'ListenerSet')).toEqual([]);
    expect(crossCheck([...objects, namespaceObject('elsewhere')]).map((v) => `${v.kind} ${v.reason}`)).toEqual(['ListenerSet NotAllowed']);
    const admitted = translate([...objects, namespaceObject('elsewhere', { team: 'edge' })]);
    expectConditions(listenerSetStatusOf(admitted, 'elsewhere', 'set').conditions, ACCEPTED_SET);
  });

  test('the Gateway\'s client certificate validation binds the HTTPS listeners a set adds on its ports', () => {
    const https = { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'set.example', tls: { certificateRefs: [{ name: 'missing' }] } };
    const t = translate([
      classObject(),
      gatewayObject(NS, 'gw', [http('own')], {
        ...allowing('Same'),
        tls: { frontend: { default: { validation: { caCertificateRefs: [{ kind: 'ConfigMap', name: 'no-such-ca' }] } } } },
      }),
      listenerSet(NS, 'set', [https]),
    ]);
    expectConditions(listenerSetListenerOf(t, NS, 'set', 'https').conditions, ['Accepted=False/NoValidCACertificate']);
  });
});
