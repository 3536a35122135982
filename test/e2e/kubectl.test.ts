/**
 * End to end with kubectl: the synthesized `shared-edge` example applied to the test API server,
 * `cdk8s-gateway controller` processes serving it and writing status, echo pods behind
 * EndpointSlices. Needs the compiled lib/ (jsii) like every test that spawns bin/cdk8s-gateway.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../../examples';
import { EchoServer } from '../conformance/echo';
import { freePort, tempDir } from '../runtime/support';
import { TestApiServer } from '../util/apiserver';
import { ControllerProcess, fetchText as fetchFrom, kubectl as kubectlWith, Run, spawnController, until as untilWithin } from '../util/kubectl';
import { SHARED_DIR } from '../util/shared';

const EXAMPLE = 'shared-edge';
// The example's GatewayClass `internet`; its other Gateway (`edge`) also listens on 80, so the
// proxy serves this one only (status is written for both).
const CONTROLLER_NAME = 'example.net/gateway-controller';
const SERVED = 'infra/shared-edge';
const HOST = 'store.example.com';

jest.setTimeout(90_000);


interface Controller extends ControllerProcess {
  readonly port: number;
}

let server: TestApiServer;
let dir: string;
let kubeconfig: string;
const echoes: Record<string, EchoServer> = {};
const running: Controller[] = [];

function kubectl(args: string[], input?: string): Promise<Run> {
  return kubectlWith(kubeconfig, args, input);
}

function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  return untilWithin(what, probe, timeoutMs, everyMs);
}

async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.code} ${r.stderr}`);
  return r.stdout;
}

function fetchText(port: number, urlPath: string, host = HOST): Promise<{ status: number; body: string }> {
  return fetchFrom(port, urlPath, host);
}

async function metrics(c: Controller): Promise<string> {
  return (await fetchText(c.adminPort, '/metrics', 'localhost')).body;
}

/** The route's conditions for its first parent, by type, through kubectl's jsonpath. */
async function routeConditions(name: string, namespace = 'apps'): Promise<Record<string, any>> {
  const text = await k(['get', 'httproute', name, '-n', namespace, '-o', 'jsonpath={.status.parents[*].conditions}']);
  const conditions: any[] = text.trim() === '' ? [] : JSON.parse(text);
  return Object.fromEntries(conditions.map((c) => [c.type, c]));
}

function endpointSlice(service: string, namespace: string, port: number): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${service}-e2e
  namespace: ${namespace}
  labels: { kubernetes.io/service-name: ${service} }
addressType: IPv4
ports: [{ port: ${port}, protocol: TCP }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;
}

// Not part of the example: the Service its store route reaches in another namespace.
const SESSION_SERVICE = `apiVersion: v1
kind: Service
metadata: { name: shared-session-api, namespace: shared-services }
spec: { ports: [{ port: 8080 }] }
`;

async function startController(identity: string, offset: number): Promise<Controller> {
  const started = await spawnController(kubeconfig, ['--controller-name', CONTROLLER_NAME, '--gateway', SERVED,
    '--listen-offset', String(offset), '--identity', identity, '--lease-duration', '2', '--renew-interval', '200', '--drain-timeout', '500']);
  const controller: Controller = { ...started, port: 80 + offset };
  running.push(controller);
  void started.exited.finally(() => running.splice(running.indexOf(controller), 1));
  await until('/readyz', async () => (await fetchText(controller.adminPort, '/readyz', 'localhost')).status === 200 || undefined, 30_000);
  return controller;
}

