/**
 * The GATEWAY-HTTP conformance tests of Gateway API v1.6.1 (research/gateway-api.md §d),
 * ported to run against `cdk8s-gateway serve` without a cluster. One `describe` per upstream
 * test, named by its ShortName; each request or status assertion is one jest test. Results go
 * to RESULTS_FILE for scripts/conformance-report.ts.
 *
 * Runs by default (the test task compiles lib/ first, which `serve` runs from); CONFORMANCE=0
 * skips it for a quick local run.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { send, sendH2c, webSocketRoundTrip } from './client';
import {
  APP, Backends, CLASS_NAME, CONTROLLER_NAME, distribution, Exchange, describeExchange, exchange, findCondition, INFRA,
  K8sObject, mirroredTo, runtimeKeyPair, Scenario, ScenarioOptions, ServedGateway, serveUnavailable, StatusView, WEB,
} from './harness';
import { Recorder } from './results';
import { conformanceRuntimeObjects } from '../util/conformance-runtime';
import { SHARED_DIR } from '../util/shared';

const ENABLED = process.env.CONFORMANCE !== '0';
jest.setTimeout(60_000);

const NEEDS_CLUSTER = 'needs a cluster';
const EXPERIMENTAL = 'experimental channel feature';

/** Every GATEWAY-HTTP test that has no `describe` below, with why. */
const NOT_RUN: Record<string, string> = {
  GatewayInfrastructure: `${NEEDS_CLUSTER}: checks the resources an implementation generates for a Gateway`,
  GatewayStaticAddresses: `${NEEDS_CLUSTER}: address assignment`,
  GatewayOptionalAddressValue: `${NEEDS_CLUSTER}: address assignment`,
  HTTPRouteInvalidParentRefNotMatchingListenerPort: `${EXPERIMENTAL} (HTTPRouteDestinationPortMatching)`,
  HTTPRouteRetry: `${EXPERIMENTAL} (HTTPRouteRetry)`,
};

const SAME = `${INFRA}/same-namespace`;
const recorder = new Recorder();
const ported = new Set<string>();
let backends: Backends | undefined;

interface Context {
  scenario(): Scenario;
  status(): Promise<StatusView>;
}

/**
 * Registers one upstream test. The scenario is built lazily inside the first check so that a
 * failure to start `serve` is recorded against each check instead of aborting the describe.
 */
function conformance(shortName: string, options: ScenarioOptions, body: (ctx: Context, check: Check) => void): void {
  ported.add(shortName);
  describe(shortName, () => {
    let scenario: Scenario | undefined;
    let status: Promise<StatusView> | undefined;
    const ctx: Context = {
      scenario: () => {
        if (!backends) throw new Error('echo backends did not start');
        scenario ??= Scenario.create(backends, options);
        return scenario;
      },
      status: () => (status ??= ctx.scenario().status()),
    };
    afterAll(async () => {
      await scenario?.close();
    });
    body(ctx, (name, fn) => {
      test(name, async () => {
        try {
          await fn();
          recorder.record(shortName, { name, passed: true });
        } catch (err) {
          recorder.record(shortName, { name, passed: false, message: err instanceof Error ? err.message.split('\n')[0] : String(err) });
          throw err;
        }
      });
    });
  });
}

type Check = (name: string, fn: () => Promise<void> | void) => void;

function manifests(...files: string[]): ScenarioOptions {
  return { manifests: files.map(f => `tests/${f}`) };
}

/** One check per exchange, all through the `serve` of one Gateway. */
function requests(ctx: Context, check: Check, gateway: string, exchanges: Exchange[]): void {
  for (const e of exchanges) {
    check(describeExchange(e), async () => {
      const served = await ctx.scenario().gateway(gateway);
      const { problems } = await exchange(served, e);
      expect(problems).toEqual([]);
    });
  }
}

function conditionOf(conditions: Array<{ type: string; status: string; reason?: string }>, type: string): [string, string | undefined] | undefined {
  const c = findCondition(conditions, type);
  return c ? [c.status, c.reason] : undefined;
}

/** Upstream's first step in most tests: each route Accepted and ResolvedRefs on each of its parents. */
function routesAccepted(ctx: Context, check: Check, routes: Array<[string, string, string]>): void {
  check(`routes ${routes.map(r => r[1]).join(', ')} are Accepted with resolved refs`, async () => {
    const status = await ctx.status();
    for (const [namespace, name, gateway] of routes) {
      const [gwNamespace, gwName] = gateway.split('/');
      const conditions = status.routeConditions(namespace, name, gwNamespace, gwName);
      expect({ route: name, accepted: conditionOf(conditions, 'Accepted')?.[0], resolved: conditionOf(conditions, 'ResolvedRefs')?.[0] })
        .toEqual({ route: name, accepted: 'True', resolved: 'True' });
    }
  });
}

function routeCondition(
  ctx: Context, check: Check, route: [string, string], gateway: string, type: string, statusValue: string, reason?: string,
): void {
  check(`HTTPRoute ${route[1]} reports ${type}=${statusValue}${reason ? ` (${reason})` : ''} for ${gateway}`, async () => {
    const [gwNamespace, gwName] = gateway.split('/');
    const c = findCondition((await ctx.status()).routeConditions(route[0], route[1], gwNamespace, gwName), type);
    expect([c?.status, reason === undefined ? undefined : c?.reason]).toEqual([statusValue, reason]);
  });
}

interface ListenerExpectation {
  readonly attachedRoutes?: number;
  readonly conditions?: Record<string, [string, string?]>;
  readonly supportedKinds?: string[];
}

function listenerState(ctx: Context, check: Check, gateway: string, listener: string, expected: ListenerExpectation): void {
  check(`Gateway ${gateway} listener ${listener} reports ${JSON.stringify(expected)}`, async () => {
    const [namespace, name] = gateway.split('/');
    const l = (await ctx.status()).listener(namespace, name, listener);
    if (expected.attachedRoutes !== undefined) expect(l.attachedRoutes).toBe(expected.attachedRoutes);
    for (const [type, [statusValue, reason]] of Object.entries(expected.conditions ?? {})) {
      const c = findCondition(l.conditions ?? [], type);
      expect([type, c?.status, reason === undefined ? undefined : c?.reason]).toEqual([type, statusValue, reason]);
    }
    if (expected.supportedKinds) expect((l.supportedKinds ?? []).map((k: any) => k.kind).sort()).toEqual(expected.supportedKinds);
  });
}

function gatewayCondition(ctx: Context, check: Check, gateway: string, type: string, statusValue: string, reason?: string): void {
  check(`Gateway ${gateway} reports ${type}=${statusValue}${reason ? ` (${reason})` : ''}`, async () => {
    const [namespace, name] = gateway.split('/');
    const c = findCondition((await ctx.status()).gatewayConditions(namespace, name), type);
    expect([c?.status, reason === undefined ? undefined : c?.reason]).toEqual([statusValue, reason]);
  });
}

/** A parent as a route's `parentRefs` names it; kind Gateway unless given. */
interface ParentRef {
  readonly kind?: 'Gateway' | 'ListenerSet';
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
}

function parentLabel(p: ParentRef): string {
  return `${p.kind ?? 'Gateway'} ${p.namespace}/${p.name}${p.sectionName ? `/${p.sectionName}` : ''}`;
}

/** The route's status entry for this parentRef (any sectionName unless given): the harness lookup ignores kind, which ListenerSet tests cannot. */
function parentEntry(status: StatusView, route: [string, string], parent: ParentRef): { parentRef: any; conditions: any[] } | undefined {
  return status.routeParents(route[0], route[1]).find(e => (e.parentRef?.kind ?? 'Gateway') === (parent.kind ?? 'Gateway')
    && e.parentRef?.name === parent.name
    && (e.parentRef?.namespace ?? route[0]) === parent.namespace
    && (parent.sectionName === undefined || e.parentRef?.sectionName === parent.sectionName));
}

function routeParentCondition(
  ctx: Context, check: Check, route: [string, string], parent: ParentRef, type: string, statusValue: string, reason?: string,
): void {
  check(`HTTPRoute ${route[1]} reports ${type}=${statusValue}${reason ? ` (${reason})` : ''} for ${parentLabel(parent)}`, async () => {
    const entry = parentEntry(await ctx.status(), route, parent);
    const c = findCondition(entry?.conditions ?? [], type);
    expect([c?.status, reason === undefined ? undefined : c?.reason]).toEqual([statusValue, reason]);
  });
}

/** Upstream's parents check with exact matching: the route reports on these parentRefs and no other. */
function routeParentsExactly(ctx: Context, check: Check, route: [string, string], parents: ParentRef[]): void {
  check(`HTTPRoute ${route[1]} reports exactly the parents ${parents.map(parentLabel).join(', ')}, all Accepted`, async () => {
    const entries: any[] = (await ctx.status()).routeParents(route[0], route[1]);
    const labels = entries.map(e => parentLabel({
      kind: e.parentRef?.kind ?? 'Gateway', namespace: e.parentRef?.namespace ?? route[0], name: e.parentRef?.name, sectionName: e.parentRef?.sectionName,
    }));
    expect(labels.sort()).toEqual(parents.map(parentLabel).sort());
    for (const e of entries) {
      expect([e.parentRef?.name, e.controllerName, findCondition(e.conditions ?? [], 'Accepted')?.status])
        .toEqual([e.parentRef?.name, CONTROLLER_NAME, 'True']);
    }
  });
}

function listenerSetCondition(ctx: Context, check: Check, listenerSet: string, type: string, statusValue: string, reason?: string): void {
  check(`ListenerSet ${listenerSet} reports ${type}=${statusValue}${reason ? ` (${reason})` : ''}`, async () => {
    const [namespace, name] = listenerSet.split('/');
    const c = findCondition((await ctx.status()).object('ListenerSet', namespace, name).status?.conditions ?? [], type);
    expect([c?.status, reason === undefined ? undefined : c?.reason]).toEqual([statusValue, reason]);
  });
}

/** What upstream calls accepted listener conditions: resolved, accepted, programmed, not conflicted, any reason. */
const LISTENER_OK: Record<string, [string, string?]> = {
  ResolvedRefs: ['True'], Accepted: ['True'], Programmed: ['True'], Conflicted: ['False'],
};

function listenerSetListener(ctx: Context, check: Check, listenerSet: string, listener: string, expected: ListenerExpectation): void {
  check(`ListenerSet ${listenerSet} listener ${listener} reports ${JSON.stringify(expected)}`, async () => {
    const [namespace, name] = listenerSet.split('/');
    const l = ((await ctx.status()).object('ListenerSet', namespace, name).status?.listeners ?? []).find((e: any) => e.name === listener);
    if (!l) throw new Error(`ListenerSet ${listenerSet} has no status for listener ${listener}`);
    if (expected.attachedRoutes !== undefined) expect(l.attachedRoutes).toBe(expected.attachedRoutes);
    for (const [type, [statusValue, reason]] of Object.entries(expected.conditions ?? {})) {
      const c = findCondition(l.conditions ?? [], type);
      expect([type, c?.status, reason === undefined ? undefined : c?.reason]).toEqual([type, statusValue, reason]);
    }
    if (expected.supportedKinds) expect((l.supportedKinds ?? []).map((k: any) => k.kind).sort()).toEqual(expected.supportedKinds);
  });
}

function attachedListenerSets(ctx: Context, check: Check, gateway: string, count: number): void {
  check(`Gateway ${gateway} reports ${count} attached ListenerSets`, async () => {
    const [namespace, name] = gateway.split('/');
    expect((await ctx.status()).object('Gateway', namespace, name).status?.attachedListenerSets ?? 0).toBe(count);
  });
}

/** Each route Accepted with resolved refs on one parentRef (a ListenerSet or a Gateway). */
function routesAcceptedOn(ctx: Context, check: Check, routes: string[], parent: ParentRef, namespace = INFRA): void {
  check(`routes ${routes.join(', ')} are Accepted with resolved refs on ${parentLabel(parent)}`, async () => {
    const status = await ctx.status();
    for (const route of routes) {
      const entry = parentEntry(status, [namespace, route], parent);
      expect({ route, accepted: conditionOf(entry?.conditions ?? [], 'Accepted')?.[0], resolved: conditionOf(entry?.conditions ?? [], 'ResolvedRefs')?.[0] })
        .toEqual({ route, accepted: 'True', resolved: 'True' });
    }
  });
}

/** Each condition a policy reports for one ancestor Gateway, as upstream's BackendTLSPolicyMustHaveCondition reads it. */
function policyCondition(ctx: Context, check: Check, policy: string, gateway: string, type: string, statusValue: string, reason?: string): void {
  check(`BackendTLSPolicy ${policy} reports ${type}=${statusValue}${reason ? ` (${reason})` : ''} for ${gateway}`, async () => {
    const [gwNamespace, gwName] = gateway.split('/');
    const c = findCondition((await ctx.status()).policyConditions('BackendTLSPolicy', INFRA, policy, gwNamespace, gwName), type);
    expect([c?.status, reason === undefined ? undefined : c?.reason]).toEqual([statusValue, reason]);
  });
}

