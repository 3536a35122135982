import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './support';
import { referencedObjects } from '../../src/engine/references';
import { ConditionStatus } from '../../src/engine/translate/status';
import { FileSource } from '../../src/runtime/source';
import { sameInput } from '../../src/runtime/source/kubernetes';
import {
  canonical, classFinalizers, GATEWAY_EXISTS_FINALIZER, keepTransitionTimes, kubeTime, objectPath, proxyAddresses, proxyVerdict, StatusWriter,
  statusToWrite, withProxyVerdict,
} from '../../src/runtime/status-writer';

const ME = 'gateway.cdk8s.io/controller';
const OTHER = 'example.com/other';
const T0 = '2026-01-01T00:00:00Z';
const NOW = '2026-11-22T10:00:00Z';

const cond = (type: string, status: ConditionStatus, reason: string, lastTransitionTime = T0, observedGeneration = 1) =>
  ({ type, status, reason, message: '', observedGeneration, lastTransitionTime });

const parentRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'gw' };

describe('keepTransitionTimes', () => {
  test('keeps the time of a condition whose status did not change, even when its reason did', () => {
    const next = keepTransitionTimes([cond('Accepted', 'True', 'Accepted', '1970-01-01T00:00:00Z')], [cond('Accepted', 'True', 'Old')], NOW);
    expect(next[0].lastTransitionTime).toBe(T0);
  });

  test('stamps now on a condition whose status changed or that is new', () => {
    const next = keepTransitionTimes(
      [cond('Accepted', 'False', 'NotAllowedByListeners'), cond('ResolvedRefs', 'True', 'ResolvedRefs')],
      [cond('Accepted', 'True', 'Accepted')], NOW);
    expect(next.map((c) => c.lastTransitionTime)).toEqual([NOW, NOW]);
  });
});

describe('statusToWrite', () => {
  test('replaces the CRD default "Waiting for controller" status of a Gateway', () => {
    const pending = { conditions: [{ ...cond('Accepted', 'Unknown', 'Pending', T0), message: 'Waiting for controller' }] };
    const ours = { conditions: [cond('Accepted', 'True', 'Accepted', '1970-01-01T00:00:00Z')], listeners: [] };
    expect(statusToWrite(ours, pending, ME, NOW)).toEqual({ conditions: [cond('Accepted', 'True', 'Accepted', NOW)], listeners: [] });
  });

  test('writes nothing when the object already says what the engine says (no flapping on restart)', () => {
    const current = {
      conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
      listeners: [{ name: 'http', attachedRoutes: 2, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], conditions: [cond('Accepted', 'True', 'Accepted')] }],
    };
    // The engine stamps every condition with a fixed time; the stored times win while statuses hold.
    const ours = JSON.parse(JSON.stringify(current).split(T0).join('1970-01-01T00:00:00Z'));
    expect(statusToWrite(ours, current, ME, NOW)).toBeUndefined();
  });

  test('writes when attachedRoutes change, keeping the times of unchanged conditions', () => {
    const listener = (attachedRoutes: number, time: string) =>
      ({ name: 'http', attachedRoutes, supportedKinds: [], conditions: [cond('Accepted', 'True', 'Accepted', time)] });
    const current = { conditions: [cond('Accepted', 'True', 'Accepted')], listeners: [listener(1, T0)] };
    const ours = { conditions: [cond('Accepted', 'True', 'Accepted', 'x')], listeners: [listener(2, 'x')] };
    expect(statusToWrite(ours, current, ME, NOW)).toEqual({ conditions: [cond('Accepted', 'True', 'Accepted')], listeners: [listener(2, T0)] });
  });

  test('writes when observedGeneration moves on', () => {
    const current = { conditions: [cond('Accepted', 'True', 'Accepted', T0, 1)] };
    const ours = { conditions: [cond('Accepted', 'True', 'Accepted', 'x', 2)] };
    expect(statusToWrite(ours, current, ME, NOW)).toEqual({ conditions: [cond('Accepted', 'True', 'Accepted', T0, 2)] });
  });

  test('keeps route parent entries of other controllers and replaces ours', () => {
    const theirs = { parentRef: { ...parentRef, name: 'theirs' }, controllerName: OTHER, conditions: [cond('Accepted', 'False', 'Whatever')] };
    const mineBefore = { parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs')] };
    const mineNow = { parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted', 'x'), cond('ResolvedRefs', 'False', 'BackendNotFound', 'x')] };
    expect(statusToWrite({ parents: [mineNow] }, { parents: [theirs, mineBefore] }, ME, NOW)).toEqual({
      parents: [theirs, { parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'False', 'BackendNotFound', NOW)] }],
    });
  });

  test('drops our parent entries for parents the route no longer names', () => {
    const stale = { parentRef: { ...parentRef, name: 'old' }, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted')] };
    const mine = { parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted')] };
    expect(statusToWrite({ parents: [mine] }, { parents: [stale, mine] }, ME, NOW)).toEqual({ parents: [mine] });
  });

  test('matches a stored parentRef without group and kind to ours (the server may store them defaulted or not)', () => {
    const stored = { parentRef: { namespace: 'ns', name: 'gw' }, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted')] };
    const ours = { parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted', 'x')] };
    expect((statusToWrite({ parents: [ours] }, { parents: [stored] }, ME, NOW) as any).parents[0].conditions[0].lastTransitionTime).toBe(T0);
  });

  test('keeps policy ancestors of other controllers', () => {
    const theirs = { ancestorRef: parentRef, controllerName: OTHER, conditions: [cond('Accepted', 'True', 'Accepted')] };
    const ours = { ancestorRef: parentRef, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted', 'x')] };
    expect(statusToWrite({ ancestors: [ours] }, { ancestors: [theirs] }, ME, NOW)).toEqual({
      ancestors: [theirs, { ...ours, conditions: [cond('Accepted', 'True', 'Accepted', NOW)] }],
    });
  });

  test('keeps Gateway addresses it does not produce', () => {
    const current = { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }], conditions: [cond('Accepted', 'True', 'Accepted')] };
    expect(statusToWrite({ conditions: [cond('Accepted', 'True', 'Accepted', 'x')] }, current, ME, NOW)).toBeUndefined();
  });
});

describe('helpers', () => {
  test('canonical ignores key order', () => {
    expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
  });

  test('kubeTime writes seconds, as metav1.Time', () => {
    expect(kubeTime(new Date('2026-11-22T10:00:00.123Z'))).toBe('2026-11-22T10:00:00Z');
  });

  test('objectPath of namespaced, cluster-scoped and core objects', () => {
    expect(objectPath({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { namespace: 'ns', name: 'r' } }))
      .toBe('/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes/r');
    expect(objectPath({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'c' } }))
      .toBe('/apis/gateway.networking.k8s.io/v1/gatewayclasses/c');
    expect(objectPath({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 's' } })).toBe('/api/v1/namespaces/ns/services/s');
  });
});

