/**
 * Each dependency the incremental engine tracks, on its own: a change translates again exactly
 * the routes that read what it changed (and rebuilds the frame or the policies only when they
 * read it), and the result is still what a full rebuild gives.
 */
import { CONTROLLER, decisions, generatedVariants, generatedWorld } from './generated-world';
import { compile, describedRequest } from '../../src/engine/compile';
import { Engine, EngineResult } from '../../src/engine/incremental';
import { GatewayIR, GatewayStatus, HttpRouteIR, RouteStatus, translate } from '../../src/engine/translate';
import * as routeModule from '../../src/engine/translate/route';
import { keyOf } from '../../src/engine/translate/snapshot';
import { KubeObject } from '../../src/engine/types';

const OPTIONS = { controllerName: CONTROLLER };
const VARIANTS = generatedVariants();

/** The variant `index` of the object with this key. */
function variant(key: string, index: number): KubeObject {
  const variants = VARIANTS.find(([first]) => keyOf(first) === key);
  if (!variants?.[index]) throw new Error(`no variant ${index} of ${key}`);
  return variants[index];
}

function expectFullRebuild(engine: Engine): void {
  const full = translate(engine.snapshot, OPTIONS);
  expect([...engine.result.statuses]).toEqual([...full.statuses]);
  expect(engine.result.gateways).toEqual(full.gateways);
  expect(engine.result.findings).toEqual(full.findings);
  expect(decisions(engine.result.table)).toEqual(decisions(compile(full.gateways)));
}

function listeners(result: EngineResult, gateway: string): Record<string, number> {
  const status = result.statuses.get(gateway)!.status as GatewayStatus;
  return Object.fromEntries(status.listeners.map((l) => [l.name, l.attachedRoutes]));
}

function conditions(result: EngineResult, route: string): string[] {
  const status = result.statuses.get(route)?.status as RouteStatus | undefined;
  return status?.parents.flatMap((p) => p.conditions.map((c) => `${p.parentRef.name}: ${c.type}=${c.status}/${c.reason}`)) ?? [];
}

function routeIR(result: EngineResult, gateway: string, listener: string, route: string): HttpRouteIR {
  const ir = result.gateways.find((g: GatewayIR) => `${g.namespace}/${g.name}` === gateway)!;
  return ir.listeners.find((l) => l.name === listener)!.routes.find((r) => `${r.namespace}/${r.name}` === route) as HttpRouteIR;
}

let engine: Engine;
beforeEach(() => {
  engine = new Engine(OPTIONS, generatedWorld());
});

describe('routes', () => {
  test('a changed route is translated again alone, and only the table parts it touches are rebuilt', () => {
    const before = engine.result;
    const untouched = before.table.gateways.get('ns-a/gw1')!.httpPorts.get(80)!.match(describedRequest({ url: 'http://b.team.com/b' }))!;
    engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 2)] });
    expect(engine.work).toEqual({ translated: ['HTTPRoute/ns-a/r1'], frameRebuilt: false, policiesRebuilt: false, gatewaysRebuilt: ['ns-a/gw1'] });
    expectFullRebuild(engine);
    const table = engine.result.table.gateways;
    expect(table.get('ns-b/gw2')).toBe(before.table.gateways.get('ns-b/gw2'));
    // Another hostname's bucket is shared: the very same candidate answers.
    expect(table.get('ns-a/gw1')!.httpPorts.get(80)!.match(describedRequest({ url: 'http://b.team.com/b' }))).toBe(untouched);
    expect(table.get('ns-a/gw1')!.httpPorts.get(80)!.match(describedRequest({ url: 'http://web.com/shared/x' }))!.route.name).toBe('r1');
  });

  test('attachedRoutes counts routes as they come and go', () => {
    expect(listeners(engine.result, 'Gateway/ns-a/gw1')).toEqual({ http: 4, team: 2, https: 1 });
    engine.update({ deletes: ['HTTPRoute/ns-a/r2'] });
    expect(listeners(engine.result, 'Gateway/ns-a/gw1')).toEqual({ http: 3, team: 1, https: 0 });
    expect(engine.work).toMatchObject({ translated: [], gatewaysRebuilt: ['ns-a/gw1'] });
    engine.update({ upserts: [variant('HTTPRoute/ns-a/r2', 0)] });
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-a/r2']);
    expect(listeners(engine.result, 'Gateway/ns-a/gw1')).toEqual({ http: 4, team: 2, https: 1 });
    expectFullRebuild(engine);
  });

  test('the older of two routes for one host and path wins, as its age changes', () => {
    const rival = (metadata: object) => ({ ...variant('HTTPRoute/ns-a/r1', 2), metadata: { name: 'r0', namespace: 'ns-a', ...metadata } });
    const winner = () => engine.result.table.gateways.get('ns-a/gw1')!.httpPorts.get(80)!.match(describedRequest({ url: 'http://web.com/shared' }))!.route.name;
    engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 2), rival({ creationTimestamp: '2024-01-01T00:00:00Z' })] });
    expect(winner()).toBe('r0');
    engine.update({ upserts: [{ ...variant('HTTPRoute/ns-a/r1', 2), metadata: { name: 'r1', namespace: 'ns-a', creationTimestamp: '2023-01-01T00:00:00Z' } }] });
    expect(winner()).toBe('r1');
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-a/r1']);
    engine.update({ upserts: [rival({})] });
    expect(winner()).toBe('r1');
    expectFullRebuild(engine);
  });
});