/** Upstream's "latest conditions": every condition speaks for the object's current generation. */
function latestConditions(conditions: Array<{ type: string; observedGeneration?: number }>, generation: number): void {
  expect(conditions.length).toBeGreaterThan(0);
  for (const c of conditions) expect([c.type, c.observedGeneration]).toEqual([c.type, generation]);
}

/** Marks an object as edited once, as an update through the API server would. */
function bumpGeneration(kind: string, name: string, change: (o: K8sObject) => void): (objects: K8sObject[]) => void {
  return objects => {
    const target = objects.find(o => o.kind === kind && o.metadata.name === name);
    if (!target) throw new Error(`no ${kind} ${name} to edit`);
    change(target);
    target.metadata.generation = 2;
  };
}

const suite = ENABLED ? describe : describe.skip;

suite(ENABLED ? 'GATEWAY-HTTP conformance against serve' : 'GATEWAY-HTTP conformance against serve (skipped: CONFORMANCE=0)', () => {
  beforeAll(async () => {
    const unavailable = serveUnavailable();
    if (unavailable) throw new Error(unavailable);
    backends = await Backends.start();
  });
  afterAll(async () => {
    await backends?.close();
    for (const [name, reason] of Object.entries(NOT_RUN)) recorder.skip(name, reason);
    recorder.write(CONTROLLER_NAME);
  });

  test('covers every GATEWAY-HTTP test of the suite, ported or with a reason not to run it', () => {
    const suiteMeta = JSON.parse(fs.readFileSync(path.join(SHARED_DIR, 'gateway-api', 'derived', 'conformance-tests.json'), 'utf8')) as {
      tests: Array<{ shortName: string; profiles: string[] }>;
    };
    const names = suiteMeta.tests.filter(t => t.profiles.includes('GATEWAY-HTTP')).map(t => t.shortName);
    expect(names.filter(n => !ported.has(n) && NOT_RUN[n] === undefined)).toEqual([]);
    expect([...ported, ...Object.keys(NOT_RUN)].filter(n => !names.includes(n))).toEqual([]);
  });

  conformance('HTTPRouteSimpleSameNamespace', manifests('httproute-simple-same-namespace.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'gateway-conformance-infra-test', SAME]]);
    requests(ctx, check, SAME, [{ host: 'example.com', path: '/', backend: 'infra-backend-v1' }]);
  });

  conformance('HTTPRouteCrossNamespace', manifests('httproute-cross-namespace.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[WEB, 'cross-namespace', `${INFRA}/backend-namespaces`]]);
    requests(ctx, check, `${INFRA}/backend-namespaces`, [{ host: 'example.com', path: '/', backend: 'web-backend', namespace: WEB }]);
  });

  conformance('HTTPRouteExactPathMatching', manifests('httproute-exact-path-matching.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'exact-matching', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/one', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/two', backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/', status: 404 },
      { host: 'example.com', path: '/one/example', status: 404 },
      { host: 'example.com', path: '/two/', status: 404 },
      { host: 'example.com', path: '/Two', status: 404 },
    ]);
  });

  conformance('HTTPRouteHeaderMatching', manifests('httproute-header-matching.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'header-matching', SAME]]);
    const h = (headers: Record<string, string>, backend?: string): Exchange =>
      ({ host: 'example.com', path: '/', headers, ...(backend ? { backend } : { status: 404 }) });
    requests(ctx, check, SAME, [
      h({ Version: 'one' }, 'infra-backend-v1'),
      h({ Version: 'two' }, 'infra-backend-v2'),
      h({ Version: 'two', Color: 'orange' }, 'infra-backend-v1'),
      h({ VERSION: 'one' }, 'infra-backend-v1'),
      h({ Color: 'blue' }, 'infra-backend-v1'),
      h({ Color: 'green' }, 'infra-backend-v1'),
      h({ Color: 'red' }, 'infra-backend-v2'),
      h({ Color: 'yellow' }, 'infra-backend-v2'),
      h({ Version: 'three' }),
      h({ Color: 'purple' }),
    ]);
  });

  conformance('HTTPRouteHostnameIntersection', manifests('httproute-hostname-intersection.yaml'), (ctx, check) => {
    const gw = `${INFRA}/httproute-hostname-intersection`;
    const all = `${INFRA}/httproute-hostname-intersection-all`;
    routeCondition(ctx, check, [INFRA, 'no-intersecting-hosts'], gw, 'Accepted', 'False', 'NoMatchingListenerHostname');
    listenerState(ctx, check, gw, 'listener-1', { attachedRoutes: 2 });
    listenerState(ctx, check, gw, 'listener-2', { attachedRoutes: 1 });
    listenerState(ctx, check, gw, 'listener-3', { attachedRoutes: 1 });
    const r = (host: string, p: string, backend?: string): Exchange => ({ host, path: p, ...(backend ? { backend } : { status: 404 }) });
    requests(ctx, check, gw, [
      r('very.specific.com', '/s1', 'infra-backend-v1'),
      r('non.matching.com', '/s1'),
      r('foo.nonmatchingwildcard.io', '/s1'),
      r('foo.wildcard.io', '/s2', 'infra-backend-v2'),
      r('bar.wildcard.io', '/s2', 'infra-backend-v2'),
      r('foo.bar.wildcard.io', '/s2', 'infra-backend-v2'),
      r('wildcard.io', '/s2'),
      r('very.specific.com', '/s3', 'infra-backend-v3'),
      r('foo.specific.com', '/s3'),
      r('foo.anotherwildcard.io', '/s4', 'infra-backend-v1'),
      r('foo.bar.anotherwildcard.io', '/s4', 'infra-backend-v1'),
      r('anotherwildcard.io', '/s4'),
      r('specific.but.wrong.com', '/s5'),
      r('wildcard.io', '/s5'),
    ]);
    requests(ctx, check, all, [
      r('first.com', '/', 'infra-backend-v2'),
      r('sub.first.com', '/', 'infra-backend-v2'),
      r('second.com', '/', 'infra-backend-v2'),
      r('sub.second.com', '/', 'infra-backend-v2'),
      r('third.com', '/'),
    ]);
  });

  const HTTPS = `${INFRA}/same-namespace-with-https-listener`;
  conformance('HTTPRouteHTTPSListener', manifests('httproute-https-listener.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'httproute-https-test', HTTPS], [INFRA, 'httproute-https-test-no-hostname', HTTPS]]);
    requests(ctx, check, HTTPS, [
      { host: 'example.org', path: '/', port: 443, tls: true, backend: 'infra-backend-v1' },
      { host: 'second-example.org', path: '/', port: 443, tls: true, backend: 'infra-backend-v2' },
      { host: 'unknown-example.org', path: '/', port: 443, tls: true, status: 404 },
    ]);
  });

  conformance('HTTPRouteHTTPSListenerDetectMisdirectedRequests', manifests('httproute-https-listener-detect-misdirected-requests.yaml'), (ctx, check) => {
    const p = '/detect-misdirected-requests';
    requests(ctx, check, HTTPS, [
      { host: 'example.org', path: p, port: 443, tls: true, backend: 'infra-backend-v1' },
      { host: 'second-example.org', path: p, port: 443, tls: true, backend: 'infra-backend-v2' },
      { host: 'foo.wildcard.org', path: p, port: 443, tls: true, backend: 'infra-backend-v3' },
      { host: 'fourth-example.wildcard.org', path: p, port: 443, tls: true, backend: 'infra-backend-v1' },
      { host: 'second-example.org', serverName: 'example.org', path: p, port: 443, tls: true, status: 421 },
      { host: 'fourth-example.wildcard.org', serverName: 'foo.wildcard.org', path: p, port: 443, tls: true, status: 421 },
      { host: 'unknown.example', path: p, port: 443, tls: true, status: 404 },
    ]);
  });

  const invalidBackend = (shortName: string, file: string, route: string, reason: string) =>
    conformance(shortName, manifests(file), (ctx, check) => {
      routeCondition(ctx, check, [INFRA, route], SAME, 'Accepted', 'True');
      routeCondition(ctx, check, [INFRA, route], SAME, 'ResolvedRefs', 'False', reason);
      requests(ctx, check, SAME, [{ host: 'example.com', path: '/', status: 500 }]);
    });
  invalidBackend('HTTPRouteInvalidBackendRefUnknownKind', 'httproute-invalid-backendref-unknown-kind.yaml', 'invalid-backend-ref-unknown-kind', 'InvalidKind');
  invalidBackend('HTTPRouteInvalidCrossNamespaceBackendRef', 'httproute-invalid-cross-namespace-backend-ref.yaml', 'invalid-cross-namespace-backend-ref', 'RefNotPermitted');
  invalidBackend('HTTPRouteInvalidNonExistentBackendRef', 'httproute-invalid-nonexistent-backendref.yaml', 'invalid-nonexistent-backend-ref', 'BackendNotFound');
  invalidBackend('HTTPRouteInvalidReferenceGrant', 'httproute-invalid-reference-grant.yaml', 'reference-grant', 'RefNotPermitted');

  conformance('HTTPRoutePartiallyInvalidViaInvalidReferenceGrant', manifests('httproute-partially-invalid-via-invalid-reference-grant.yaml'), (ctx, check) => {
    routeCondition(ctx, check, [INFRA, 'invalid-reference-grant'], SAME, 'Accepted', 'True');
    routeCondition(ctx, check, [INFRA, 'invalid-reference-grant'], SAME, 'ResolvedRefs', 'False', 'RefNotPermitted');
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/v2', status: 500 },
      { host: 'example.com', path: '/', backend: 'app-backend-v1', namespace: APP },
    ]);
  });

  conformance('HTTPRouteReferenceGrant', manifests('httproute-reference-grant.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'reference-grant', SAME]]);
    requests(ctx, check, SAME, [{ host: 'example.com', path: '/', backend: 'web-backend', namespace: WEB }]);
    check('without the ReferenceGrant the same request answers 500', async () => {
      if (!backends) throw new Error('echo backends did not start');
      const withoutGrant = Scenario.create(backends, {
        manifests: ['tests/httproute-reference-grant.yaml'],
        edit: objects => objects.splice(objects.findIndex(o => o.kind === 'ReferenceGrant'), 1),
      });
      try {
        const { problems } = await exchange(await withoutGrant.gateway(SAME), { host: 'example.com', path: '/', status: 500 });
        expect(problems).toEqual([]);
      } finally {
        await withoutGrant.close();
      }
    });
  });

  const notAttached = (shortName: string, file: string, route: [string, string], gateway: string, reason: string) =>
    conformance(shortName, manifests(file), (ctx, check) => {
      routeCondition(ctx, check, route, gateway, 'Accepted', 'False', reason);
      listenerState(ctx, check, gateway, 'http', { attachedRoutes: 0 });
    });
  notAttached('HTTPRouteInvalidCrossNamespaceParentRef', 'httproute-invalid-cross-namespace-parent-ref.yaml', [WEB, 'invalid-cross-namespace-parent-ref'], SAME, 'NotAllowedByListeners');
  notAttached('HTTPRouteInvalidParentRefNotMatchingSectionName', 'httproute-invalid-parentref-not-matching-section-name.yaml', [INFRA, 'httproute-listener-not-matching-section-name'], SAME, 'NoMatchingParent');
  notAttached('HTTPRouteInvalidParentRefSectionNameNotMatchingPort', 'httproute-invalid-parentref-section-name-not-matching-port.yaml',
    [INFRA, 'httproute-listener-section-name-not-matching-port'], `${INFRA}/gateway-with-one-not-matching-port-and-section-name-route`, 'NoMatchingParent');

  conformance('HTTPRouteListenerHostnameMatching', manifests('httproute-listener-hostname-matching.yaml'), (ctx, check) => {
    const gw = `${INFRA}/httproute-listener-hostname-matching`;
    routesAccepted(ctx, check, [[INFRA, 'backend-v1', gw], [INFRA, 'backend-v2', gw], [INFRA, 'backend-v3', gw]]);
    requests(ctx, check, gw, [
      { host: 'bar.com', path: '/', backend: 'infra-backend-v1' },
      { host: 'foo.bar.com', path: '/', backend: 'infra-backend-v2' },
      { host: 'baz.bar.com', path: '/', backend: 'infra-backend-v3' },
      { host: 'boo.bar.com', path: '/', backend: 'infra-backend-v3' },
      { host: 'multiple.prefixes.bar.com', path: '/', backend: 'infra-backend-v3' },
      { host: 'multiple.prefixes.foo.com', path: '/', backend: 'infra-backend-v3' },
      { host: 'foo.com', path: '/', status: 404 },
      { host: 'no.matching.host', path: '/', status: 404 },
    ]);
  });

  conformance('HTTPRouteListenerPortMatching', manifests('httproute-listener-port-matching.yaml'), (ctx, check) => {
    const gw = `${INFRA}/httproute-listener-port-matching`;
    routesAccepted(ctx, check, [[INFRA, 'backend-v1', gw], [INFRA, 'backend-v2', gw], [INFRA, 'backend-v3', gw]]);
    requests(ctx, check, gw, [
      { host: 'foo.com', path: '/', port: 80, backend: 'infra-backend-v1' },
      { host: 'foo.com', path: '/', port: 8080, backend: 'infra-backend-v2' },
      { host: 'bar.com', path: '/', port: 8080, backend: 'infra-backend-v2' },
      { host: 'foo.com', path: '/', port: 8090, backend: 'infra-backend-v3' },
      { host: 'bar.com', path: '/', port: 8090, status: 404 },
      { host: 'bar.com', path: '/', port: 80, status: 404 },
    ]);
  });

  conformance('HTTPRouteMatching', manifests('httproute-matching.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'matching', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/example', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/', headers: { Version: 'one' }, backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/v2', backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/v2/example', backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/', headers: { Version: 'two' }, backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/v2example', backend: 'infra-backend-v1' },
    ]);
  });

  conformance('HTTPRouteMatchingAcrossRoutes', manifests('httproute-matching-across-routes.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'matching-part1', SAME], [INFRA, 'matching-part2', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/', backend: 'infra-backend-v1' },
      { host: 'example.net', path: '/example', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/', headers: { Version: 'one' }, backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/v2', backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/v2/example', backend: 'infra-backend-v2' },
      { host: 'example.com', path: '/', headers: { Version: 'two' }, backend: 'infra-backend-v2' },
      { host: 'example.net', path: '/v2', backend: 'infra-backend-v1' },
      { host: 'example.net', path: '/', headers: { Version: 'two' }, backend: 'infra-backend-v1' },
    ]);
  });

  conformance('HTTPRouteMethodMatching', manifests('httproute-method-matching.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'method-matching', SAME]]);
    const m = (method: string, p: string, backend?: string, headers?: Record<string, string>): Exchange =>
      ({ host: 'example.com', method, path: p, headers, ...(backend ? { backend } : { status: 404 }) });
    requests(ctx, check, SAME, [
      m('POST', '/', 'infra-backend-v1'),
      m('GET', '/', 'infra-backend-v2'),
      m('GET', '/path1', 'infra-backend-v1'),
      m('PUT', '/', 'infra-backend-v2', { version: 'one' }),
      m('POST', '/path2', 'infra-backend-v3', { version: 'two' }),
      m('PATCH', '/path3', 'infra-backend-v1'),
      m('DELETE', '/path4', 'infra-backend-v1', { version: 'three' }),
      m('POST', '/path5', 'infra-backend-v1'),
      m('PATCH', '/', 'infra-backend-v2'),
      m('DELETE', '/', 'infra-backend-v3', { version: 'four' }),
      m('PUT', '/'),
      m('DELETE', '/path4'),
      m('HEAD', '/path3'),
    ]);
  });

  conformance('HTTPRouteMultipleGateways', manifests('httproute-multiple-gateways.yaml'), (ctx, check) => {
    const all = `${INFRA}/all-namespaces`;
    routesAccepted(ctx, check, [[INFRA, 'multiple-gateways-shared-route', SAME], [INFRA, 'multiple-gateways-shared-route', all]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/shared', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/', backend: 'infra-backend-v2' },
    ]);
    requests(ctx, check, all, [
      { host: 'example.com', path: '/shared', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/', backend: 'infra-backend-v3' },
    ]);
  });

  conformance('HTTPRouteNamedRule', manifests('httproute-named-rule.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'http-named-rules', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/named', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/unnamed', backend: 'infra-backend-v2' },
    ]);
  });

  conformance('HTTPRouteNoBackendRefs', manifests('httproute-omitted-backendrefs.yaml'), (ctx, check) => {
    routeCondition(ctx, check, [INFRA, 'omitted-backendrefs'], SAME, 'Accepted', 'True');
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/omitted-no-forward', status: 500 },
      { host: 'example.com', path: '/empty-no-forward', status: 500 },
      { host: 'example.com', path: '/', backend: 'infra-backend-v1' },
    ]);
  });

  conformance('HTTPRoutePathMatchOrder', manifests('httproute-path-match-order.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'path-matching-order', SAME]]);
    const r = (p: string, backend: string): Exchange => ({ host: 'example.com', path: p, backend });
    requests(ctx, check, SAME, [
      r('/match/exact/one', 'infra-backend-v3'),
      r('/match/exact', 'infra-backend-v2'),
      r('/match', 'infra-backend-v1'),
      r('/match/prefix/one/extra', 'infra-backend-v2'),
      r('/match/prefix/one', 'infra-backend-v2'),
      r('/match/prefix/two', 'infra-backend-v1'),
      r('/match/exact/two', 'infra-backend-v3'),
      r('/match/any', 'infra-backend-v3'),
    ]);
  });

  conformance('HTTPRouteQueryParamMatching', manifests('httproute-query-param-matching.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'query-param-matching', SAME]]);
    const q = (p: string, backend?: string, headers?: Record<string, string>): Exchange =>
      ({ host: 'example.com', path: p, headers, ...(backend ? { backend } : { status: 404 }) });
    requests(ctx, check, SAME, [
      q('/?animal=whale', 'infra-backend-v1'),
      q('/?animal=dolphin', 'infra-backend-v2'),
      q('/?animal=dolphin&color=blue', 'infra-backend-v3'),
      q('/?ANIMAL=Whale', 'infra-backend-v3'),
      q('/path1?animal=whale', 'infra-backend-v1'),
      q('/?animal=whale', 'infra-backend-v2', { version: 'one' }),
      q('/path2?animal=whale', 'infra-backend-v3', { version: 'two' }),
      q('/path3?animal=shark', 'infra-backend-v1'),
      q('/path4?animal=kraken', 'infra-backend-v1', { version: 'three' }),
      q('/path5?animal=hydra', 'infra-backend-v1'),
      q('/?animal=hydra', 'infra-backend-v2'),
      q('/', 'infra-backend-v3', { version: 'four' }),
      q('/?animal=whale&otherparam=irrelevant', 'infra-backend-v1'),
      q('/?color=blue'),
      q('/?animal=shark'),
    ]);
  });

  const H = 'redirect.example';
  const redirect = (p: string, location: string, status = 302, extra: Partial<Exchange> = {}): Exchange =>
    ({ host: H, path: p, status, location, ...extra });

  conformance('HTTPRouteRedirectHostAndStatus', manifests('httproute-redirect-host-and-status.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'redirect-host-and-status', SAME]]);
    requests(ctx, check, SAME, [
      redirect('/hostname-redirect', 'http://example.org/hostname-redirect'),
      redirect('/host-and-status', 'http://example.org/host-and-status', 301),
    ]);
  });

  conformance('HTTPRouteRedirectPath', manifests('httproute-redirect-path.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'redirect-path', SAME]]);
    requests(ctx, check, SAME, [
      redirect('/original-prefix/lemon', `http://${H}/replacement-prefix/lemon`),
      redirect('/full/path/original', `http://${H}/full-path-replacement`),
      redirect('/path-and-host', 'http://example.org/replacement-prefix'),
      redirect('/path-and-status', `http://${H}/replacement-prefix`, 301),
      redirect('/full-path-and-host', 'http://example.org/replacement-full'),
      redirect('/full-path-and-status', `http://${H}/replacement-full`, 301),
    ]);
  });

  conformance('HTTPRouteRedirectPort', manifests('httproute-redirect-port.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'redirect-port', SAME]]);
    requests(ctx, check, SAME, [
      redirect('/port', `http://${H}:8083/port`),
      redirect('/port-and-host', 'http://example.org:8083/port-and-host'),
      redirect('/port-and-status', `http://${H}:8083/port-and-status`, 301),
      redirect('/port-and-host-and-status', 'http://example.org:8083/port-and-host-and-status', 302),
    ]);
  });

  conformance('HTTPRouteRedirectScheme', manifests('httproute-redirect-scheme.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'redirect-scheme', SAME]]);
    requests(ctx, check, SAME, [
      redirect('/scheme', `https://${H}/scheme`),
      redirect('/scheme-and-host', 'https://example.org/scheme-and-host'),
      redirect('/scheme-and-status', `https://${H}/scheme-and-status`, 301),
      redirect('/scheme-and-host-and-status', 'https://example.org/scheme-and-host-and-status', 302),
    ]);
  });

  conformance('HTTPRouteRedirectPortAndScheme', manifests('httproute-redirect-port-and-scheme.yaml'), (ctx, check) => {
    const on8080 = `${INFRA}/same-namespace-with-http-listener-on-8080`;
    const r = (p: string, location: string, extra: Partial<Exchange> = {}): Exchange =>
      ({ host: 'example.org', path: p, status: 302, location, ...extra });
    requests(ctx, check, SAME, [
      r('/scheme-nil-and-port-nil', 'http://example.org/scheme-nil-and-port-nil'),
      r('/scheme-nil-and-port-80', 'http://example.org/scheme-nil-and-port-80'),
      r('/scheme-nil-and-port-8080', 'http://example.org:8080/scheme-nil-and-port-8080'),
      r('/scheme-https-and-port-nil', 'https://example.org/scheme-https-and-port-nil'),
      r('/scheme-https-and-port-443', 'https://example.org/scheme-https-and-port-443'),
      r('/scheme-https-and-port-8443', 'https://example.org:8443/scheme-https-and-port-8443'),
    ]);
    requests(ctx, check, on8080, [
      r('/scheme-nil-and-port-nil', 'http://example.org:8080/scheme-nil-and-port-nil', { port: 8080 }),
      r('/scheme-nil-and-port-80', 'http://example.org/scheme-nil-and-port-80', { port: 8080 }),
      r('/scheme-https-and-port-nil', 'https://example.org/scheme-https-and-port-nil', { port: 8080 }),
    ]);
    const tls = { port: 443, tls: true };
    requests(ctx, check, HTTPS, [
      r('/scheme-nil-and-port-nil', 'https://example.org/scheme-nil-and-port-nil', tls),
      r('/scheme-nil-and-port-443', 'https://example.org/scheme-nil-and-port-443', tls),
      r('/scheme-nil-and-port-8443', 'https://example.org:8443/scheme-nil-and-port-8443', tls),
      r('/scheme-http-and-port-nil', 'http://example.org/scheme-http-and-port-nil', tls),
      r('/scheme-http-and-port-80', 'http://example.org/scheme-http-and-port-80', tls),
      r('/scheme-http-and-port-8080', 'http://example.org:8080/scheme-http-and-port-8080', tls),
    ]);
  });

  for (const [shortName, file, code, prefix] of [
    ['HTTPRoute303Redirect', 'httproute-303-redirect.yaml', 303, '/see-other'],
    ['HTTPRoute307Redirect', 'httproute-307-redirect.yaml', 307, '/temporary'],
    ['HTTPRoute308Redirect', 'httproute-308-redirect.yaml', 308, '/permanent'],
  ] as const) {
    conformance(shortName, manifests(file), (ctx, check) => {
      requests(ctx, check, SAME, [redirect(prefix, `http://${H}${prefix}`, code, { method: 'POST' })]);
    });
  }

  /** The request/expectation pairs upstream uses for set, add and remove, rule- or backend-level alike. */
  const headerModifierCases = (): Exchange[] => {
    const e = (p: string, headers: Record<string, string>, seenHeaders: Record<string, string>, absentHeaders: string[] = []): Exchange =>
      ({ host: 'example.com', path: p, headers, backend: 'infra-backend-v1', seen: { headers: seenHeaders, absentHeaders } });
    return [
      e('/set', { 'Some-Other-Header': 'val' }, { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' }),
      e('/set', { 'X-Header-Set': 'some-other-value' }, { 'X-Header-Set': 'set-overwrites-values' }),
      e('/add', { 'Some-Other-Header': 'val' }, { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' }),
      e('/add', { 'X-Header-Add': 'some-other-value' }, { 'X-Header-Add': 'some-other-value,add-appends-values' }),
      e('/remove', { 'X-Header-Remove': 'val' }, {}, ['X-Header-Remove']),
      e('/multiple', { 'X-Header-Set-2': 'set-val', 'X-Header-Add-2': 'add-val', 'X-Header-Remove-2': 'remove-val' }, {
        'X-Header-Set-1': 'header-set-1',
        'X-Header-Set-2': 'header-set-2',
        'X-Header-Add-1': 'header-add-1',
        'X-Header-Add-2': 'add-val,header-add-2',
        'X-Header-Add-3': 'header-add-3',
      }, ['X-Header-Remove-1', 'X-Header-Remove-2']),
      e('/case-insensitivity', { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove' }, {
        'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add',
      }, ['X-Header-Remove']),
    ];
  };

  conformance('HTTPRouteRequestHeaderModifier', manifests('httproute-request-header-modifier.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-header-modifier', SAME]]);
    requests(ctx, check, SAME, headerModifierCases());
  });

  conformance('HTTPRouteBackendRequestHeaderModifier', manifests('httproute-request-header-modifier-backend.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-header-modifier', SAME]]);
    requests(ctx, check, SAME, headerModifierCases());
  });

  conformance('HTTPRouteRequestHeaderModifierBackendWeights', manifests('httproute-request-header-modifier-backend-weights.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-header-modifier-backend-weights', SAME]]);
    check('each backend sees only its own filter, and both receive traffic', async () => {
      const served = await ctx.scenario().gateway(SAME);
      const seen: Record<string, number> = {};
      for (let i = 0; i < 40; i++) {
        const { problems, echo } = await exchange(served, { host: 'example.com', path: '/' });
        expect(problems).toEqual([]);
        const deployment = echo!.pod.split('-').slice(0, -2).join('-');
        expect([deployment, echo!.headers.Backend]).toEqual([deployment, [deployment]]);
        seen[deployment] = (seen[deployment] ?? 0) + 1;
      }
      expect(Object.keys(seen).sort()).toEqual(['infra-backend-v1', 'infra-backend-v2']);
    });
  });

  conformance('HTTPRouteResponseHeaderModifier', manifests('httproute-response-header-modifier.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'response-header-modifier', SAME]]);
    const e = (p: string, backendSets: string | undefined, responseHeaders: Record<string, string>, absentResponseHeaders: string[] = []): Exchange =>
      ({ host: 'example.com', path: p, headers: backendSets ? { 'X-Echo-Set-Header': backendSets } : undefined, backend: 'infra-backend-v1', responseHeaders, absentResponseHeaders });
    requests(ctx, check, SAME, [
      e('/set', undefined, { 'X-Header-Set': 'set-overwrites-values' }),
      e('/set', 'X-Header-Set:some-other-value', { 'X-Header-Set': 'set-overwrites-values' }),
      e('/add', undefined, { 'X-Header-Add': 'add-appends-values' }),
      e('/add', 'X-Header-Add:some-other-value', { 'X-Header-Add': 'some-other-value,add-appends-values' }),
      e('/remove', 'X-Header-Remove:val', {}, ['X-Header-Remove']),
      e('/multiple', 'X-Header-Set-2:set-val,X-Header-Add-2:add-val,X-Header-Remove-2:remove-val', {
        'X-Header-Set-1': 'header-set-1',
        'X-Header-Set-2': 'header-set-2',
        'X-Header-Add-1': 'header-add-1',
        'X-Header-Add-2': 'add-val,header-add-2',
        'X-Header-Add-3': 'header-add-3',
      }, ['X-Header-Remove-1', 'X-Header-Remove-2']),
      e('/case-insensitivity', 'x-header-set:original-val-set,x-header-add:original-val-add,x-header-remove:original-val-remove', {
        'X-Header-Set': 'header-set',
        'X-Header-Add': 'original-val-add,header-add',
        'X-Lowercase-Add': 'lowercase-add',
        'X-Mixedcase-Add-1': 'mixedcase-add-1',
        'X-Mixedcase-Add-2': 'mixedcase-add-2',
        'X-Uppercase-Add': 'uppercase-add',
      }, ['X-Header-Remove']),
      e('/response-and-request-header-modifiers', 'X-Header-Remove-1:val', {
        'X-Header-Set-1': 'header-set-1', 'X-Header-Add-1': 'header-add-1',
      }, ['X-Header-Remove-1']),
    ]);
  });

  const modifiedHeaders = {
    send: { 'X-Header-Set': 'some-other-value', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Remove': 'remove-val' },
    seen: { 'X-Header-Set': 'set-overwrites-values', 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2' },
    absent: ['X-Header-Remove'],
  };

  conformance('HTTPRouteRewriteHost', manifests('httproute-rewrite-host.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'rewrite-host', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'rewrite.example', path: '/one', backend: 'infra-backend-v1', seen: { host: 'one.example.org' } },
      { host: 'rewrite.example', path: '/', backend: 'infra-backend-v2', seen: { host: 'example.org' } },
      {
        host: 'rewrite.example',
        path: '/rewrite-host-and-modify-headers',
        headers: modifiedHeaders.send,
        backend: 'infra-backend-v2',
        seen: { host: 'test.example.org', headers: modifiedHeaders.seen, absentHeaders: modifiedHeaders.absent },
      },
    ]);
  });

  conformance('HTTPRouteRewritePath', manifests('httproute-rewrite-path.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'rewrite-path', SAME]]);
    const r = (p: string, seenPath: string, extra: Partial<Exchange> = {}): Exchange =>
      ({ host: 'example.com', path: p, backend: 'infra-backend-v1', ...extra, seen: { path: seenPath, ...extra.seen } });
    const modify = { headers: modifiedHeaders.send, seen: { headers: modifiedHeaders.seen, absentHeaders: modifiedHeaders.absent } };
    requests(ctx, check, SAME, [
      r('/prefix/one/two', '/one/two'),
      r('/strip-prefix/three', '/three'),
      r('/strip-prefix', '/'),
      r('/full/one/two', '/one'),
      r('/full/rewrite-path-and-modify-headers/test', '/test', modify),
      r('/prefix/rewrite-path-and-modify-headers/one', '/prefix/one', modify),
    ]);
  });

  const mirrorCase = (ctx: Context, check: Check, prefix: string, mirrors: string[], modify: boolean) => {
    check(`${prefix} reaches infra-backend-v1 and is mirrored to ${mirrors.join(', ')}`, async () => {
      const p = `${prefix}?gateway-api-conformance-request-id=${randomUUID()}`;
      const { problems } = await exchange(await ctx.scenario().gateway(SAME), {
        host: 'example.com',
        path: p,
        backend: 'infra-backend-v1',
        ...(modify ? { headers: modifiedHeaders.send, seen: { headers: modifiedHeaders.seen, absentHeaders: modifiedHeaders.absent } } : {}),
      });
      expect(problems).toEqual([]);
      for (const mirror of mirrors) expect([mirror, await mirroredTo(backends!, INFRA, mirror, p)]).toEqual([mirror, true]);
    });
  };

  conformance('HTTPRouteRequestMirror', manifests('httproute-request-mirror.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-mirror', SAME]]);
    mirrorCase(ctx, check, '/mirror', ['infra-backend-v2'], false);
    mirrorCase(ctx, check, '/mirror-and-modify-headers', ['infra-backend-v2'], true);
  });

  conformance('HTTPRouteRequestMultipleMirrors', manifests('httproute-request-multiple-mirrors.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-multiple-mirrors', SAME]]);
    mirrorCase(ctx, check, '/multi-mirror', ['infra-backend-v2', 'infra-backend-v3'], false);
    mirrorCase(ctx, check, '/multi-mirror-and-modify-request-headers', ['infra-backend-v2', 'infra-backend-v3'], true);
  });

  conformance('HTTPRouteTimeoutRequest', manifests('httproute-timeout-request.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-timeout', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/request-timeout', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/request-timeout?delay=1s', status: 504 },
      { host: 'example.com', path: '/disable-request-timeout?delay=1s', backend: 'infra-backend-v1' },
    ]);
  });

  conformance('HTTPRouteTimeoutBackendRequest', manifests('httproute-timeout-backend-request.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backend-request-timeout', SAME]]);
    requests(ctx, check, SAME, [
      { host: 'example.com', path: '/backend-timeout', backend: 'infra-backend-v1' },
      { host: 'example.com', path: '/backend-timeout?delay=1s', status: 504 },
      { host: 'example.com', path: '/disable-backend-timeout?delay=1s', backend: 'infra-backend-v1' },
    ]);
  });

  conformance('HTTPRouteWeight', manifests('httproute-weight.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'weighted-backends', SAME]]);
    check('500 requests split 70/30/0 within 5 points', async () => {
      const counts = await distribution(await ctx.scenario().gateway(SAME), 'example.com', '/');
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const share = (b: string) => ((counts[b] ?? 0) * 100) / total;
      expect(Object.keys(counts).filter(k => !k.startsWith('infra-backend-v'))).toEqual([]);
      expect(Math.abs(share('infra-backend-v1') - 70)).toBeLessThanOrEqual(5);
      expect(Math.abs(share('infra-backend-v2') - 30)).toBeLessThanOrEqual(5);
      expect(counts['infra-backend-v3'] ?? 0).toBe(0);
    });
  });

  conformance('HTTPRouteBackendProtocolH2C', manifests('httproute-backend-protocol-h2c.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backend-protocol-h2c', SAME]]);
    check('an h2c request reaches infra-backend-v1 over HTTP/2', async () => {
      const served = await ctx.scenario().gateway(SAME);
      const res = await sendH2c(served.port(80), 'example.com', '/');
      expect(res.status).toBe(200);
      const echo = JSON.parse(res.body);
      expect([echo.pod.startsWith('infra-backend-v1-'), echo.proto]).toEqual([true, 'HTTP/2.0']);
    });
  });

  conformance('HTTPRouteBackendProtocolWebSocket', manifests('httproute-backend-protocol-websocket.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backend-protocol-ws', SAME]]);
    check('a WebSocket message on /ws comes back from the backend', async () => {
      const served = await ctx.scenario().gateway(SAME);
      expect(await webSocketRoundTrip(served.port(80), 'example.com', '/ws', 'Test')).toBe('Test');
    });
  });

  conformance('HTTPRouteServiceTypes', {
    manifests: ['tests/httproute-service-types.yaml'],
    manualEndpoints: { [`${INFRA}/manual-endpointslices`]: 'infra-backend-v1', [`${INFRA}/headless-manual-endpointslices`]: 'infra-backend-v1' },
  }, (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'service-types', SAME]]);
    requests(ctx, check, SAME, ['/manual-endpointslices', '/headless', '/headless-manual-endpointslices']
      .map(p => ({ host: 'example.com', path: p, backend: 'infra-backend-v1' })));
  });

  conformance('HTTPRouteObservedGenerationBump', {
    ...manifests('httproute-observed-generation-bump.yaml'),
    edit: bumpGeneration('HTTPRoute', 'observed-generation-bump', o => o.spec.rules[0].backendRefs[0].name = 'infra-backend-v2'),
  }, (ctx, check) => {
    check('every parent condition of the edited route carries observedGeneration 2', async () => {
      const parents = (await ctx.status()).routeParents(INFRA, 'observed-generation-bump');
      expect(parents.length).toBeGreaterThan(0);
      for (const p of parents) for (const c of p.conditions) expect([c.type, c.observedGeneration]).toEqual([c.type, 2]);
    });
  });

  conformance('GatewayHTTPListenerIsolation', manifests('gateway-http-listener-isolation.yaml'), (ctx, check) => {
    const gw = `${INFRA}/http-listener-isolation`;
    const paths = ['/empty-hostname', '/wildcard-example-com', '/wildcard-foo-example-com', '/abc-foo-example-com'];
    const only = (host: string, served: string): Exchange[] => paths.map(p =>
      p === served ? { host, path: p, backend: 'infra-backend-v1' } : { host, path: p, status: 404 });
    requests(ctx, check, gw, [
      ...only('bar.com', '/empty-hostname'),
      ...only('bar.example.com', '/wildcard-example-com'),
      ...only('bar.foo.example.com', '/wildcard-foo-example-com'),
      ...only('abc.foo.example.com', '/abc-foo-example-com'),
    ]);
  });

  conformance('GatewayWithAttachedRoutes', manifests('gateway-with-attached-routes.yaml'), (ctx, check) => {
    listenerState(ctx, check, `${INFRA}/gateway-with-one-attached-route`, 'http', { attachedRoutes: 1 });
    listenerState(ctx, check, `${INFRA}/gateway-with-two-attached-routes`, 'http', { attachedRoutes: 2 });
    listenerState(ctx, check, `${INFRA}/unresolved-gateway-with-one-attached-unresolved-route`, 'tls', {
      attachedRoutes: 1, conditions: { ResolvedRefs: ['False', 'InvalidCertificateRef'] },
    });
    routeCondition(ctx, check, [INFRA, 'http-route-not-accepted'], `${INFRA}/gateway-with-two-attached-routes`, 'Accepted', 'False', 'NoMatchingListenerHostname');
    routeCondition(ctx, check, [INFRA, 'http-route-4'], `${INFRA}/unresolved-gateway-with-one-attached-unresolved-route`, 'ResolvedRefs', 'False', 'BackendNotFound');
  });

  conformance('GatewayWithAttachedRoutesWithPort8080', manifests('gateway-with-attached-routes-with-port-8080.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-with-two-listeners-and-one-attached-route`;
    listenerState(ctx, check, gw, 'http', { attachedRoutes: 1 });
    listenerState(ctx, check, gw, 'http-unattached', { attachedRoutes: 0 });
  });

  conformance('GatewayInvalidRouteKind', manifests('gateway-invalid-route-kind.yaml'), (ctx, check) => {
    listenerState(ctx, check, `${INFRA}/gateway-only-invalid-route-kind`, 'http', {
      supportedKinds: [], conditions: { ResolvedRefs: ['False', 'InvalidRouteKinds'] },
    });
    listenerState(ctx, check, `${INFRA}/gateway-supported-and-invalid-route-kind`, 'http', {
      supportedKinds: ['HTTPRoute'], conditions: { ResolvedRefs: ['False', 'InvalidRouteKinds'] },
    });
  });

  conformance('GatewayInvalidTLSConfiguration', manifests('gateway-invalid-tls-configuration.yaml'), (ctx, check) => {
    for (const name of ['nonexistent-secret', 'unsupported-group', 'unsupported-kind', 'malformed-secret']) {
      listenerState(ctx, check, `${INFRA}/gateway-certificate-${name}`, 'https', {
        conditions: { ResolvedRefs: ['False', 'InvalidCertificateRef'], Programmed: ['False'] },
      });
    }
  });

  conformance('GatewayListenerUnsupportedProtocol', manifests('gateway-invalid-listeners-unsupported-protocol.yaml'), (ctx, check) => {
    gatewayCondition(ctx, check, `${INFRA}/gateway-only-unsupported-protocols`, 'Accepted', 'False', 'ListenersNotValid');
    listenerState(ctx, check, `${INFRA}/gateway-only-unsupported-protocols`, 'invalid', { conditions: { Accepted: ['False', 'UnsupportedProtocol'] } });
    gatewayCondition(ctx, check, `${INFRA}/gateway-supported-and-unsupported-protocols`, 'Accepted', 'True');
    listenerState(ctx, check, `${INFRA}/gateway-supported-and-unsupported-protocols`, 'http', { conditions: { Accepted: ['True'] } });
    listenerState(ctx, check, `${INFRA}/gateway-supported-and-unsupported-protocols`, 'invalid', { conditions: { Accepted: ['False', 'UnsupportedProtocol'] } });
  });

  conformance('GatewayInvalidParametersRef', manifests('gateway-invalid-parameters-ref.yaml'), (ctx, check) => {
    gatewayCondition(ctx, check, `${INFRA}/gateway-invalid-parameters-ref`, 'Accepted', 'False', 'InvalidParameters');
  });

  for (const [shortName, file, ok] of [
    ['GatewaySecretInvalidReferenceGrant', 'gateway-secret-invalid-reference-grant', false],
    ['GatewaySecretMissingReferenceGrant', 'gateway-secret-missing-reference-grant', false],
    ['GatewaySecretReferenceGrantAllInNamespace', 'gateway-secret-reference-grant-all-in-namespace', true],
    ['GatewaySecretReferenceGrantSpecific', 'gateway-secret-reference-grant-specific', true],
  ] as const) {
    conformance(shortName, manifests(`${file}.yaml`), (ctx, check) => {
      listenerState(ctx, check, `${INFRA}/${file}`, 'https', {
        conditions: ok
          ? { ResolvedRefs: ['True'], Programmed: ['True'], Accepted: ['True'] }
          : { ResolvedRefs: ['False', 'RefNotPermitted'], Programmed: ['False'] },
      });
    });
  }

  conformance('GatewayObservedGenerationBump', {
    ...manifests('gateway-observed-generation-bump.yaml'),
    edit: bumpGeneration('Gateway', 'gateway-observed-generation-bump', o => o.spec.listeners.push({
      name: 'http-2', hostname: 'foo.com', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } },
    })),
  }, (ctx, check) => {
    check('Gateway and listener conditions carry observedGeneration 2 after the edit', async () => {
      const status = await ctx.status();
      const gw = status.object('Gateway', INFRA, 'gateway-observed-generation-bump');
      const conditions = [...(gw.status?.conditions ?? []), ...(gw.status?.listeners ?? []).flatMap((l: any) => l.conditions ?? [])];
      expect(conditions.length).toBeGreaterThan(0);
      for (const c of conditions) expect([c.type, c.observedGeneration]).toEqual([c.type, 2]);
    });
  });

  conformance('GatewayClassObservedGenerationBump', {
    ...manifests('gatewayclass-observed-generation-bump.yaml'),
    edit: bumpGeneration('GatewayClass', 'gatewayclass-observed-generation-bump', o => o.spec.description = 'edited by the conformance harness'),
  }, (ctx, check) => {
    check('GatewayClass conditions carry observedGeneration 2 after the edit', async () => {
      const gc = (await ctx.status()).object('GatewayClass', undefined, 'gatewayclass-observed-generation-bump');
      const conditions: any[] = gc.status?.conditions ?? [];
      expect(findCondition(conditions, 'Accepted')?.status).toBe('True');
      for (const c of conditions) expect([c.type, c.observedGeneration]).toEqual([c.type, 2]);
    });
  });
  // ListenerSet listeners are bound by the parent Gateway's serve, so every request goes through the Gateway's process.
  const LS_ROUTING_GW = `${INFRA}/gateway-with-listener-sets-http-routing`;
  conformance('ListenerSetHTTPRouting', manifests('listenerset-http-routing.yaml'), (ctx, check) => {
    const [, gwName] = LS_ROUTING_GW.split('/');
    gatewayCondition(ctx, check, LS_ROUTING_GW, 'Accepted', 'True');
    routesAcceptedOn(ctx, check, ['attaches-to-all-listeners', 'gateway-route', 'gateway-section-route'], { namespace: INFRA, name: gwName });
    attachedListenerSets(ctx, check, LS_ROUTING_GW, 2);
    const sets: Array<[string, string[], Record<string, number>]> = [
      ['listener-set-http-routing-1', ['attaches-to-all-listeners', 'listener-set-http-routing-1-route', 'listener-set-http-routing-1-section-route'],
        { 'listener-set-http-routing-1-listener-1': 3, 'listener-set-http-routing-1-listener-2': 2 }],
      ['listener-set-http-routing-2', ['attaches-to-all-listeners', 'listener-set-http-routing-2-route'],
        { 'listener-set-http-routing-2-listener-1': 2, 'listener-set-http-routing-2-listener-2': 2 }],
    ];
    for (const [set, routes, listeners] of sets) {
      listenerSetCondition(ctx, check, `${INFRA}/${set}`, 'Accepted', 'True');
      routesAcceptedOn(ctx, check, routes, { kind: 'ListenerSet', namespace: INFRA, name: set });
      for (const [listener, attached] of Object.entries(listeners)) {
        listenerSetListener(ctx, check, `${INFRA}/${set}`, listener, { attachedRoutes: attached, supportedKinds: ['GRPCRoute', 'HTTPRoute'], conditions: LISTENER_OK });
      }
    }
    const hosts = ['gateway-listener-1.com', 'gateway-listener-2.com',
      'listener-set-http-routing-1-listener-1.com', 'listener-set-http-routing-1-listener-2.com',
      'listener-set-http-routing-2-listener-1.com', 'listener-set-http-routing-2-listener-2.com'];
    // Path → [backend, hosts that reach it]; every other host must answer 404.
    const served: Array<[string, string, string[]]> = [
      ['/route', 'infra-backend-v1', hosts],
      ['/gateway-route', 'infra-backend-v2', hosts.slice(0, 2)],
      ['/gateway-section-route', 'infra-backend-v3', hosts.slice(0, 1)],
      ['/listener-set-http-routing-1-route', 'infra-backend-v2', hosts.slice(2, 4)],
      ['/listener-set-http-routing-1-section-route', 'infra-backend-v3', hosts.slice(2, 3)],
      ['/listener-set-http-routing-2-route', 'infra-backend-v2', hosts.slice(4, 6)],
    ];
    requests(ctx, check, LS_ROUTING_GW, served.flatMap(([p, backend, reach]) => hosts.map((host): Exchange =>
      reach.includes(host) ? { host, path: p, backend } : { host, path: p, status: 404 })));
  });
  /** A ListenerSet the parent Gateway must refuse: upstream checks both conditions with reason NotAllowed. */
  const notAllowed = (ctx: Context, check: Check, listenerSet: string) => {
    listenerSetCondition(ctx, check, listenerSet, 'Accepted', 'False', 'NotAllowed');
    listenerSetCondition(ctx, check, listenerSet, 'Programmed', 'False', 'NotAllowed');
  };
  const admitted = (ctx: Context, check: Check, listenerSet: string, listeners: string[]) => {
    listenerSetCondition(ctx, check, listenerSet, 'Accepted', 'True', 'Accepted');
    listenerSetCondition(ctx, check, listenerSet, 'Programmed', 'True', 'Programmed');
    for (const l of listeners) listenerSetListener(ctx, check, listenerSet, l, { conditions: LISTENER_OK });
  };

  conformance('ListenerSetAllowedNamespaceNone', manifests('listenerset-allowed-namespace-none.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-does-not-allow-listenerset`;
    gatewayCondition(ctx, check, gw, 'Accepted', 'True');
    attachedListenerSets(ctx, check, gw, 0);
    notAllowed(ctx, check, `${INFRA}/listenerset-not-allowed`);
    // The refused set's hostname must not be served through the Gateway either.
    requests(ctx, check, gw, [{ host: 'listener-set-listener.com', path: '/', status: 404 }]);
  });

  conformance('ListenerSetDefaultNotAllowed', manifests('listenerset-default-not-allowed.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-default-does-not-allow-listenerset`;
    gatewayCondition(ctx, check, gw, 'Accepted', 'True');
    attachedListenerSets(ctx, check, gw, 0);
    notAllowed(ctx, check, `${INFRA}/listenerset-default-not-allowed`);
    requests(ctx, check, gw, [{ host: 'listenerset-default-not-allowed-listener.com', path: '/', status: 404 }]);
  });

  conformance('ListenerSetAllowedNamespaceSame', manifests('listenerset-allowed-namespace-same.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-allows-listenerset-in-same-namespace`;
    gatewayCondition(ctx, check, gw, 'Accepted', 'True');
    attachedListenerSets(ctx, check, gw, 1);
    admitted(ctx, check, `${INFRA}/listenerset-in-same-namespace`, ['listenerset-in-same-namespace-listener']);
    notAllowed(ctx, check, 'gateway-api-listenerset-not-allowed-ns/listenerset-in-different-namespace');
  });

  conformance('ListenerSetAllowedNamespaceSelector', manifests('listenerset-allowed-namespace-selector.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-allows-listenerset-in-selected-namespace`;
    gatewayCondition(ctx, check, gw, 'Accepted', 'True');
    attachedListenerSets(ctx, check, gw, 1);
    admitted(ctx, check, 'gateway-api-listenerset-selector-allowed-ns/listenerset-in-selected-namespace', ['listenerset-in-selected-namespace-listener']);
    notAllowed(ctx, check, 'gateway-api-listenerset-selector-not-allowed-ns/listenerset-not-in-selected-namespace');
  });

  conformance('ListenerSetAllowedRoutesNamespaces', manifests('listenerset-allowed-routes-namespaces.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-with-listener-sets-test-allowed-routes`;
    const set = `${INFRA}/listenerset-test-allowed-routes-namespaces`;
    const crossNs = 'gateway-api-ls-cross-ns';
    const crossSet = `${crossNs}/listenerset-test-allowed-routes-cross-ns`;
    const setRef: ParentRef = { kind: 'ListenerSet', namespace: INFRA, name: 'listenerset-test-allowed-routes-namespaces' };
    const crossRef: ParentRef = { kind: 'ListenerSet', namespace: crossNs, name: 'listenerset-test-allowed-routes-cross-ns' };
    attachedListenerSets(ctx, check, gw, 2);
    admitted(ctx, check, set, []);
    admitted(ctx, check, crossSet, []);
    routesAcceptedOn(ctx, check, ['route-in-same-namespace'], setRef);
    routesAcceptedOn(ctx, check, ['route-in-selected-namespace'], setRef, 'gateway-api-routes-allowed-ns');
    routesAcceptedOn(ctx, check, ['route-not-in-selected-namespace'], setRef, 'gateway-api-routes-not-allowed-ns');
    routesAcceptedOn(ctx, check, ['route-in-listenerset-namespace'], crossRef, crossNs);
    // A Same listener of a set in another namespace means the set's namespace, not the Gateway's.
    routeParentCondition(ctx, check, [INFRA, 'route-in-gateway-namespace'], crossRef, 'Accepted', 'False', 'NotAllowedByListeners');
    listenerSetListener(ctx, check, set, 'listener-set-listener-allowed-routes-all', { attachedRoutes: 3, conditions: LISTENER_OK });
    listenerSetListener(ctx, check, set, 'listener-set-listener-allowed-routes-same', { attachedRoutes: 1, conditions: LISTENER_OK });
    listenerSetListener(ctx, check, set, 'listener-set-listener-allowed-routes-selector', { attachedRoutes: 1, conditions: LISTENER_OK });
    listenerSetListener(ctx, check, crossSet, 'listener-set-listener-allowed-routes-cross-ns-same', { attachedRoutes: 1, conditions: LISTENER_OK });
    const all = 'listener-set-listener-allowed-routes-all.com';
    const same = 'listener-set-listener-allowed-routes-same.com';
    const selector = 'listener-set-listener-allowed-routes-selector.com';
    const cross = 'listener-set-listener-allowed-routes-cross-ns-same.com';
    const r = (host: string, p: string, backend?: string): Exchange => ({ host, path: p, ...(backend ? { backend } : { status: 404 }) });
    requests(ctx, check, gw, [
      r(all, '/route-in-same-namespace', 'infra-backend-v1'),
      r(same, '/route-in-same-namespace', 'infra-backend-v1'),
      r(selector, '/route-in-same-namespace'),
      r(all, '/route-in-selected-namespace', 'infra-backend-v2'),
      r(same, '/route-in-selected-namespace'),
      r(selector, '/route-in-selected-namespace', 'infra-backend-v2'),
      r(all, '/route-not-in-selected-namespace', 'infra-backend-v3'),
      r(same, '/route-not-in-selected-namespace'),
      r(selector, '/route-not-in-selected-namespace'),
      r(cross, '/route-in-listenerset-namespace', 'infra-backend-v1'),
      r(cross, '/route-in-gateway-namespace'),
      r('gateway-listener.com', '/route-in-same-namespace'),
    ]);
  });

  conformance('ListenerSetDualParentRefIndependence', manifests('listenerset-dual-parentref-independence.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-dual-parentref`;
    const gwRef: ParentRef = { namespace: INFRA, name: 'gateway-dual-parentref' };
    const lsRef: ParentRef = { kind: 'ListenerSet', namespace: INFRA, name: 'ls-dual-parentref' };
    admitted(ctx, check, `${INFRA}/ls-dual-parentref`, ['ls-dual-parentref-listener']);
    routeParentCondition(ctx, check, [INFRA, 'route-dual-parentref-both'], gwRef, 'Accepted', 'True');
    routeParentCondition(ctx, check, [INFRA, 'route-dual-parentref-both'], lsRef, 'Accepted', 'True');
    // The Gateway does not own its sets' listener names, so the same sectionName is refused there and accepted on the set.
    routeParentCondition(ctx, check, [INFRA, 'route-dual-parentref-one'], { ...gwRef, sectionName: 'ls-dual-parentref-listener' }, 'Accepted', 'False', 'NoMatchingParent');
    routeParentCondition(ctx, check, [INFRA, 'route-dual-parentref-one'], { ...lsRef, sectionName: 'ls-dual-parentref-listener' }, 'Accepted', 'True');
    requests(ctx, check, gw, [
      { host: 'gw-dual.com', path: '/dualboth', backend: 'infra-backend-v1' },
      { host: 'ls-dual.com', path: '/dualboth', backend: 'infra-backend-v1' },
      { host: 'ls-dual.com', path: '/dualone', backend: 'infra-backend-v2' },
      { host: 'gw-dual.com', path: '/dualone', status: 404 },
    ]);
  });

  conformance('ListenerSetGatewayParentSectionNameNotFound', manifests('listenerset-gateway-parent-section-name-not-found.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-section-name`;
    routeParentCondition(ctx, check, [INFRA, 'route-via-listenerset'],
      { kind: 'ListenerSet', namespace: INFRA, name: 'listenerset-section-name', sectionName: 'ls-only-listener' }, 'Accepted', 'True');
    routeParentCondition(ctx, check, [INFRA, 'route-via-gateway'],
      { namespace: INFRA, name: 'gateway-section-name', sectionName: 'ls-only-listener' }, 'Accepted', 'False', 'NoMatchingParent');
    requests(ctx, check, gw, [
      { host: 'ls-section-name.com', path: '/goodsection', backend: 'infra-backend-v1' },
      { host: 'ls-section-name.com', path: '/badsection', status: 404 },
      { host: 'gw-section.com', path: '/badsection', status: 404 },
    ]);
  });

  conformance('ListenerSetRouteStatusScopedToParentRef', manifests('listenerset-route-status-scoped-to-parentref.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-parentref`;
    routeParentsExactly(ctx, check, [INFRA, 'route-parentref-gwonly'], [{ namespace: INFRA, name: 'gateway-parentref' }]);
    routeParentsExactly(ctx, check, [INFRA, 'route-parentref-lsonly'], [{ kind: 'ListenerSet', namespace: INFRA, name: 'listenerset-parentref' }]);
    requests(ctx, check, gw, [
      { host: 'gw-parentref.com', path: '/gwonly', backend: 'infra-backend-v1' },
      { host: 'listenerset-parentref.com', path: '/lsonly', backend: 'infra-backend-v2' },
      { host: 'listenerset-parentref.com', path: '/gwonly', status: 404 },
      { host: 'gw-parentref.com', path: '/lsonly', status: 404 },
    ]);
  });

  /**
   * Hostname and protocol conflicts share one layout: precedence is the Gateway, then the older
   * set (here: by name, as none carries a creationTimestamp), so the first set keeps the
   * listener the later ones lose, and a set left with no valid listener is not Accepted.
   */
  for (const [shortName, kind, reason] of [
    ['ListenerSetHostnameConflict', 'hostname', 'HostnameConflict'],
    ['ListenerSetProtocolConflict', 'protocol', 'ProtocolConflict'],
  ] as const) {
    conformance(shortName, manifests(`listenerset-${kind}-conflict.yaml`), (ctx, check) => {
      const gw = `${INFRA}/gateway-with-listenerset-${kind}-conflict`;
      const withGateway = `${kind}-conflict-with-gateway-listener`;
      const withSet = `${kind}-conflict-with-listener-set-listener`;
      const set = (n: string) => `${INFRA}/listenerset-with-${kind}-conflict-with-${n}`;
      const conflicted: ListenerExpectation = { conditions: { Conflicted: ['True', reason], Accepted: ['False'] } };
      gatewayCondition(ctx, check, gw, 'Accepted', 'True');
      listenerState(ctx, check, gw, 'gateway-listener', { conditions: LISTENER_OK });
      listenerState(ctx, check, gw, withGateway, { conditions: LISTENER_OK });
      attachedListenerSets(ctx, check, gw, 2);
      listenerSetCondition(ctx, check, set('gateway-1'), 'Accepted', 'True');
      listenerSetListener(ctx, check, set('gateway-1'), 'listener-set-1-listener', { conditions: LISTENER_OK });
      listenerSetListener(ctx, check, set('gateway-1'), withGateway, conflicted);
      listenerSetListener(ctx, check, set('gateway-1'), withSet, { conditions: LISTENER_OK });
      listenerSetCondition(ctx, check, set('gateway-2'), 'Accepted', 'False', 'ListenersNotValid');
      listenerSetListener(ctx, check, set('gateway-2'), withGateway, conflicted);
      listenerSetCondition(ctx, check, set('listener-set-1'), 'Accepted', 'True');
      listenerSetListener(ctx, check, set('listener-set-1'), 'listener-set-2-listener', { conditions: LISTENER_OK });
      listenerSetListener(ctx, check, set('listener-set-1'), withSet, conflicted);
      listenerSetCondition(ctx, check, set('listener-set-2'), 'Accepted', 'False', 'ListenersNotValid');
      listenerSetListener(ctx, check, set('listener-set-2'), withSet, conflicted);
    });
  }

  conformance('ListenerSetReferenceGrant', manifests('listenerset-reference-grant.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-with-listener-sets-test-reference-grant`;
    listenerState(ctx, check, gw, 'gateway-listener', { conditions: LISTENER_OK });
    attachedListenerSets(ctx, check, gw, 1);
    admitted(ctx, check, `${INFRA}/listenerset-with-reference-grant`, ['listenerset-with-reference-grant-listener']);
    // The grant names ListenerSets of the infra namespace only; the Gateway's own grant does not flow to its sets.
    const denied = 'gateway-api-listener-sets-test-reference-grant-ns/listenerset-without-reference-grant';
    listenerSetCondition(ctx, check, denied, 'Accepted', 'False', 'ListenersNotValid');
    listenerSetListener(ctx, check, denied, 'listenerset-without-reference-grant-listener', { conditions: { ResolvedRefs: ['False', 'RefNotPermitted'] } });
  });
  /**
   * One CORS exchange as upstream states it: `oneOf` lists the values a header may take (any
   * comma list order, whitespace ignored, since implementations differ there), `exact` a value
   * it must take, `absent` headers that must not come back. Preflights are answered by the
   * gateway itself, so no backend is checked.
   */
  interface CorsCase {
    readonly name: string;
    readonly path: string;
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly status?: number[];
    readonly oneOf?: Record<string, string[]>;
    readonly exact?: Record<string, string>;
    readonly absent?: string[];
  }
  const squash = (v: string) => v.replace(/\s+/g, '');
  conformance('HTTPRouteCORS', manifests('httproute-cors.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, ['cors-multiple-origins-methods-headers', 'cors-wildcard-methods', 'cors-wildcard-origin', 'cors-wildcard-methods-headers']
      .map(r => [INFRA, r, SAME] as [string, string, string]));
    const preflight = (origin: string, method: string, requestHeaders?: string): Record<string, string> => ({
      'Origin': origin, 'Access-Control-Request-Method': method, ...(requestHeaders ? { 'Access-Control-Request-Headers': requestHeaders } : {}),
    });
    const either = (a: string, b: string) => [`${a}, ${b}`, `${b}, ${a}`];
    const cors1 = (origin: string) => ({
      'access-control-allow-origin': [origin],
      'access-control-allow-methods': either('GET', 'OPTIONS'),
      'access-control-allow-headers': either('x-header-1', 'x-header-2'),
      'access-control-expose-headers': either('x-header-3', 'x-header-4'),
      'access-control-max-age': ['3600'],
      'access-control-allow-credentials': ['true'],
    });
    const cases: CorsCase[] = [
      { name: 'preflight from an exact origin is allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://www.foo.com', 'GET', 'x-header-1, x-header-2'), status: [200, 204], oneOf: cors1('https://www.foo.com') },
      { name: 'preflight from a wildcard-matched origin is allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://www.bar.com', 'GET', 'x-header-1, x-header-2'), status: [200], oneOf: cors1('https://www.bar.com') },
      { name: 'preflight from an origin several labels under the wildcard is allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://xpto.www.bar.com', 'GET', 'x-header-1, x-header-2'), status: [200], oneOf: cors1('https://xpto.www.bar.com') },
      { name: 'preflight from a non-matching origin is refused', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://foobar.com', 'GET'), status: [200, 204, 403], absent: ['access-control-allow-origin'] },
      { name: 'simple request from an exact origin is allowed', path: '/cors-1', method: 'GET', headers: preflight('https://www.foo.com', 'GET', 'x-header-1, x-header-2'), status: [200, 204], exact: { 'access-control-allow-origin': 'https://www.foo.com' } },
      { name: 'simple request from a wildcard-matched origin is allowed', path: '/cors-1', method: 'GET', headers: preflight('https://www.bar.com', 'GET', 'x-header-1, x-header-2'), status: [200, 204], exact: { 'access-control-allow-origin': 'https://www.bar.com' } },
      { name: 'simple request from a non-matching origin gets no allow-origin', path: '/cors-1', method: 'GET', headers: preflight('https://foobar.com', 'GET'), absent: ['access-control-allow-origin'] },
      { name: 'preflight for POST is allowed by a wildcard allowMethods', path: '/cors-2', method: 'OPTIONS', headers: preflight('https://www.foo.com', 'POST'), status: [200, 204], oneOf: { 'access-control-allow-methods': ['POST', '*'] }, exact: { 'access-control-allow-origin': 'https://www.foo.com' }, absent: ['access-control-allow-credentials'] },
      { name: 'preflight gets no allow-credentials unless allowCredentials is true', path: '/cors-2', method: 'OPTIONS', headers: preflight('https://www.foo.com', 'POST'), absent: ['access-control-allow-credentials'] },
      { name: 'preflight under a wildcard origin answers * or the origin', path: '/cors-wildcard-origin', method: 'OPTIONS', headers: preflight('https://foobar.com', 'PUT'), status: [200, 204], oneOf: { 'access-control-allow-origin': ['https://foobar.com', '*'], 'access-control-allow-methods': ['PUT'] }, absent: ['access-control-allow-credentials'] },
      { name: 'preflight under a wildcard origin with a port answers * or the origin', path: '/cors-wildcard-origin', method: 'OPTIONS', headers: preflight('https://foobar.com:12345', 'PUT'), status: [200, 204], oneOf: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'], 'access-control-allow-methods': ['PUT'] }, absent: ['access-control-allow-credentials'] },
      { name: 'request under a wildcard origin with a port answers * or the origin', path: '/cors-wildcard-origin', method: 'PUT', headers: { Origin: 'https://foobar.com:12345' }, status: [200], oneOf: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'] } },
      { name: 'simple request under a wildcard origin answers * or the origin', path: '/cors-wildcard-origin', method: 'PUT', headers: { Origin: 'https://foobar.com' }, status: [200, 204], oneOf: { 'access-control-allow-origin': ['https://foobar.com', '*'] }, absent: ['access-control-allow-credentials'] },
      { name: 'credentialed preflight with wildcards echoes origin, method and headers', path: '/cors-wildcard-methods-headers', method: 'OPTIONS', headers: preflight('https://other.foo.com', 'PUT', 'x-header-1, x-header-2'), status: [200], oneOf: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-methods': ['PUT'], 'access-control-allow-headers': either('x-header-1', 'x-header-2'), 'access-control-allow-credentials': ['true'] } },
      { name: 'uncredentialed preflight with wildcards has no allow-credentials', path: '/cors-wildcard-methods-headers-unauth', method: 'OPTIONS', headers: preflight('https://other.foo.com', 'PUT', 'x-header-1, x-header-2'), status: [200], oneOf: { 'access-control-allow-origin': ['https://other.foo.com', '*'], 'access-control-allow-methods': ['PUT', '*'], 'access-control-allow-headers': [...either('x-header-1', 'x-header-2'), '*'] }, absent: ['access-control-allow-credentials'] },
      { name: 'credentialed simple request echoes the origin and allows credentials', path: '/cors-wildcard-methods-headers', method: 'GET', headers: { Origin: 'https://other.foo.com', Authorization: 'Bearer test' }, status: [200], oneOf: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-credentials': ['true'] } },
      { name: 'simple request on the uncredentialed path echoes the origin without allow-credentials', path: '/cors-wildcard-methods-headers-unauth', method: 'GET', headers: { Origin: 'https://other.foo.com', Authorization: 'Bearer test' }, status: [200], oneOf: { 'access-control-allow-origin': ['https://other.foo.com'] }, absent: ['access-control-allow-credentials'] },
    ];
    for (const c of cases) {
      check(`${c.method} ${c.path}: ${c.name}`, async () => {
        const served = await ctx.scenario().gateway(SAME);
        const res = await send({ port: served.port(80), host: 'example.com', path: c.path, method: c.method, headers: c.headers });
        const problems: string[] = [];
        const statuses = c.status ?? [200];
        if (!statuses.includes(res.status)) problems.push(`status ${res.status}, want ${statuses.join('|')}`);
        const value = (name: string) => res.headerLists[name]?.join(',');
        for (const [name, allowed] of Object.entries(c.oneOf ?? {})) {
          const actual = value(name);
          if (actual === undefined || !allowed.map(squash).includes(squash(actual))) problems.push(`${name}: ${actual ?? '(absent)'}, want one of ${JSON.stringify(allowed)}`);
        }
        for (const [name, want] of Object.entries(c.exact ?? {})) {
          if (value(name) !== want) problems.push(`${name}: ${value(name) ?? '(absent)'}, want ${want}`);
        }
        for (const name of c.absent ?? []) if (value(name) !== undefined) problems.push(`${name}: ${value(name)}, want absent`);
        expect(problems).toEqual([]);
      });
    }
  });
  conformance('HTTPRouteRequestPercentageMirror', manifests('httproute-request-percentage-mirror.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'request-percentage-mirror', SAME]]);
    // 400 requests keep one standard deviation of a 20–50% share under 2.5 points, so ±10 is stable.
    const TOTAL = 400;
    const TOLERANCE = 10;
    for (const [prefix, percent, modify] of [
      ['/percent-mirror', 20, false], ['/percent-mirror-fraction', 50, false], ['/percent-mirror-and-modify-headers', 35, true],
    ] as const) {
      check(`${TOTAL} requests to ${prefix} all reach infra-backend-v1 and ${percent}% ±${TOLERANCE} are mirrored to infra-backend-v2`, async () => {
        const served = await ctx.scenario().gateway(SAME);
        const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
        const sent = new Set<string>();
        const problems = new Set<string>();
        let next = 0;
        try {
          await Promise.all(Array.from({ length: 10 }, async () => {
            while (next < TOTAL) {
              next++;
              const p = `${prefix}?gateway-api-conformance-request-id=${randomUUID()}`;
              sent.add(p);
              const res = await send({ port: served.port(80), host: 'example.com', path: p, agent, headers: modify ? modifiedHeaders.send : undefined });
              const echo = res.status === 200 ? JSON.parse(res.body) : undefined;
              if (!echo?.pod?.startsWith('infra-backend-v1-')) problems.add(`status ${res.status} from ${echo?.pod ?? 'no backend'}`);
              if (modify && echo) {
                const seen = Object.fromEntries(Object.entries(echo.headers as Record<string, string[]>).map(([k, v]) => [k.toLowerCase(), v.join(',')]));
                for (const [k, v] of Object.entries(modifiedHeaders.seen)) if (seen[k.toLowerCase()] !== v) problems.add(`backend saw ${k}: ${seen[k.toLowerCase()]}`);
                if (seen['x-header-remove'] !== undefined) problems.add('backend saw X-Header-Remove');
              }
            }
          }));
        } finally {
          agent.destroy();
        }
        // Mirrors are fire-and-forget, so give the last ones a moment to land before counting.
        await new Promise(resolve => setTimeout(resolve, 1000));
        const mirrored = new Set(backends!.of(INFRA, 'infra-backend-v2').flatMap(e => e.log.map(l => l.path)).filter(p => sent.has(p))).size;
        expect([...problems]).toEqual([]);
        expect(Math.abs((mirrored * 100) / TOTAL - percent)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  });
  /** Polls a request until it gives the wanted answer, since serve reloads an edited file after a quiet period. */
  const eventually = async (served: ServedGateway, e: Exchange, timeoutMs = 10_000): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const problems = await exchange(served, { ...e, timeoutMs: 2000 }).then(r => r.problems, (err: Error) => [err.message]);
      if (problems.length === 0 || Date.now() >= deadline) return problems;
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  };
  /** Upstream's listener expectation after each edit: HTTPRoute among the supported kinds (more are allowed), accepted, resolved, one route attached. */
  const modifiedListeners = async (ctx: Context, gateway: string, names: string[]) => {
    const gw = (await ctx.scenario().status()).object('Gateway', INFRA, gateway);
    const listeners: any[] = gw.status?.listeners ?? [];
    expect(listeners.map(l => l.name).sort()).toEqual([...names].sort());
    for (const l of listeners) {
      expect([l.name, (l.supportedKinds ?? []).some((k: any) => k.kind === 'HTTPRoute'), l.attachedRoutes,
        findCondition(l.conditions ?? [], 'Accepted')?.status, findCondition(l.conditions ?? [], 'ResolvedRefs')?.status])
        .toEqual([l.name, true, 1, 'True', 'True']);
    }
    // Upstream's "latest conditions": every condition speaks for the edited generation.
    for (const c of [...(gw.status?.conditions ?? []), ...listeners.flatMap(l => l.conditions ?? [])]) {
      expect([c.type, c.observedGeneration]).toEqual([c.type, 2]);
    }
  };
  const secure: Exchange = { host: 'secure.test.com', path: '/', port: 443, tls: true, backend: 'infra-backend-v1' };

  conformance('GatewayModifyListeners', { ...manifests('gateway-modify-listeners.yaml'), laterPorts: [80] }, (ctx, check) => {
    const editGateway = (name: string, change: (listeners: any[]) => any[]) => ctx.scenario().rewrite(objects => {
      const gw = objects.find(o => o.kind === 'Gateway' && o.metadata.name === name)!;
      gw.spec.listeners = change(gw.spec.listeners);
      gw.metadata.generation = 2;
    });
    const ADD = `${INFRA}/gateway-add-listener`;
    const REMOVE = `${INFRA}/gateway-remove-listener`;
    check('gateway-add-listener serves secure.test.com over HTTPS before the edit', async () => {
      expect(await eventually(await ctx.scenario().gateway(ADD), secure)).toEqual([]);
    });
    check('an http listener added to gateway-add-listener routes data.test.com and keeps HTTPS', async () => {
      const served = await ctx.scenario().gateway(ADD);
      editGateway('gateway-add-listener', ls => [...ls, {
        name: 'http', port: 80, protocol: 'HTTP', hostname: 'data.test.com', allowedRoutes: { namespaces: { from: 'All' } },
      }]);
      expect(await eventually(served, { host: 'data.test.com', path: '/', backend: 'infra-backend-v1' })).toEqual([]);
      expect(await eventually(served, secure)).toEqual([]);
    });
    check('gateway-add-listener status lists https and http after the edit', () => modifiedListeners(ctx, 'gateway-add-listener', ['https', 'http']));
    check('gateway-remove-listener serves HTTPS and HTTP before the edit', async () => {
      const served = await ctx.scenario().gateway(REMOVE);
      expect(await eventually(served, secure)).toEqual([]);
      expect(await eventually(served, { host: 'example.com', path: '/', backend: 'infra-backend-v1' })).toEqual([]);
    });
    check('removing the https listener of gateway-remove-listener stops HTTPS and keeps HTTP', async () => {
      const served = await ctx.scenario().gateway(REMOVE);
      editGateway('gateway-remove-listener', ls => ls.filter(l => l.name === 'http'));
      // Without the listener nothing accepts TLS on that port any more: the request must fail outright.
      const deadline = Date.now() + 10_000;
      let answered = true;
      while (answered && Date.now() < deadline) {
        answered = await exchange(served, { ...secure, timeoutMs: 2000 }).then(() => true, () => false);
        if (answered) await new Promise(resolve => setTimeout(resolve, 200));
      }
      expect(answered).toBe(false);
      expect(await eventually(served, { host: 'example.com', path: '/', backend: 'infra-backend-v1' })).toEqual([]);
    });
    check('gateway-remove-listener status lists only http after the edit', () => modifiedListeners(ctx, 'gateway-remove-listener', ['http']));
  });

  // TLS to backends: the tls-backend pods serve tls-checks-certificate (abc.example.com,
  // other.example.com, spiffe://abc.example.com/test-identity), signed by tls-checks-ca-certificate.
  const RECONCILE_CA = 'backendtlspolicy-reconcile-ca';
  conformance('BackendTLSPolicy', {
    ...manifests('backendtlspolicy.yaml'),
    // Upstream changes the content of a CA ConfigMap the policy uses and watches traffic follow;
    // a copy keeps the shared tls-checks-ca-certificate intact for the other checks.
    edit: objects => {
      const shared = conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME).find(o => o.kind === 'ConfigMap' && o.metadata.name === 'tls-checks-ca-certificate');
      objects.push({ ...shared, metadata: { name: RECONCILE_CA, namespace: INFRA } });
      const policy = objects.find(o => o.kind === 'BackendTLSPolicy' && o.metadata.name === 'reconcile-test')!;
      policy.spec.validation.caCertificateRefs[0].name = RECONCILE_CA;
    },
  }, (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backendtlspolicy-reencrypt', HTTPS], [INFRA, 'backendtlspolicy', SAME]]);
    for (const gateway of [HTTPS, SAME]) {
      policyCondition(ctx, check, 'normative-test', gateway, 'Accepted', 'True', 'Accepted');
      policyCondition(ctx, check, 'normative-test', gateway, 'ResolvedRefs', 'True', 'ResolvedRefs');
    }
    for (const policy of ['host-mismatch', 'cert-mismatch']) {
      policyCondition(ctx, check, policy, SAME, 'Accepted', 'True', 'Accepted');
      policyCondition(ctx, check, policy, SAME, 'ResolvedRefs', 'True', 'ResolvedRefs');
    }
    requests(ctx, check, HTTPS, [{
      host: 'https-listener.org', path: '/backendtlspolicy', port: 443, tls: true, namespace: INFRA, seen: { serverName: 'abc.example.com' },
    }]);
    requests(ctx, check, SAME, [
      { host: 'abc.example.com', path: '/backendtlspolicy', namespace: INFRA, seen: { serverName: 'abc.example.com' } },
      // As upstream sends it: the Host matches no route hostname, so any failure passes.
      { host: 'abc.example.org', path: '/backendtlspolicy-host-mismatch', failure: true },
      // Ours: through the route, the hostname the certificate does not cover makes the handshake fail.
      { host: 'abc.example.com', path: '/backendtlspolicy-host-mismatch', status: 502 },
      { host: 'abc.example.com', path: '/backendtlspolicy-cert-mismatch', failure: true },
    ]);
    check('a CA changed in the ConfigMap a policy uses is followed both ways', async () => {
      const served = await ctx.scenario().gateway(SAME);
      const reconcile: Exchange = { host: 'abc.example.com', path: '/backendtlspolicy-reconcile-test', namespace: INFRA, seen: { serverName: 'abc.example.com' } };
      const setCa = (name: string) => ctx.scenario().rewrite(objects => {
        const ca = conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME).find(o => o.kind === 'ConfigMap' && o.metadata.name === name);
        objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === RECONCILE_CA)!.data = { ...ca.data };
      });
      expect(await eventually(served, reconcile)).toEqual([]);
      setCa('mismatch-ca-certificate');
      expect(await eventually(served, { ...reconcile, failure: true })).toEqual([]);
      setCa('tls-checks-ca-certificate');
      expect(await eventually(served, reconcile)).toEqual([]);
    });
  });

  conformance('BackendTLSPolicyConflictResolution', manifests('backendtlspolicy-conflict-resolution.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backendtlspolicy-conflict-resolution', SAME]]);
    for (const [accepted, conflicted] of [
      ['conflicted-without-section-name-1', 'conflicted-without-section-name-2'],
      ['conflicted-with-section-name-1', 'conflicted-with-section-name-2'],
    ]) {
      policyCondition(ctx, check, accepted, SAME, 'Accepted', 'True', 'Accepted');
      policyCondition(ctx, check, conflicted, SAME, 'Accepted', 'False', 'Conflicted');
    }
    policyCondition(ctx, check, 'not-conflicted-with-section-name', SAME, 'Accepted', 'True', 'Accepted');
    policyCondition(ctx, check, 'not-conflicted-without-section-name', SAME, 'Accepted', 'True', 'Accepted');
    const sni = (p: string, serverName: string): Exchange => ({ host: 'abc.example.com', path: p, namespace: INFRA, seen: { serverName } });
    requests(ctx, check, SAME, [
      sni('/backendtlspolicy-conflicted-without-section-name', 'other.example.com'),
      sni('/backendtlspolicy-conflicted-with-section-name', 'other.example.com'),
      sni('/backendtlspolicy-not-conflicted-with-section-name', 'other.example.com'),
      sni('/backendtlspolicy-not-conflicted-without-section-name', 'abc.example.com'),
    ]);
  });

  conformance('BackendTLSPolicyInvalidCACertificateRef', manifests('backendtlspolicy-invalid-ca-certificate-ref.yaml'), (ctx, check) => {
    routeCondition(ctx, check, [INFRA, 'backendtlspolicy-invalid-ca-certificate-ref'], SAME, 'Accepted', 'True');
    for (const policy of ['nonexistent-ca-certificate-ref', 'malformed-ca-certificate-ref']) {
      policyCondition(ctx, check, policy, SAME, 'Accepted', 'False', 'NoValidCACertificate');
      policyCondition(ctx, check, policy, SAME, 'ResolvedRefs', 'False', 'InvalidCACertificateRef');
      requests(ctx, check, SAME, [{ host: 'abc.example.com', path: `/backendtlspolicy-${policy}`, status: [500, 502, 503] }]);
    }
  });

  conformance('BackendTLSPolicyInvalidKind', manifests('backendtlspolicy-invalid-kind.yaml'), (ctx, check) => {
    routeCondition(ctx, check, [INFRA, 'backendtlspolicy-invalid-kind-test'], SAME, 'Accepted', 'True');
    policyCondition(ctx, check, 'invalid-kind', SAME, 'Accepted', 'False', 'NoValidCACertificate');
    policyCondition(ctx, check, 'invalid-kind', SAME, 'ResolvedRefs', 'False', 'InvalidKind');
    requests(ctx, check, SAME, [{ host: 'abc.example.com', path: '/backendtlspolicy-invalid-kind', status: [500, 502, 503] }]);
  });

  conformance('BackendTLSPolicyObservedGenerationBump', manifests('backendtlspolicy-observed-generation-bump.yaml'), (ctx, check) => {
    const policyOf = (status: StatusView) => status.object('BackendTLSPolicy', INFRA, 'observed-generation-bump');
    check('before the edit, every ancestor condition speaks for the current generation', async () => {
      const status = await ctx.status();
      latestConditions(policyOf(status).status?.ancestors?.flatMap((a: any) => a.conditions ?? []) ?? [], policyOf(status).metadata.generation ?? 1);
    });
    check('after an edit of validation.hostname, the policy is Accepted and every ancestor condition carries observedGeneration 2', async () => {
      await ctx.status();
      ctx.scenario().rewrite(bumpGeneration('BackendTLSPolicy', 'observed-generation-bump', o => o.spec.validation.hostname = 'foo.example.com'));
      const status = await ctx.scenario().status();
      const [gwNamespace, gwName] = SAME.split('/');
      expect(findCondition(status.policyConditions('BackendTLSPolicy', INFRA, 'observed-generation-bump', gwNamespace, gwName), 'Accepted')?.status).toBe('True');
      latestConditions(policyOf(status).status?.ancestors?.flatMap((a: any) => a.conditions ?? []) ?? [], 2);
    });
  });

  conformance('BackendTLSPolicySANValidation', manifests('backendtlspolicy-san.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'backendtlspolicy-san-test', SAME]]);
    for (const policy of ['san-dns', 'san-dns-mismatch', 'san-uri', 'san-uri-mismatch', 'multiple-sans', 'multiple-mismatch-sans']) {
      policyCondition(ctx, check, policy, SAME, 'Accepted', 'True', 'Accepted');
    }
    const ok = (p: string): Exchange => ({ host: 'abc.example.com', path: p, namespace: INFRA, seen: { serverName: 'abc.example.com' } });
    requests(ctx, check, SAME, [
      ok('/backendtlspolicy-san-dns'),
      { host: 'abc.example.com', path: '/backendtlspolicy-san-dns-mismatch', failure: true },
      ok('/backendtlspolicy-san-uri'),
      { host: 'abc.example.com', path: '/backendtlspolicy-san-uri-mismatch', failure: true },
      ok('/backendtlspolicy-multiple-sans'),
      { host: 'abc.example.com', path: '/backendtlspolicy-multiple-mismatch-sans', failure: true },
    ]);
  });

  const CLIENT_CERT_GW = `${INFRA}/gateway-tls-backend-client-certificate`;
  conformance('GatewayTLSBackendClientCertificate', manifests('gateway-tls-backend-client-certificate.yaml'), (ctx, check) => {
    routesAccepted(ctx, check, [[INFRA, 'gateway-tls-backend-client-certificate', CLIENT_CERT_GW]]);
    policyCondition(ctx, check, 'gateway-tls-backend-client-certificate-test', CLIENT_CERT_GW, 'Accepted', 'True');
    gatewayCondition(ctx, check, CLIENT_CERT_GW, 'ResolvedRefs', 'True', 'ResolvedRefs');
    check('a request reaches the TLS backend, which saw the Gateway\'s client certificate', async () => {
      const served = await ctx.scenario().gateway(CLIENT_CERT_GW);
      const expected = runtimeKeyPair('tls-checks-client-certificate').cert;
      const { problems } = await exchange(served, {
        host: 'abc.example.com',
        path: '/',
        backend: 'tls-backend-with-client-cert-validation',
        namespace: INFRA,
        seen: { serverName: 'abc.example.com', peerCertificate: expected },
      });
      expect(problems).toEqual([]);
    });
  });

  conformance('GatewayInvalidTLSBackendConfiguration', manifests('gateway-invalid-tls-backend-configuration.yaml'), (ctx, check) => {
    for (const [name, reason] of [
      ['gateway-client-certificate-nonexistent-secret', 'InvalidClientCertificateRef'],
      ['gateway-client-certificate-unsupported-group', 'InvalidClientCertificateRef'],
      ['gateway-client-certificate-unsupported-kind', 'InvalidClientCertificateRef'],
      ['gateway-client-certificate-malformed-secret', 'InvalidClientCertificateRef'],
      ['gateway-client-certificate-missing-reference-grant', 'RefNotPermitted'],
    ]) {
      check(`Gateway ${name} reports conditions for its current generation`, async () => {
        const gw = (await ctx.status()).object('Gateway', INFRA, name);
        latestConditions(gw.status?.conditions ?? [], gw.metadata.generation ?? 1);
      });
      gatewayCondition(ctx, check, `${INFRA}/${name}`, 'ResolvedRefs', 'False', reason);
      gatewayCondition(ctx, check, `${INFRA}/${name}`, 'Accepted', 'True', 'Accepted');
    }
  });

  // Frontend client certificate validation: the default applies to 443, perPort to 8443.
  const validityClient = 'tls-validity-checks-client-certificate';
  const perPortClient = 'tls-validity-checks-per-port-client-certificate';
  conformance('GatewayFrontendClientCertificateValidation', manifests('gateway-with-clientcertificate-validation.yaml'), (ctx, check) => {
    const gw = `${INFRA}/client-validation-default`;
    routesAccepted(ctx, check, [[INFRA, 'client-certificate-validation-https-test', gw], [INFRA, 'client-certificate-validation-https-test-no-hostname', gw]]);
    const first = { host: 'example.org', path: '/', port: 443, tls: true } as const;
    const second = { host: 'second-example.org', path: '/', port: 8443, tls: true } as const;
    requests(ctx, check, gw, [
      { ...first, clientSecret: validityClient, backend: 'infra-backend-v1' },
      { ...first, clientSecret: perPortClient, refused: true },
      { ...second, clientSecret: perPortClient, backend: 'infra-backend-v2' },
      { ...second, clientSecret: validityClient, refused: true },
    ]);
  });

  conformance('GatewayFrontendClientCertificateValidationInsecureFallback', manifests('gateway-with-clientcertificate-validation-insecure-fallback.yaml'), (ctx, check) => {
    const gw = `${INFRA}/client-validation-insecure-fallback`;
    routesAccepted(ctx, check, [
      [INFRA, 'client-cert-validation-insecure-fallback-test', gw], [INFRA, 'client-cert-validation-insecure-fallback-test-no-hostname', gw],
    ]);
    gatewayCondition(ctx, check, gw, 'InsecureFrontendValidationMode', 'True', 'ConfigurationChanged');
    const first = { host: 'example.org', path: '/', port: 443, tls: true, backend: 'infra-backend-v1' } as const;
    const second = { host: 'second-example.org', path: '/', port: 8443, tls: true, backend: 'infra-backend-v2' } as const;
    requests(ctx, check, gw, [
      { ...first, clientSecret: validityClient },
      { ...first, clientSecret: perPortClient },
      first,
      { ...second, clientSecret: perPortClient },
      { ...second, clientSecret: validityClient },
      second,
    ]);
  });

  conformance('GatewayFrontendInvalidDefaultClientCertificateValidation', manifests('gateway-invalid-default-frontend-client-certificate-validation.yaml'), (ctx, check) => {
    const gw = `${INFRA}/invalid-default-client-validation-config`;
    listenerState(ctx, check, gw, 'http', { conditions: { ResolvedRefs: ['True'], Accepted: ['True'], Programmed: ['True'] } });
    requests(ctx, check, gw, [{ host: 'example.org', path: '/', backend: 'infra-backend-v1' }]);
    listenerState(ctx, check, gw, 'https', {
      conditions: { ResolvedRefs: ['False', 'InvalidCACertificateRef'], Accepted: ['False', 'NoValidCACertificate'], Programmed: ['False'] },
    });
    requests(ctx, check, gw, [{ host: 'example.org', path: '/', port: 443, tls: true, refused: true }]);
  });

  conformance('GatewayInvalidFrontendClientCertificateValidation', manifests('gateway-with-invalid-clientcertificate-validation.yaml'), (ctx, check) => {
    const gw = `${INFRA}/gateway-with-invalid-client-cert-validation`;
    listenerState(ctx, check, gw, 'https', { conditions: { ResolvedRefs: ['True'], Accepted: ['True'], Programmed: ['True'] } });
    for (const [listener, reason] of [
      ['https-unresolved', 'InvalidCACertificateRef'],
      ['https-invalid-kind', 'InvalidCACertificateKind'],
      ['https-grant-missing', 'RefNotPermitted'],
    ]) {
      listenerState(ctx, check, gw, listener, {
        conditions: { ResolvedRefs: ['False', reason], Accepted: ['False', 'NoValidCACertificate'], Programmed: ['False'] },
      });
    }
  });
});