describe('the Kubernetes source', () => {
  test('finds the Secrets and ConfigMaps a Gateway and a BackendTLSPolicy reference', () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { namespace: 'ns', name: 'gw' },
      spec: {
        listeners: [{ name: 'https', tls: { certificateRefs: [{ name: 'cert' }, { name: 'other', namespace: 'certs', kind: 'Secret' }, { name: 'x', group: 'example.com', kind: 'Vault' }] } }],
        tls: { backend: { clientCertificateRef: { name: 'client' } } },
      },
    };
    const policy = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { namespace: 'ns', name: 'p' },
      spec: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
    };
    expect(referencedObjects(gateway)).toEqual(['Secret/ns/cert', 'Secret/certs/other', 'Secret/ns/client']);
    expect(referencedObjects(policy)).toEqual(['ConfigMap/ns/ca']);
  });

  test('treats a status-only change as no change of input', () => {
    const a = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', resourceVersion: '1' }, spec: { x: 1 } };
    expect(sameInput(a, { ...a, metadata: { name: 'a', resourceVersion: '2' }, status: { y: 1 } })).toBe(true);
    expect(sameInput(a, { ...a, spec: { x: 2 } })).toBe(false);
    expect(sameInput(a, { ...a, metadata: { name: 'a', labels: { l: 'v' } } })).toBe(false);
  });
});

