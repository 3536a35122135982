/**
 * The RBAC GatewayController synthesizes, enforced: the whole synthesized app applied with
 * kubectl to the test API server (which authorizes each ServiceAccount's requests as the RBAC
 * authorizer does), then the status controller and the proxy run with exactly their
 * Deployment's arguments, each as its own ServiceAccount. Everything they need is allowed, and
 * what they must not do is refused. Needs the compiled lib/ (jsii).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { Backend, CertificateRef, Gateway, GatewayController, HttpRoute, Listener, PathMatch, ProxyServiceType } from '../../src';
import { leaseNameOf } from '../../src/cli/controller';
import { DEFAULT_CONTROLLER_NAME } from '../../src/engine/constants';
import { GATEWAY_EXISTS_FINALIZER } from '../../src/runtime/status-writer';
import { EchoServer } from '../conformance/echo';
import { freeOffset, selfSigned, tempDir, tlsSecret } from '../runtime/support';
import { TestApiServer } from '../util/apiserver';
import { apiRequest, ControllerProcess, fetchText, kubectl, spawnController, until } from '../util/kubectl';
import { SHARED_DIR } from '../util/shared';

jest.setTimeout(90_000);

const SYSTEM = 'cdk8s-gateway-system';
const EDGE = 'edge';
const TOKENS = { status: 'status-token', proxy: 'proxy-token', noCrds: 'no-crds-token' };

let dir: string;
let server: TestApiServer;
let echo: EchoServer;
let objects: any[];
const running: ControllerProcess[] = [];

/** The platform app of docs/controller.md, reduced to what runs here: the controller, one Gateway it serves, a route to an echo Service. */
function synthesize(echoPort: number): any[] {
  const app = new App({ outdir: path.join(dir, 'dist') });
  const chart = new Chart(app, 'platform', { namespace: EDGE });
  const controller = new GatewayController(chart, 'Controller', { namespace: SYSTEM, replicas: 2 });
  const gateway = new Gateway(chart, 'Public', {
    metadata: { name: 'public' },
    gatewayClass: controller.gatewayClass,
    listeners: [Listener.http(), Listener.https({ certificates: [CertificateRef.fromSecretName('public-tls')] })],
  });
  controller.serve(gateway, { replicas: 1, serviceType: ProxyServiceType.CLUSTER_IP });
  const service = new ApiObject(chart, 'Echo', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: [{ name: 'http', port: 8080 }] } });
  new ApiObject(chart, 'EchoEndpoints', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: echoPort, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  } as any);
  new HttpRoute(chart, 'Web', {
    metadata: { name: 'web' },
    parents: [{ parent: gateway }],
    rules: [{ matches: [{ path: PathMatch.prefix('/') }], backends: [Backend.fromServiceObject(service, { port: 8080 })] }],
  });
  app.synth();
  return fs.readdirSync(app.outdir).filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(app.outdir, f), 'utf8')).map((d) => d.toJS()).filter(Boolean));
}

const component = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === name);

/**
 * Runs a Deployment's container as a process: its args and its downward-API environment, its
 * ServiceAccount's token; on this machine's loopback, with free ports instead of the pod's.
 */
async function runDeployment(deployment: any, token: string): Promise<ControllerProcess & { port: number }> {
  const container = deployment.spec.template.spec.containers[0];
  const args: string[] = [...container.args];
  const drop = (flag: string) => {
    const at = args.indexOf(flag);
    if (at >= 0) args.splice(at, 2);
  };
  drop('--admin-port');
  drop('--listen-offset');
  expect(args[0]).toBe('controller');
  const offset = await freeOffset(80, 443);
  const kubeconfig = server.writeKubeconfig(path.join(dir, `kubeconfig-${token}`), deployment.metadata.namespace, token);
  const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', POD_NAME: `${deployment.metadata.name}-0`, POD_NAMESPACE: deployment.metadata.namespace };
  const started = await spawnController(kubeconfig, [...args.slice(1), '--listen-offset', String(offset)], { env });
  running.push(started);
  return { ...started, port: 80 + offset };
}

async function fetchStatus(port: number, urlPath: string, secure = false): Promise<number> {
  return (await fetchText(port, urlPath, 'example.com', secure)).status;
}

/** One request as a ServiceAccount; resolves with the status code and the body. */
function as(token: string, method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  return apiRequest(server.url, method, urlPath, { body, contentType, token });
}