beforeAll(async () => {
  server = await TestApiServer.start({ crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard') });
  dir = tempDir();
  kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  for (const [name, namespace] of [['store-frontend', 'apps'], ['shared-session-api', 'shared-services'], ['checkout-v1', 'apps']]) {
    echoes[name] = await EchoServer.start({ namespace, pod: `${name}-7d9f8b6c5-x2k4q` });
  }
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  await Promise.all(Object.values(echoes).map((e) => e.close()));
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`the ${EXAMPLE} example applied with kubectl, served by the controller`, () => {
  let leader: Controller;

  test('applies the synthesized YAML and EndpointSlices for its Services with kubectl', async () => {
    const out = path.join(dir, EXAMPLE);
    EXAMPLES.find((e) => e.name === EXAMPLE)!.build({ outdir: out }).synth();
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.yaml'))
      .sort((a, b) => Number(b.startsWith('namespaces')) - Number(a.startsWith('namespaces')));
    const objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJS()).filter((o) => o));
    // Namespaces the example uses but does not declare exist in the cluster beforehand.
    const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const needed = [...new Set([...objects.map((o) => o.metadata.namespace), 'shared-services'].filter((n) => n && !declared.has(n)))];
    await k(['apply', '-f', '-'], needed.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`).join('---\n'));
    const applied = await k(['apply', ...files.flatMap((f) => ['-f', path.join(out, f)])]);
    expect(applied.trim().split('\n').filter((l) => !/ created$/.test(l))).toEqual([]);
    await k(['apply', '-f', '-'], [
      SESSION_SERVICE,
      endpointSlice('store-frontend', 'apps', echoes['store-frontend'].httpPort),
      endpointSlice('shared-session-api', 'shared-services', echoes['shared-session-api'].httpPort),
      endpointSlice('checkout-v1', 'apps', echoes['checkout-v1'].httpPort),
    ].join('---\n'));
    expect(await k(['get', 'httproutes', '-A', '--no-headers', '-o', 'custom-columns=N:.metadata.name'])).toMatch(/^store$/m);
  });

  test('writes Accepted and ResolvedRefs True on the example\'s route, seen with a kubectl jsonpath get', async () => {
    leader = await startController('first', (await freePort()) - 80);
    const conditions = await until('the store route status', async () => {
      const c = await routeConditions('store');
      return c.Accepted && c.ResolvedRefs ? c : undefined;
    });
    expect(conditions.Accepted).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(conditions.ResolvedRefs).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    const programmed = await until('the Gateway to be programmed', async () =>
      (await k(['get', 'gateway', 'shared-edge', '-n', 'infra', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status}'])) === 'True' || undefined);
    expect(programmed).toBe(true);
    expect(await metrics(leader)).toMatch(/^gateway_controller_leader 1$/m);
  });

  test('sends the route\'s traffic to both weighted echo backends, across namespaces', async () => {
    await until('traffic', async () => (await fetchText(leader.port, '/cart')).status === 200 || undefined);
    const seen = new Map<string, any>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      const r = await fetchText(leader.port, `/cart?i=${i}`);
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body);
      seen.set(body.namespace, body);
    }
    expect([...seen.keys()].sort()).toEqual(['apps', 'shared-services']);
    expect(seen.get('apps')).toMatchObject({ host: HOST, pod: 'store-frontend-7d9f8b6c5-x2k4q' });
    expect(seen.get('apps').path).toMatch(/^\/cart\?i=\d+$/);
    expect(seen.get('shared-services').pod).toBe('shared-session-api-7d9f8b6c5-x2k4q');
    expect((await fetchText(leader.port, '/', 'elsewhere.example')).status).toBe(404);
  });

  test('reports a route with a missing backend (BackendNotFound, 500) and one with a wrong sectionName (NoMatchingParent)', async () => {
    await k(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: missing-backend, namespace: apps }
spec:
  parentRefs: [{ name: shared-edge, namespace: infra, sectionName: web }]
  hostnames: [missing.example.com]
  rules: [{ backendRefs: [{ name: nowhere, port: 8080 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: wrong-section, namespace: apps }
spec:
  parentRefs: [{ name: shared-edge, namespace: infra, sectionName: nope }]
  hostnames: [wrong.example.com]
  rules: [{ backendRefs: [{ name: store-frontend, port: 8080 }] }]
`);
    const missing = await until('the missing-backend status', async () => (await routeConditions('missing-backend')).ResolvedRefs);
    expect(missing).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    const wrong = await until('the wrong-section status', async () => (await routeConditions('wrong-section')).Accepted);
    expect(wrong).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
    await until('500 for the missing backend', async () => (await fetchText(leader.port, '/', 'missing.example.com')).status === 500 || undefined);
    expect((await fetchText(leader.port, '/', 'wrong.example.com')).status).toBe(404);
  });

  test('makes a kubectl patch live quickly, answers 503 without endpoints and 500 without the Service', async () => {
    expect((await fetchText(leader.port, '/', 'fresh.example.com')).status).toBe(404);
    await k(['patch', 'httproute', 'store', '-n', 'apps', '--type', 'merge', '-p', JSON.stringify({
      spec: { hostnames: [HOST, 'fresh.example.com'], rules: [{ backendRefs: [{ name: 'store-frontend', port: 8080 }] }] },
    })]);
    const patched = Date.now();
    await until('the patched route', async () => (await fetchText(leader.port, '/', 'fresh.example.com')).status === 200 || undefined, 20_000, 2);
    const liveMs = Date.now() - patched;
    // Generous: the bound catches a change that is never seen over the watch, not a slow machine.
    expect(liveMs).toBeLessThan(15_000);
    for (let i = 0; i < 10; i++) expect(JSON.parse((await fetchText(leader.port, `/${i}`)).body).namespace).toBe('apps');

    await k(['delete', 'endpointslice', 'store-frontend-e2e', '-n', 'apps']);
    await until('503 without endpoints', async () => (await fetchText(leader.port, '/')).status === 503 || undefined);
    expect((await routeConditions('store')).ResolvedRefs.status).toBe('True');

    await k(['delete', 'service', 'store-frontend', '-n', 'apps']);
    await until('500 without the Service', async () => (await fetchText(leader.port, '/')).status === 500 || undefined);
    expect(await until('BackendNotFound', async () => {
      const c = (await routeConditions('store')).ResolvedRefs;
      return c?.reason === 'BackendNotFound' ? c : undefined;
    })).toMatchObject({ status: 'False' });

    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: store-frontend, namespace: apps }
spec: { ports: [{ port: 8080 }] }
---
${endpointSlice('store-frontend', 'apps', echoes['store-frontend'].httpPort)}`);
    await until('traffic again', async () => (await fetchText(leader.port, '/')).status === 200 || undefined);
    await until('ResolvedRefs True again', async () => (await routeConditions('store')).ResolvedRefs?.status === 'True' || undefined);
  });

  test('writes nothing after a restart: resourceVersions stay, no status writes', async () => {
    const versions = () => Promise.all([
      k(['get', 'httproute', 'store', '-n', 'apps', '-o', 'jsonpath={.metadata.resourceVersion}']),
      k(['get', 'gateway', 'shared-edge', '-n', 'infra', '-o', 'jsonpath={.metadata.resourceVersion}']),
      k(['get', 'httproute', 'missing-backend', '-n', 'apps', '-o', 'jsonpath={.metadata.resourceVersion}']),
    ]);
    // Settled: the last writes of the previous test have landed when two reads a second apart agree.
    let before = await versions();
    await until('the status to settle', async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await versions();
      const same = JSON.stringify(now) === JSON.stringify(before);
      before = now;
      return same || undefined;
    });
    const offset = leader.port - 80;
    expect(await leader.stop()).toBe(0);
    leader = await startController('first', offset);
    await until('leadership', async () => /^gateway_controller_leader 1$/m.test(await metrics(leader)) || undefined);
    await until('traffic after the restart', async () => (await fetchText(leader.port, '/')).status === 200 || undefined);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await versions()).toEqual(before);
    expect(await metrics(leader)).toMatch(/gateway_status_writes_total\{outcome="written"\} 0/);
  });

  test('a standby takes over when the leader is killed, and its traffic never stops', async () => {
    const standby = await startController('second', (await freePort()) - 80);
    expect(await metrics(standby)).toMatch(/^gateway_controller_leader 0$/m);
    await until('traffic through the standby', async () => (await fetchText(standby.port, '/')).status === 200 || undefined);

    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const loop = (async () => {
      while (!stop) {
        try {
          const r = await fetchText(standby.port, `/loop-${answered}`);
          if (r.status === 200) answered++; else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();

    await leader.stop('SIGKILL');
    await until('the standby to lead', async () => /^gateway_controller_leader 1$/m.test(await metrics(standby)) || undefined, 20_000);
    expect(await k(['get', 'lease', '-n', 'default', '-o', 'jsonpath={.items[*].spec.holderIdentity}'])).toBe('second');

    await k(['patch', 'httproute', 'store', '-n', 'apps', '--type', 'merge', '-p', JSON.stringify({ spec: { hostnames: [HOST, 'later.example.com'] } })]);
    const generation = await k(['get', 'httproute', 'store', '-n', 'apps', '-o', 'jsonpath={.metadata.generation}']);
    await until('status from the new leader', async () =>
      (await k(['get', 'httproute', 'store', '-n', 'apps', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].observedGeneration}'])) === generation || undefined);
    await until('the change through the standby', async () => (await fetchText(standby.port, '/', 'later.example.com')).status === 200 || undefined);
    stop = true;
    await loop;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
  });
});