describe('FileSource', () => {
  test('hands back the same objects while the files are unchanged, and reports a change', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: one\n');
    const source = new FileSource([file], dir);
    let changed!: () => void;
    const change = new Promise<void>((resolve) => changed = resolve);
    await source.start(() => changed());
    try {
      const first = source.snapshot().objects;
      expect(first.map((o) => o.metadata.name)).toEqual(['one']);
      expect(source.snapshot().objects[0]).toBe(first[0]);
      fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: two\n');
      await change;
      expect(source.snapshot().objects.map((o) => o.metadata.name)).toEqual(['two']);
    } finally {
      await source.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Gateway addresses from the proxy Service', () => {
  const service = (spec: object, status?: object, gateway = 'edge') => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${gateway}-proxy`, namespace: 'infra', labels: { 'gateway.networking.k8s.io/gateway-name': gateway } },
    spec,
    ...(status ? { status } : {}),
  });

  test('are the load balancer ingress points once assigned, IPs and hostnames', () => {
    expect(proxyAddresses(service({ type: 'LoadBalancer', clusterIP: '10.0.0.9' },
      { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.net' }] } }), 'edge'))
      .toEqual([{ type: 'IPAddress', value: '203.0.113.7' }, { type: 'Hostname', value: 'lb.example.net' }]);
  });

  test('are none for a load balancer not yet assigned (not its cluster IP)', () => {
    expect(proxyAddresses(service({ type: 'LoadBalancer', clusterIP: '10.0.0.9' }), 'edge')).toEqual([]);
  });

  test('are the cluster IPs of a ClusterIP Service', () => {
    expect(proxyAddresses(service({ type: 'ClusterIP', clusterIP: '10.0.0.9', clusterIPs: ['10.0.0.9', 'fd00::9'] }), 'edge'))
      .toEqual([{ type: 'IPAddress', value: '10.0.0.9' }, { type: 'IPAddress', value: 'fd00::9' }]);
  });

  test('are unknown without a Service, or with one labelled for another Gateway', () => {
    expect(proxyAddresses(undefined, 'edge')).toBeUndefined();
    expect(proxyAddresses(service({ type: 'ClusterIP', clusterIP: '10.0.0.9' }, undefined, 'other'), 'edge')).toBeUndefined();
  });

  test('are written into the status, replaced when they change, and left alone when unknown', () => {
    const ours = { conditions: [cond('Accepted', 'True', 'Accepted', 'x')], listeners: [] };
    const now = NOW;
    const first: any = statusToWrite(ours, {}, 'c', now, [{ type: 'IPAddress', value: '203.0.113.7' }]);
    expect(first.addresses).toEqual([{ type: 'IPAddress', value: '203.0.113.7' }]);
    expect(statusToWrite(ours, first, 'c', now, [{ type: 'IPAddress', value: '203.0.113.7' }])).toBeUndefined();
    expect((statusToWrite(ours, first, 'c', now, [{ type: 'Hostname', value: 'lb.example.net' }]) as any).addresses)
      .toEqual([{ type: 'Hostname', value: 'lb.example.net' }]);
    expect(statusToWrite(ours, first, 'c', now, undefined)).toBeUndefined();
    expect((statusToWrite(ours, first, 'c', now, []) as any).addresses).toBeUndefined();
  });
});

describe('StatusWriter passes', () => {
  /** An API that stores what is PUT and counts the writes. */
  function fakeApi(objects: Map<string, any>) {
    let version = 100;
    const puts: string[] = [];
    const api = {
      request: async (method: string, _path: string, body?: any) => {
        if (method !== 'PUT') return { status: 405, body: {} };
        const key = `HTTPRoute/${body.metadata.namespace}/${body.metadata.name}`;
        puts.push(key);
        const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
        objects.set(key, stored);
        return { status: 200, body: stored };
      },
    };
    return { api, puts };
  }

  const route = (name: string, status?: object) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'apps', resourceVersion: '1', generation: 1 },
    spec: {},
    ...(status ? { status } : {}),
  });
  const routeStatus = (name: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    namespace: 'apps',
    name,
    status: { parents: [{ parentRef: { name: 'gw' }, controllerName: ME, conditions: [cond('Accepted', 'True', 'Accepted', 'x')] }] },
  }) as any;

  async function settle(writer: StatusWriter): Promise<void> {
    for (let i = 0; i < 50 && (writer as any).running; i++) await (writer as any).running;
  }

  test('writes each differing status once, then skips what it found equal until the stored object changes', async () => {
    const objects = new Map<string, any>();
    const desired = new Map<string, any>();
    for (let i = 0; i < 200; i++) {
      objects.set(`HTTPRoute/apps/r${i}`, route(`r${i}`));
      desired.set(`HTTPRoute/apps/r${i}`, routeStatus(`r${i}`));
    }
    const { api, puts } = fakeApi(objects);
    const writer = new StatusWriter({
      api: api as any, controllerName: ME, lookup: (k) => objects.get(k), log: () => undefined, clock: () => new Date(NOW),
    });
    writer.setActive(true);
    writer.sync(desired);
    await settle(writer);
    expect(puts).toHaveLength(200);

    writer.resync();
    await settle(writer);
    expect(puts).toHaveLength(200);

    // Another writer replaces one status: its resourceVersion moves, so it is compared and restored.
    const tampered = objects.get('HTTPRoute/apps/r7');
    objects.set('HTTPRoute/apps/r7', { ...tampered, metadata: { ...tampered.metadata, resourceVersion: '999' }, status: {} });
    writer.resync();
    await settle(writer);
    expect(puts.slice(200)).toEqual(['HTTPRoute/apps/r7']);
    await writer.close();
  });
});

describe('the gateway-exists finalizer of our GatewayClasses', () => {
  const gatewayClass = (name: string, metadata: object = {}) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name, resourceVersion: '5', ...metadata }, spec: { controllerName: ME },
  });

  test('is added to a class a Gateway uses, keeping other finalizers, and removed from one none uses', () => {
    const used = new Set(['a']);
    expect(classFinalizers(gatewayClass('a', { finalizers: ['example.com/keep'] }) as any, used)).toEqual(['example.com/keep', GATEWAY_EXISTS_FINALIZER]);
    expect(classFinalizers(gatewayClass('a', { finalizers: [GATEWAY_EXISTS_FINALIZER] }) as any, used)).toBeUndefined();
    expect(classFinalizers(gatewayClass('b', { finalizers: ['example.com/keep', GATEWAY_EXISTS_FINALIZER] }) as any, used)).toEqual(['example.com/keep']);
    expect(classFinalizers(gatewayClass('b') as any, used)).toBeUndefined();
  });

  test('is not added to a class being deleted (the API server refuses new finalizers then), but is removed once unused', () => {
    const deleting = { deletionTimestamp: '2026-11-22T10:00:00Z' };
    expect(classFinalizers(gatewayClass('a', deleting) as any, new Set(['a']))).toBeUndefined();
    expect(classFinalizers(gatewayClass('a', { ...deleting, finalizers: [GATEWAY_EXISTS_FINALIZER] }) as any, new Set())).toEqual([]);
  });

  test('is patched by the leader with the resourceVersion it read, only when it must change', async () => {
    const objects = new Map<string, any>([
      ['GatewayClass//used', gatewayClass('used')],
      ['GatewayClass//unused', gatewayClass('unused', { finalizers: [GATEWAY_EXISTS_FINALIZER] })],
      ['Gateway/infra/gw', {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra' }, spec: { gatewayClassName: 'used' },
      }],
    ]);
    const patches: [string, string, any, string | undefined][] = [];
    const api = {
      request: async (method: string, urlPath: string, body?: any, contentType?: string) => {
        if (method === 'PATCH') patches.push([method, urlPath, body, contentType]);
        return { status: method === 'PATCH' ? 200 : 405, body: {} };
      },
    };
    const writer = new StatusWriter({
      api: api as any, controllerName: ME, lookup: (k) => objects.get(k), log: () => undefined, clock: () => new Date(NOW),
    });
    const status = (kind: string, name: string, namespace?: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, name, namespace, status: {} });
    writer.sync(new Map<string, any>([
      ['GatewayClass//used', status('GatewayClass', 'used')],
      ['GatewayClass//unused', status('GatewayClass', 'unused')],
      ['Gateway/infra/gw', status('Gateway', 'gw', 'infra')],
    ]));
    expect(patches).toEqual([]); // not the leader yet
    writer.setActive(true);
    for (let i = 0; i < 50 && (writer as any).running; i++) await (writer as any).running;
    expect(patches).toEqual([
      ['PATCH', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/used', { metadata: { resourceVersion: '5', finalizers: [GATEWAY_EXISTS_FINALIZER] } }, 'application/merge-patch+json'],
      ['PATCH', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/unused', { metadata: { resourceVersion: '5', finalizers: null } }, 'application/merge-patch+json'],
    ]);
    await writer.close();
  });

  test('when not allowed to patch the class, says so once, keeps writing status and tries again on later passes', async () => {
    const objects = new Map<string, any>([
      ['GatewayClass//used', gatewayClass('used')],
      ['Gateway/infra/gw', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra', resourceVersion: '1' }, spec: { gatewayClassName: 'used' } }],
    ]);
    const calls: string[] = [];
    let version = 10;
    const api = {
      request: async (method: string, urlPath: string, body?: any) => {
        calls.push(`${method} ${urlPath}`);
        if (method === 'PATCH') return { status: 403, body: { message: 'gatewayclasses.gateway.networking.k8s.io "used" is forbidden' } };
        const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
        objects.set(body.kind === 'Gateway' ? 'Gateway/infra/gw' : 'GatewayClass//used', stored);
        return { status: 200, body: stored };
      },
    };
    const logs: string[] = [];
    const writer = new StatusWriter({
      api: api as any, controllerName: ME, lookup: (k) => objects.get(k), log: (l) => logs.push(l), clock: () => new Date(NOW),
    });
    const status = (kind: string, name: string, namespace?: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, name, namespace, status: { conditions: [cond('Accepted', 'True', 'Accepted')] } });
    writer.setActive(true);
    writer.sync(new Map<string, any>([['GatewayClass//used', status('GatewayClass', 'used')], ['Gateway/infra/gw', status('Gateway', 'gw', 'infra')]]));
    for (let i = 0; i < 50 && (writer as any).running; i++) await (writer as any).running;
    writer.resync();
    for (let i = 0; i < 50 && (writer as any).running; i++) await (writer as any).running;
    expect(calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('PUT')).sort()).toEqual([
      'PUT /apis/gateway.networking.k8s.io/v1/gatewayclasses/used/status', 'PUT /apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways/gw/status',
    ]);
    expect(logs).toEqual(['controller: finalizer of GatewayClass//used not added: 403 gatewayclasses.gateway.networking.k8s.io "used" is forbidden']);
    await writer.close();
  });
});

describe('Programmed, when the proxy is another Deployment', () => {
  const service = (spec: object, status?: object, labels: object = { 'gateway.networking.k8s.io/gateway-name': 'edge' }) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge-proxy', namespace: 'infra', labels }, spec, ...(status ? { status } : {}),
  }) as any;

  test('waits for the proxy Service, then for a ready endpoint, then for a load balancer address', () => {
    expect(proxyVerdict(undefined, 'infra', 'edge', 0)).toEqual({
      reason: 'Pending',
      message: 'no proxy serves this Gateway: no Service infra/edge-proxy labelled gateway.networking.k8s.io/gateway-name=edge (deploy one with GatewayController.serve())',
    });
    expect(proxyVerdict(service({ type: 'ClusterIP' }, undefined, { 'gateway.networking.k8s.io/gateway-name': 'other' }), 'infra', 'edge', 3)?.reason).toBe('Pending');
    expect(proxyVerdict(service({ type: 'ClusterIP', clusterIP: '10.0.0.1' }), 'infra', 'edge', 0))
      .toEqual({ reason: 'Pending', message: 'the proxy has no ready replica yet (Service infra/edge-proxy has no ready endpoint)' });
    expect(proxyVerdict(service({ type: 'ClusterIP', clusterIP: '10.0.0.1' }), 'infra', 'edge', 1)).toBeUndefined();
    expect(proxyVerdict(service({ type: 'LoadBalancer', clusterIP: '10.0.0.1' }, { loadBalancer: {} }), 'infra', 'edge', 1))
      .toEqual({ reason: 'AddressNotAssigned', message: 'the load balancer of Service infra/edge-proxy has no address yet' });
    expect(proxyVerdict(service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } }), 'infra', 'edge', 1)).toBeUndefined();
  });

  test('turns the Programmed conditions that were True False, and nothing else', () => {
    const status = {
      conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
      listeners: [
        { name: 'a', conditions: [cond('Programmed', 'True', 'Programmed'), cond('ResolvedRefs', 'True', 'ResolvedRefs')] },
        { name: 'b', conditions: [cond('Programmed', 'False', 'Invalid')] },
      ],
    };
    const verdict = { reason: 'Pending', message: 'm' } as const;
    const demoted = withProxyVerdict(status, verdict);
    expect(demoted.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Accepted=True/Accepted', 'Programmed=False/Pending']);
    expect(demoted.listeners.map((l: any) => l.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`))).toEqual([
      ['Programmed=False/Pending', 'ResolvedRefs=True/ResolvedRefs'], ['Programmed=False/Invalid'],
    ]);
    expect(withProxyVerdict(status, undefined)).toBe(status);
  });
});