describe('backends', () => {
  test('a Service change translates again the routes that reference it, and no other', () => {
    engine.update({ deletes: ['Service/ns-b/svc-b'] });
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-b/r3']);
    expect(conditions(engine.result, 'HTTPRoute/ns-b/r3')).toContain('gw1: ResolvedRefs=False/BackendNotFound');
    engine.update({ upserts: [variant('Service/ns-b/svc-b', 1)] });
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-b/r3']);
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-b/r3').rules[0].backends[0].externalName).toBe('example.org');
    expectFullRebuild(engine);
  });

  test('an EndpointSlice change translates nothing and keeps every table', () => {
    const before = engine.result;
    engine.update({ upserts: [variant('EndpointSlice/ns-a/svc-a-1', 1)] });
    expect(engine.work).toEqual({ translated: [], frameRebuilt: false, policiesRebuilt: false, gatewaysRebuilt: [] });
    expect(engine.result.gateways).toEqual(before.gateways);
    for (const [key, compiled] of before.table.gateways) expect(engine.result.table.gateways.get(key)).toBe(compiled);
  });

  test('a ReferenceGrant change translates again the routes that cross into its namespace', () => {
    engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 3)] });
    expect(conditions(engine.result, 'HTTPRoute/ns-a/r1')).toContain('gw1: ResolvedRefs=True/ResolvedRefs');
    engine.update({ upserts: [variant('ReferenceGrant/ns-b/grant', 1)] });
    // r3 lives in ns-b itself: its reference needs no grant, so it did not read them.
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-a/r1']);
    expect(conditions(engine.result, 'HTTPRoute/ns-a/r1')).toContain('gw1: ResolvedRefs=False/RefNotPermitted');
    expectFullRebuild(engine);
  });

  test('a BackendTLSPolicy that does not take precedence changes no backend', () => {
    engine.update({ upserts: [variant('BackendTLSPolicy/ns-a/btp', 2)] });
    expect(engine.work).toMatchObject({ translated: [], policiesRebuilt: true, frameRebuilt: false });
    expectFullRebuild(engine);
  });

  test('the policy taking precedence for a Service changes the backends of the routes using it', () => {
    engine.update({ deletes: ['BackendTLSPolicy/ns-a/btp-older'] });
    expect([...engine.work.translated].sort()).toEqual(['GRPCRoute/ns-a/g1', 'HTTPRoute/ns-a/r1', 'HTTPRoute/ns-a/r2', 'HTTPRoute/ns-a/r4', 'HTTPRoute/ns-a/r6']);
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r2').rules[0].backends[0].tls?.hostname).toBe('svc-a.internal');
    expectFullRebuild(engine);
  });

  test('a CA ConfigMap change reaches the backends through the policy that reads it', () => {
    engine.update({ deletes: ['BackendTLSPolicy/ns-a/btp-older'], upserts: [variant('BackendTLSPolicy/ns-a/btp', 1)] });
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r2').rules[0].backends[0].invalid).toBeUndefined();
    engine.update({ upserts: [variant('ConfigMap/ns-a/ca', 1)] });
    expect(engine.work).toMatchObject({ policiesRebuilt: true, frameRebuilt: false });
    expect(engine.work.translated).toContain('HTTPRoute/ns-a/r2');
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r2').rules[0].backends[0].invalid?.reason).toBe('NoValidCACertificate');
    expectFullRebuild(engine);
  });
});