beforeAll(async () => {
  dir = tempDir();
  echo = await EchoServer.start({ namespace: EDGE, pod: 'echo-0' });
  objects = synthesize(echo.httpPort);
  const user = (o: any) => `system:serviceaccount:${o.metadata.namespace}:${o.metadata.name}`;
  server = await TestApiServer.start({
    crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard'),
    tokens: {
      [TOKENS.status]: { user: user(component('ServiceAccount', 'status-controller')) },
      [TOKENS.proxy]: { user: user(component('ServiceAccount', 'proxy')) },
      [TOKENS.noCrds]: { user: `system:serviceaccount:${SYSTEM}:no-crds` },
    },
  });
  const admin = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const ordered = [...objects].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  const namespaces = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${EDGE}\n`;
  // The listener's certificate, and a Secret the proxy has no business reading.
  const secrets = [tlsSecret('public-tls', selfSigned('example.com')), tlsSecret('other', selfSigned('other.example.com'))]
    .map((secret: any) => JSON.stringify({ ...secret, metadata: { ...secret.metadata, namespace: EDGE } }));
  const applied = await kubectl(admin, ['apply', '-f', '-'], [namespaces, ...ordered.map((o) => JSON.stringify(o)), ...secrets].join('\n---\n'));
  if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  await echo?.close();
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the synthesized RBAC, enforced', () => {
  test('lets the status controller do its whole job as its ServiceAccount', async () => {
    const controller = await runDeployment(component('Deployment', 'status-controller'), TOKENS.status);
    const route = await until('the route status', async () => {
      const r = await as(TOKENS.status, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/httproutes/web`);
      return r.body?.status?.parents?.[0]?.conditions?.length ? r.body : undefined;
    }, 30_000);
    expect(route.status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    const gatewayClass = (await as(TOKENS.status, 'GET', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/cdk8s-gateway')).body;
    // The CRDs were read (SupportedVersion names their version) and the finalizer patched.
    expect(gatewayClass.status.conditions.find((c: any) => c.type === 'SupportedVersion').message).toBe('Gateway API v1.6.1 is supported');
    await until('the finalizer', async () => ((await as(TOKENS.status, 'GET', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/cdk8s-gateway')).body
      .metadata.finalizers?.includes(GATEWAY_EXISTS_FINALIZER) || undefined));
    // Its Role allows get, create and update of Leases: not list.
    expect((await as(TOKENS.status, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases`)).status).toBe(403);
    const lease = await as(TOKENS.status, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM}/leases/${leaseNameOf(DEFAULT_CONTROLLER_NAME)}`);
    expect(lease.body.spec.holderIdentity).toBe(`${component('Deployment', 'status-controller').metadata.name}-0`);
    const gateway = (await as(TOKENS.status, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/gateways/public`)).body;
    expect(gateway.status.addresses).toEqual([{ type: 'IPAddress', value: expect.stringMatching(/^10\.96\./) }]);
    // Valid, but no proxy replica is ready behind its Service yet: not Programmed.
    expect(gateway.status.conditions.find((c: any) => c.type === 'Programmed')).toMatchObject({
      status: 'False', reason: 'Pending', message: `the proxy has no ready replica yet (Service ${EDGE}/public-proxy has no ready endpoint)`,
    });
    expect(controller.logs.filter((l) => /\b40[13]\b|forbidden|not allowed/i.test(l))).toEqual([]);
  });

  test('lets the proxy serve its Gateway as its ServiceAccount, reading only', async () => {
    const proxy = await runDeployment(component('Deployment', 'proxy'), TOKENS.proxy);
    await until('traffic through the proxy', async () => (await fetchStatus(proxy.port, '/')) === 200 || undefined, 30_000);
    // HTTPS with the certificate of the Secret its Role names.
    expect(await until('HTTPS through the proxy', async () => (await fetchStatus(proxy.port + 443 - 80, '/', true)) === 200 || undefined)).toBe(true);
    expect(proxy.logs.filter((l) => /\b40[13]\b|forbidden|not allowed/i.test(l))).toEqual([]);
    // What the endpoints controller would do once the proxy pod is ready: the Gateway is Programmed then.
    const admin = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
    const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: public-proxy-1, namespace: ${EDGE}, labels: { kubernetes.io/service-name: public-proxy } }
addressType: IPv4
ports: [{ name: http-80, port: ${proxy.port}, protocol: TCP }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;
    expect((await kubectl(admin, ['apply', '-f', '-'], slice)).code).toBe(0);
    const programmed = await until('the Gateway to be Programmed', async () => {
      const g = (await as(TOKENS.status, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/gateways/public`)).body;
      const c = g.status.conditions.find((x: any) => x.type === 'Programmed');
      return c.status === 'True' ? g : undefined;
    });
    expect(programmed.status.listeners.map((l: any) => l.conditions.find((c: any) => c.type === 'Programmed').status)).toEqual(['True', 'True']);
  });

  test('refuses the proxy any write, and the status controller what it has no business doing', async () => {
    const route = (await as(TOKENS.proxy, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/httproutes/web`)).body;
    const write = await as(TOKENS.proxy, 'PUT', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/httproutes/web/status`, route);
    expect(write.status).toBe(403);
    expect(write.body.message).toMatch(/cannot update resource "httproutes\/status" in API group "gateway.networking.k8s.io"/);
    // Secrets: its Gateway's certificate by name, nothing else, not even a list.
    expect((await as(TOKENS.proxy, 'GET', `/api/v1/namespaces/${EDGE}/secrets/public-tls`)).status).toBe(200);
    const other = await as(TOKENS.proxy, 'GET', `/api/v1/namespaces/${EDGE}/secrets/other`);
    expect(other.status).toBe(403);
    expect(other.body.message).toMatch(/secrets "other" is forbidden: User "system:serviceaccount:edge:[^"]+" cannot get resource "secrets" in API group "" in the namespace "edge"/);
    expect((await as(TOKENS.proxy, 'GET', `/api/v1/namespaces/${EDGE}/secrets`)).status).toBe(403);
    expect((await as(TOKENS.status, 'GET', `/api/v1/namespaces/${EDGE}/secrets/other`)).status).toBe(200);
    expect((await as(TOKENS.proxy, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${EDGE}/leases`,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' }, spec: {} })).status).toBe(403);
    // The status controller: no spec writes, no Secrets written, the finalizer of its own class only, Leases in its own namespace only.
    expect((await as(TOKENS.status, 'PUT', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/httproutes/web`, route)).status).toBe(403);
    expect((await as(TOKENS.status, 'POST', `/api/v1/namespaces/${EDGE}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).status).toBe(403);
    await kubectl(server.writeKubeconfig(path.join(dir, 'kubeconfig')), ['apply', '-f', '-'],
      'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: other}\nspec: {controllerName: example.com/other}\n');
    expect((await as(TOKENS.status, 'PATCH', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/other', { metadata: { finalizers: ['x/y'] } }, 'application/merge-patch+json')).status).toBe(403);
    expect((await as(TOKENS.status, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${EDGE}/leases`,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' }, spec: {} })).status).toBe(403);
  });

  test('serves on, saying once why, when a status controller may not read CRDs (an older RBAC)', async () => {
    // The status controller's ClusterRole and Lease Role, less the CRD rule, for another ServiceAccount.
    const statusRole = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.labels?.['app.kubernetes.io/component'] === 'status-controller');
    const leaseRole = objects.find((o) => o.kind === 'Role' && o.metadata.labels?.['app.kubernetes.io/component'] === 'status-controller');
    const rules = [...statusRole.rules, ...leaseRole.rules].filter((r: any) => !r.resources.includes('customresourcedefinitions'));
    const subjects = [{ kind: 'ServiceAccount', name: 'no-crds', namespace: SYSTEM }];
    const rbac = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'no-crds' }, rules },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'no-crds' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'no-crds' }, subjects },
    ];
    const applied = await kubectl(server.writeKubeconfig(path.join(dir, 'kubeconfig')), ['apply', '-f', '-'], rbac.map((o) => stringify(o)).join('---\n'));
    expect(applied.stderr).toBe('');
    // Only one status writer at a time: the first one goes away, releasing its Lease.
    await Promise.all(running.splice(0).map((c) => c.stop()));
    const deployment = component('Deployment', 'status-controller');
    const controller = await runDeployment({ ...deployment, metadata: { ...deployment.metadata, name: 'no-crds' } }, TOKENS.noCrds);
    const message = await until('SupportedVersion from the new leader', async () => {
      const c = (await as(TOKENS.noCrds, 'GET', '/apis/gateway.networking.k8s.io/v1/gatewayclasses/cdk8s-gateway')).body.status.conditions
        .find((x: any) => x.type === 'SupportedVersion');
      return c.message.includes('no Gateway API CustomResourceDefinitions were seen') ? c : undefined;
    });
    expect(message).toMatchObject({ status: 'True', reason: 'SupportedVersion' });
    expect(controller.logs.filter((l) => /CustomResourceDefinition cannot be listed \(403, not allowed/.test(l))).toHaveLength(1);
    const route = (await as(TOKENS.noCrds, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${EDGE}/httproutes/web`)).body;
    expect(route.status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
  });
});
