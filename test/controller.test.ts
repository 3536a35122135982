/**
 * `cdk8s-gateway controller` as a process (client-node is ESM and cannot load under jest)
 * against the test API server: objects in, status and traffic out, leader failover.
 * Needs the compiled lib/ (jsii) like every test that spawns bin/cdk8s-gateway.
 */
import { spawn } from 'child_process';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';
import { backend, CONTROLLER, Echo, freeOffset, freePort, httpRoute, KeyPair, manifests, selfSigned, startEcho, tempDir, tlsSecret } from './runtime/support';
import { TestApiServer, TestApiServerOptions } from './util/apiserver';
import { apiRequest, ControllerProcess, fetchText, spawnController, until } from './util/kubectl';
import { SHARED_DIR } from './util/shared';

const BIN = path.join(__dirname, '..', 'bin', 'cdk8s-gateway');
const GW = 'gateway.networking.k8s.io';

jest.setTimeout(60_000);

type Controller = ControllerProcess;

let server: TestApiServer;
let kubeconfig: string;
let echo: Echo;
const running: Controller[] = [];

beforeAll(async () => {
  server = await TestApiServer.start({ crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard') });
  kubeconfig = server.writeKubeconfig(path.join(tempDir(), 'kubeconfig'));
  echo = await startEcho('a');
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  await echo?.close();
  await server?.close();
});

function request(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  return apiRequest(server.url, method, apiPath, { body });
}

function collection(obj: any): string {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const plural = ({ EndpointSlice: 'endpointslices', HTTPRoute: 'httproutes', GatewayClass: 'gatewayclasses' } as Record<string, string>)[obj.kind]
    ?? `${obj.kind.toLowerCase()}s`;
  const ns = obj.kind === 'GatewayClass' || obj.kind === 'Namespace' ? '' : `/namespaces/${obj.metadata.namespace ?? 'default'}`;
  return `${group === '' ? `/api/${version}` : `/apis/${group}/${version}`}${ns}/${plural}`;
}

async function create(obj: any): Promise<void> {
  const res = await request('POST', collection(obj), obj);
  if (res.status !== 201) throw new Error(`create ${obj.kind} ${obj.metadata.name}: ${res.status} ${JSON.stringify(res.body)}`);
}

async function get(obj: any): Promise<any> {
  return (await request('GET', `${collection(obj)}/${obj.metadata.name}`)).body;
}

async function remove(obj: any): Promise<void> {
  await request('DELETE', `${collection(obj)}/${obj.metadata.name}`);
}

/** Replaces the test API server (and the kubeconfig pointing at it) with a new, empty one. */
async function freshServer(options: Partial<TestApiServerOptions> = {}): Promise<void> {
  await server.close();
  server = await TestApiServer.start({ crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard'), ...options });
  kubeconfig = server.writeKubeconfig(path.join(tempDir(), 'kubeconfig'));
}

/** GatewayClass gc, Gateway default/gw with one HTTP listener, and HTTPRoute web to the echo backend. */
async function createWeb(): Promise<void> {
  for (const obj of manifests({
    listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
    routes: [httpRoute([{ backendRefs: [backend('echo')] }], { name: 'web' })],
    services: [{ name: 'echo', endpoints: [echo.port] }],
  })) await create(obj);
}

function condition(conditions: any[] | undefined, type: string): any {
  return (conditions ?? []).find((c) => c.type === type);
}

async function startController(args: string[]): Promise<Controller> {
  const controller = await spawnController(kubeconfig, ['--controller-name', CONTROLLER,
    '--lease-duration', '2', '--renew-interval', '200', '--drain-timeout', '500', ...args]);
  running.push(controller);
  void controller.exited.finally(() => running.splice(running.indexOf(controller), 1));
  return controller;
}


describe('controller', () => {
  let offset: number;
  let first: Controller;
  const objects = () => manifests({
    listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
    routes: [httpRoute([{ backendRefs: [backend('echo')] }], { name: 'web' })],
    services: [{ name: 'echo', endpoints: [echo.port] }],
  }) as any[];

  test('writes Accepted and ResolvedRefs for the objects in the cluster, and serves their traffic', async () => {
    for (const obj of objects()) await create(obj);
    offset = (await freePort()) - 80;
    first = await startController(['--listen-offset', String(offset), '--identity', 'first']);
    await until('/readyz', async () => (await fetchText(first.adminPort, '/readyz')).status === 200 || undefined);
    const route = await until('the route status', async () => {
      const r = await get({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' } });
      return r.status?.parents?.length ? r : undefined;
    });
    const parent = route.status.parents[0];
    expect(parent.controllerName).toBe(CONTROLLER);
    expect(condition(parent.conditions, 'Accepted').status).toBe('True');
    expect(condition(parent.conditions, 'ResolvedRefs').status).toBe('True');
    const gateway = await until('the Gateway status', async () => {
      const g = await get({ apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' } });
      return condition(g.status?.conditions, 'Programmed')?.status === 'True' ? g : undefined;
    });
    expect(gateway.status.listeners[0].attachedRoutes).toBe(1);
    const gatewayClass = await get({ apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'gc' } });
    expect(condition(gatewayClass.status.conditions, 'Accepted').status).toBe('True');
    expect(gatewayClass.status.supportedFeatures).toEqual(expect.arrayContaining([{ name: 'Gateway' }, { name: 'HTTPRoute' }, { name: 'ReferenceGrant' }]));

    const reply = await until('traffic', async () => {
      const r = await fetchText(80 + offset, '/hello');
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(reply.body).pod).toBe('a');
    expect((await fetchText(first.adminPort, '/metrics')).body).toMatch(/gateway_controller_leader 1/);
  });

  test('decides GatewayClass SupportedVersion from the installed CRDs\' bundle-version, and follows a change of it', async () => {
    const classKey = { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'gc' } };
    const supported = async () => condition((await get(classKey)).status?.conditions, 'SupportedVersion');
    expect(await supported()).toMatchObject({ status: 'True', reason: 'SupportedVersion', message: 'Gateway API v1.6.1 is supported' });
    const crd = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.${GW}`;
    const annotate = async (version: string) => (await apiRequest(server.url, 'PATCH', crd, {
      body: { metadata: { annotations: { [`${GW}/bundle-version`]: version } } }, contentType: 'application/merge-patch+json',
    })).status;
    expect(await annotate('v1.5.0')).toBe(200);
    const unsupported = await until('SupportedVersion False', async () => ((await supported())?.status === 'False' ? supported() : undefined));
    expect(unsupported).toMatchObject({ reason: 'UnsupportedVersion' });
    expect(unsupported.message).toMatch(/httproutes\.gateway\.networking\.k8s\.io is at v1\.5\.0 \(served best-effort/);
    expect(condition((await get(classKey)).status.conditions, 'Accepted').status).toBe('True');
    expect((await fetchText(80 + offset, '/')).status).toBe(200);
    expect(await annotate('v1.6.1')).toBe(200);
    await until('SupportedVersion True again', async () => ((await supported())?.status === 'True' || undefined));
  });

  test('reports a route whose backend does not exist with ResolvedRefs False, BackendNotFound', async () => {
    await create(httpRoute([{ backendRefs: [backend('missing')] }], { name: 'broken', hostnames: ['broken.example'] }));
    const parent = await until('the broken route status', async () => {
      const r = await get({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'broken', namespace: 'default' } });
      return r.status?.parents?.[0];
    });
    expect(condition(parent.conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    expect((await fetchText(80 + offset, '/', 'broken.example')).status).toBe(500);
  });

  test('applies a route change to traffic', async () => {
    const route = await get({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' } });
    route.spec.rules = [{ matches: [{ path: { type: 'PathPrefix', value: '/only' } }], backendRefs: [backend('echo')] }];
    const res = await request('PUT', `${collection(route)}/web`, route);
    expect(res.status).toBe(200);
    await until('the route change', async () => (await fetchText(80 + offset, '/hello')).status === 404 || undefined);
    expect((await fetchText(80 + offset, '/only/x')).status).toBe(200);
  });

  test('answers 503 once the backend has no endpoints', async () => {
    await remove({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'echo-0', namespace: 'default' } });
    await until('503', async () => (await fetchText(80 + offset, '/only/x')).status === 503 || undefined);
  });

  test('restores a status someone else overwrote', async () => {
    const key = { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' } };
    const route = await get(key);
    const stamped = route.status.parents[0].conditions[0].lastTransitionTime;
    const res = await request('PUT', `${collection(route)}/web/status`, { ...route, status: { parents: [] } });
    expect(res.status).toBe(200);
    expect(res.body.status.parents).toEqual([]);
    const restored = await until('the status to be written again', async () => {
      const r = await get(key);
      return r.status?.parents?.length === 1 ? r : undefined;
    });
    expect(Number(restored.metadata.resourceVersion)).toBeGreaterThan(Number(res.body.metadata.resourceVersion));
    expect(restored.status.parents[0].controllerName).toBe(CONTROLLER);
    expect(restored.status.parents[0].conditions[0].lastTransitionTime >= stamped).toBe(true);
  });

  test('writes nothing after a restart when nothing changed (no flapping)', async () => {
    const key = { apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' } };
    const before = await get(key);
    expect(await first.stop()).toBe(0);
    first = await startController(['--listen-offset', String(offset), '--identity', 'first']);
    await until('/readyz', async () => (await fetchText(first.adminPort, '/readyz')).status === 200 || undefined);
    await until('leadership', async () => /gateway_controller_leader 1/.test((await fetchText(first.adminPort, '/metrics')).body) || undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await get(key);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await fetchText(first.adminPort, '/metrics')).body).toMatch(/gateway_status_writes_total\{outcome="written"\} 0/);
  });

  test('a standby takes over when the leader dies, and serves traffic meanwhile', async () => {
    await create({ ...objects().find((o) => o.kind === 'EndpointSlice'), metadata: { name: 'echo-0', namespace: 'default', labels: { 'kubernetes.io/service-name': 'echo' } } });
    const offset2 = (await freePort()) - 80;
    const second = await startController(['--listen-offset', String(offset2), '--identity', 'second']);
    await until('/readyz of the standby', async () => (await fetchText(second.adminPort, '/readyz')).status === 200 || undefined);
    expect((await fetchText(second.adminPort, '/metrics')).body).toMatch(/gateway_controller_leader 0/);
    await until('traffic through the standby', async () => (await fetchText(80 + offset2, '/only/x')).status === 200 || undefined);

    await first.stop('SIGKILL');
    await until('the standby to lead', async () => /gateway_controller_leader 1/.test((await fetchText(second.adminPort, '/metrics')).body) || undefined, 10_000);
    const lease = await request('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/example.com-gateway-controller');
    expect(lease.body.spec.holderIdentity).toBe('second');
    expect(lease.body.spec.renewTime).toMatch(/\.\d{6}Z$/);

    await create(httpRoute([{ backendRefs: [backend('echo')] }], { name: 'later', hostnames: ['later.example'] }));
    const parent = await until('status from the new leader', async () => {
      const r = await get({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'later', namespace: 'default' } });
      return r.status?.parents?.[0];
    });
    expect(condition(parent.conditions, 'Accepted').status).toBe('True');
    expect((await fetchText(80 + offset2, '/', 'later.example')).status).toBe(200);

    expect(await second.stop()).toBe(0);
    const released = await request('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/example.com-gateway-controller');
    expect(released.body.spec.holderIdentity).toBeUndefined();
  });

});

describe('controller when the API server goes away', () => {
  let offset: number;
  let controller: Controller;

  beforeAll(async () => {
    // A short history, so that a watch resumed after a few changes is answered 410 Gone.
    await freshServer({ historySize: 5 });
    const objects = manifests({
      listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
      routes: [httpRoute([{ backendRefs: [backend('echo')] }], { name: 'web', hostnames: ['web.example'] })],
      services: [{ name: 'echo', endpoints: [echo.port] }],
    });
    for (const obj of objects) await create(obj);
    offset = await freeOffset(80, 443);
    controller = await startController(['--listen-offset', String(offset), '--no-status']);
    await until('traffic', async () => (await fetchText(80 + offset, '/', 'web.example')).status === 200 || undefined);
  });

  afterAll(async () => {
    await controller?.stop('SIGKILL');
  });

  test('keeps serving the last configuration while the API server is unreachable, and catches up after', async () => {
    const metric = async (line: RegExp) => line.exec((await fetchText(controller.adminPort, '/metrics')).body)?.[1];
    expect(await metric(/^gateway_controller_watch_up\{kind="HTTPRoute"\} (\d+)$/m)).toBe('1');
    expect(await metric(/^gateway_controller_objects\{kind="HTTPRoute"\} (\d+)$/m)).toBe('1');
    await server.goOffline();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await fetchText(80 + offset, '/', 'web.example')).status).toBe(200);
    expect((await fetchText(controller.adminPort, '/readyz')).status).toBe(200);
    // Ready (it serves), and the metrics say what it serves is no longer followed.
    expect(await metric(/^gateway_controller_watch_up\{kind="HTTPRoute"\} (\d+)$/m)).toBe('0');
    expect(Number(await metric(/^gateway_controller_watch_errors_total\{kind="HTTPRoute"\} (\d+)$/m))).toBeGreaterThan(0);
    await server.goOnline();
    expect((await fetchText(80 + offset, '/', 'after.example')).status).toBe(404);
    await create(httpRoute([{ backendRefs: [backend('echo')] }], { name: 'after', hostnames: ['after.example'] }));
    await until('the route created after the outage', async () => (await fetchText(80 + offset, '/', 'after.example')).status === 200 || undefined, 30_000);
    expect(await metric(/^gateway_controller_watch_up\{kind="HTTPRoute"\} (\d+)$/m)).toBe('1');
    expect(await metric(/^gateway_controller_objects\{kind="HTTPRoute"\} (\d+)$/m)).toBe('2');
    expect(controller.logs.join('\n')).toMatch(/retrying, the last configuration stays live/);
  });

  test('relists when its watches resume too late (410 Gone), and sees what changed meanwhile', async () => {
    // Stopped, the process cannot re-watch; the changes happen while none of its watches is open.
    expect((await fetchText(80 + offset, '/', 'after.example')).status).toBe(200);
    controller.child.kill('SIGSTOP');
    server.endWatches();
    await remove({ apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name: 'after', namespace: 'default' } });
    for (let i = 0; i < 8; i++) await create(httpRoute([{ backendRefs: [backend('echo')] }], { name: `filler-${i}`, hostnames: [`filler-${i}.example`] }));
    controller.child.kill('SIGCONT');
    await until('the deletion to be seen', async () => (await fetchText(80 + offset, '/', 'after.example')).status === 404 || undefined, 20_000);
    expect((await fetchText(80 + offset, '/', 'filler-7.example')).status).toBe(200);
  });

  test('watches the Secret a listener references, and serves a renewed certificate', async () => {
    const fingerprint = (port: number) => new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'secure.example', rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
    const expected = (pair: KeyPair) => new X509Certificate(pair.cert).fingerprint256;
    const gateway = await get({ apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' } });
    gateway.spec.listeners.push({ name: 'https', protocol: 'HTTPS', port: 443, hostname: 'secure.example', tls: { certificateRefs: [{ name: 'cert' }] } });
    expect((await request('PUT', `${collection(gateway)}/gw`, gateway)).status).toBe(200);
    const first = selfSigned('secure.example');
    await create(tlsSecret('cert', first));
    expect(await until('the certificate', () => fingerprint(443 + offset))).toBe(expected(first));

    const renewed = selfSigned('secure.example');
    const secret = (await request('GET', '/api/v1/namespaces/default/secrets/cert')).body;
    secret.data = (tlsSecret('cert', renewed) as any).data;
    expect((await request('PUT', '/api/v1/namespaces/default/secrets/cert', secret)).status).toBe(200);
    await until('the renewed certificate', async () => (await fingerprint(443 + offset)) === expected(renewed) || undefined);
  });
});


describe('controller on a cluster with only some Gateway API CRDs', () => {
  test('logs each missing kind once and serves the kinds that are installed', async () => {
    const crdDir = tempDir();
    for (const plural of ['gatewayclasses', 'gateways', 'httproutes']) {
      const file = `gateway.networking.k8s.io_${plural}.yaml`;
      fs.copyFileSync(path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard', file), path.join(crdDir, file));
    }
    await freshServer({ crdDir });
    await createWeb();
    const offset = (await freePort()) - 80;
    const controller = await startController(['--listen-offset', String(offset), '--no-status']);
    await until('traffic', async () => (await fetchText(80 + offset, '/')).status === 200 || undefined);
    expect((await fetchText(controller.adminPort, '/readyz')).status).toBe(200);
    const missing = controller.logs.filter((l) => /cannot be listed \(404, CRD not installed\?\)/.test(l));
    expect(missing.map((l) => /controller: (\w+) /.exec(l)![1]).sort()).toEqual(
      ['BackendTLSPolicy', 'GRPCRoute', 'ListenerSet', 'ReferenceGrant', 'TCPRoute', 'TLSRoute', 'UDPRoute']);
    await controller.stop('SIGKILL');
  });
});

describe('controller and the gateway-exists finalizer', () => {
  test('keeps a GatewayClass in use from being deleted until its last Gateway is', async () => {
    await freshServer();
    await createWeb();
    const classKey = { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'gc' } };
    const gatewayKey = { apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' } };
    const controller = await startController(['--no-serve', '--lease-namespace', 'default']);
    await until('the finalizer', async () => ((await get(classKey)).metadata.finalizers?.includes('gateway-exists-finalizer.gateway.networking.k8s.io') || undefined));

    expect((await request('DELETE', `${collection(classKey)}/gc`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const deleting = await get(classKey);
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(condition(deleting.status.conditions, 'Accepted').status).toBe('True');

    await remove(gatewayKey);
    await until('the GatewayClass to be gone', async () => ((await request('GET', `${collection(classKey)}/gc`)).status === 404 || undefined));
    expect(controller.logs.filter((l) => /finalizer/.test(l))).toEqual([]);
    await controller.stop('SIGKILL');
  });
});

describe('controller command line', () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'controller', ...args], { env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => stdout += d);
    child.stderr.on('data', (d) => stderr += d);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

  test('prints its options with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--lease-duration S/);
    expect(result.stdout).toMatch(/--no-serve/);
  });

  test('rejects --no-serve with --no-status, which leave nothing to do', async () => {
    expect(await run(['--no-serve', '--no-status'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "cdk8s-gateway controller: --no-serve and --no-status leave nothing to do\nRun 'cdk8s-gateway controller --help' for usage.\n",
    });
  });

  test('rejects a renew interval not shorter than the lease', async () => {
    expect((await run(['--lease-duration', '1', '--renew-interval', '1000'])).code).toBe(2);
  });
});