describe('parents', () => {
  test('a Namespace label change re-attaches the routes of that namespace through allowedRoutes selectors', () => {
    engine.update({ upserts: [variant('Namespace//ns-b', 1)] });
    expect(engine.work).toMatchObject({ translated: ['HTTPRoute/ns-b/r3'], frameRebuilt: false });
    expect(listeners(engine.result, 'Gateway/ns-a/gw1')).toEqual({ http: 4, team: 3, https: 1 });
    expectFullRebuild(engine);
  });

  test('a certificate Secret change rebuilds the Gateway but re-attaches no route', () => {
    engine.update({ upserts: [variant('Secret/ns-a/cert', 1)] });
    expect(engine.work).toMatchObject({ translated: [], frameRebuilt: true, policiesRebuilt: false });
    const https = (engine.result.statuses.get('Gateway/ns-a/gw1')!.status as GatewayStatus).listeners.find((l) => l.name === 'https')!;
    expect(https.conditions.find((c) => c.type === 'ResolvedRefs')!.reason).toBe('InvalidCertificateRef');
    expect(https.attachedRoutes).toBe(1);
    expectFullRebuild(engine);
  });

  test('a Gateway whose listeners change re-attaches its routes, and no other', () => {
    engine.update({ upserts: [variant('Gateway/ns-a/gw1', 1)] });
    expect([...engine.work.translated].sort()).toEqual(['GRPCRoute/ns-a/g1', 'HTTPRoute/ns-a/r1', 'HTTPRoute/ns-a/r2', 'HTTPRoute/ns-b/r3']);
    expect(conditions(engine.result, 'HTTPRoute/ns-a/r1')).toContain('gw1: Accepted=True/Accepted');
    expectFullRebuild(engine);
  });

  test('a Gateway change that its routes do not read re-attaches none', () => {
    engine.update({ upserts: [variant('Gateway/ns-a/gw1', 5)] });
    expect(engine.work).toMatchObject({ translated: [], frameRebuilt: true });
    expect((engine.result.statuses.get('Gateway/ns-a/gw1')!.status as GatewayStatus).conditions.map((c) => c.observedGeneration)).toEqual([3, 3]);
    expectFullRebuild(engine);
  });

  test('a ListenerSet moved to a Gateway that does not admit it takes its routes along', () => {
    engine.update({ upserts: [variant('ListenerSet/ns-a/ls1', 2)] });
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-a/r4']);
    expect(conditions(engine.result, 'HTTPRoute/ns-a/r4')).toContain('ls1: Accepted=False/NotAllowedByListeners');
    expectFullRebuild(engine);
  });

  test('a Gateway created for a dangling parentRef picks up its route', () => {
    expect(engine.result.statuses.has('HTTPRoute/ns-a/r6')).toBe(false);
    const nope = { ...variant('Gateway/ns-a/gw1', 0), metadata: { name: 'nope', namespace: 'ns-a' } };
    engine.update({ upserts: [{ ...nope, spec: { ...nope.spec, listeners: [{ name: 'http', port: 9090, protocol: 'HTTP' }] } }] });
    expect(engine.work.translated).toEqual(['HTTPRoute/ns-a/r6']);
    expect(conditions(engine.result, 'HTTPRoute/ns-a/r6')).toEqual(['nope: Accepted=True/Accepted', 'nope: ResolvedRefs=True/ResolvedRefs']);
    expectFullRebuild(engine);
  });

  test('a GatewayClass change reaches every Gateway of the class and their routes', () => {
    engine.update({ upserts: [variant('GatewayClass//gc', 1)] });
    expect(engine.work.frameRebuilt).toBe(true);
    expect((engine.result.statuses.get('Gateway/ns-a/gw1')!.status as GatewayStatus).conditions[0]).toMatchObject({ status: 'False', reason: 'Invalid' });
    expectFullRebuild(engine);
  });

  test('a CRD bundle-version change rebuilds the frame: SupportedVersion follows it, and a major version refuses the class', () => {
    const classConditions = () => (engine.result.statuses.get('GatewayClass//gc')!.status as any).conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`);
    expect(classConditions()).toEqual(['Accepted=True/Accepted', 'SupportedVersion=True/SupportedVersion']);
    engine.update({ upserts: [variant('CustomResourceDefinition//httproutes.gateway.networking.k8s.io', 1)] });
    expect(engine.work.frameRebuilt).toBe(true);
    expect(classConditions()).toEqual(['Accepted=True/Accepted', 'SupportedVersion=False/UnsupportedVersion']);
    expectFullRebuild(engine);
    engine.update({ upserts: [variant('CustomResourceDefinition//httproutes.gateway.networking.k8s.io', 2)] });
    expect(classConditions()).toEqual(['Accepted=False/UnsupportedVersion', 'SupportedVersion=False/UnsupportedVersion']);
    expect((engine.result.statuses.get('Gateway/ns-a/gw1')!.status as GatewayStatus).conditions[0]).toMatchObject({ status: 'False', reason: 'Invalid' });
    expectFullRebuild(engine);
    engine.update({ deletes: ['CustomResourceDefinition//httproutes.gateway.networking.k8s.io'] });
    expect(classConditions()).toEqual(['Accepted=True/Accepted', 'SupportedVersion=True/SupportedVersion']);
    expectFullRebuild(engine);
  });

  test('a Gateway client certificate is presented on its backends with TLS, the same objects from one update to the next', () => {
    engine.update({ deletes: ['BackendTLSPolicy/ns-a/btp-older'], upserts: [variant('Gateway/ns-a/gw1', 4)] });
    const presented = routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r2');
    expect(presented.rules[0].backends[0].tls?.clientCertificate).toBeDefined();
    expectFullRebuild(engine);
    engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 2)] });
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r2')).toBe(presented);
    expectFullRebuild(engine);
  });
});

describe('the engine as a whole', () => {
  test('Gateways, statuses and findings follow the input order it is given', () => {
    const keys = engine.snapshot.map(keyOf);
    const order = [...keys].reverse();
    engine.update({ order });
    expect(engine.snapshot.map(keyOf)).toEqual(order);
    expect(engine.result.gateways.map((g) => g.name)).toEqual(['gw2', 'gw1']);
    expectFullRebuild(engine);
  });

  test('rejects an order that does not name every object once, and answers right after', () => {
    const keys = engine.snapshot.map(keyOf);
    expect(() => engine.update({ order: keys.slice(1) })).toThrow(/order names/);
    expect(() => engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 2)], order: [keys[0], ...keys.slice(0, -1)] })).toThrow(/twice/);
    engine.update({});
    expectFullRebuild(engine);
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r1').hostnames).toEqual(['web.com']);
  });

  test('after a failed update keeps the previous result, and rebuilds everything on the next', () => {
    const before = engine.result;
    const spy = jest.spyOn(routeModule, 'translateRoute').mockImplementationOnce(() => {
      throw new Error('boom');
    });
    expect(() => engine.update({ upserts: [variant('HTTPRoute/ns-a/r1', 2)] })).toThrow('boom');
    spy.mockRestore();
    expect(engine.result).toBe(before);
    engine.update({});
    expect(engine.work.translated.length).toBeGreaterThan(5);
    expectFullRebuild(engine);
    expect(routeIR(engine.result, 'ns-a/gw1', 'http', 'ns-a/r1').hostnames).toEqual(['web.com']);
  });
});
