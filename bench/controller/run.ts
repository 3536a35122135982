// Benchmark: `cdk8s-gateway controller` against the in-repo test API server, two replicas.
// (a) one HTTPRoute changed among N → live in the leader's proxy, the change made with
//     `kubectl patch` (clock from kubectl's exit) and with a direct merge PATCH (clock from the
//     response), polled every 2 ms; and → its status written (observedGeneration follows).
// (b) failover: SIGKILL the leader, change the route right after; the time until the standby
//     holds the Lease, and until it has written the status for that change.
// (c) a request loop against the standby's proxy through the failover: failed requests.
// Run (after a compile, `npx jsii`): node -r ts-node/register/transpile-only bench/controller/run.ts
//   [--routes N] [--changes N] [--lease-duration S] [--renew-interval MS]
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { TestApiServer } from '../../test/util/apiserver';
import { SHARED_DIR } from '../../test/util/shared';
import { freePort, numberArg } from '../util';

const ROOT = path.resolve(__dirname, '..', '..');
const CONTROLLER_NAME = 'gateway.cdk8s.io/controller';
const GW = '/apis/gateway.networking.k8s.io/v1/namespaces/bench';
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const standbyAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number, host: string, urlPath: string, via: http.Agent | false = agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: via }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

function getText(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => body += c);
      res.on('end', () => resolve(body));
    }).on('error', () => resolve(''));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the routes carry what `kubectl apply` (client-side) and server-side apply add to every object. */
const APPLIED = process.argv.includes('--applied');

function route(name: string, host: string, pathPrefix: string): object {
  const object = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'bench' },
    spec: {
      parentRefs: [{ name: 'bench' }],
      hostnames: [host],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: pathPrefix } }], backendRefs: [{ name: 'backend', port: 80 }] }],
    },
  };
  if (!APPLIED) return object;
  // A copy of the object in an annotation, and a managedFields entry of the size an apply makes.
  const fields = { 'f:spec': { '.': {}, 'f:hostnames': {}, 'f:parentRefs': {}, 'f:rules': {} }, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } };
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(object)}\n` },
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'gateway.networking.k8s.io/v1', time: '2026-11-22T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: fields }],
    },
  };
}

function kubectl(kubeconfig: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => stderr += d);
    child.on('error', reject);
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)));
  });
}

interface Replica {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort: number;
}

function stats(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const f = (n: number) => `${n.toFixed(0)} ms`;
  return `median ${f(sorted[Math.floor(sorted.length / 2)])} (${f(sorted[0])}–${f(sorted[sorted.length - 1])})`;
}

async function main(): Promise<void> {
  const routes = numberArg('--routes', 1000);
  const changes = numberArg('--changes', 10);
  const leaseDuration = numberArg('--lease-duration', 2);
  const renewInterval = numberArg('--renew-interval', 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-bench-controller-'));
  const backend = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await new Promise((r) => backend.once('listening', r));
  const backendPort = (backend.address() as net.AddressInfo).port;
  const server = await TestApiServer.start({ crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard') });
  const kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const replicas: Replica[] = [];

  const api = async (method: string, urlPath: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(server.url + urlPath, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json() as any;
    if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const changing = () => server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'bench', 'changing');
  const statusFollows = (generation: number) =>
    (changing()?.status?.parents ?? []).some((p: any) => p.conditions?.some((c: any) => c.type === 'Accepted' && c.observedGeneration === generation));
  const leaseHolder = async () => (await api('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).items[0]?.spec?.holderIdentity;
  const isLeader = async (r: Replica) => /^gateway_controller_leader 1$/m.test(await getText(r.adminPort, '/metrics'));

  async function startReplica(identity: string): Promise<Replica> {
    const offset = (await freePort()) - 80;
    const adminPort = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-gateway'), 'controller', '--kubeconfig', kubeconfig,
      '--controller-name', CONTROLLER_NAME, '--listen-offset', String(offset), '--bind', '127.0.0.1', '--admin-port', String(adminPort),
      '--identity', identity, '--lease-duration', String(leaseDuration), '--renew-interval', String(renewInterval)],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' } });
    const replica = { identity, child, port: 80 + offset, adminPort };
    replicas.push(replica);
    return replica;
  }

  async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 2): Promise<number> {
    const started = performance.now();
    while (!(await probe())) {
      if (performance.now() - started > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
      await sleep(everyMs);
    }
    return performance.now() - started;
  }

  try {
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await api('POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'bench' }, spec: { controllerName: CONTROLLER_NAME },
    });
    await api('POST', `${GW}/gateways`, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'bench', namespace: 'bench' },
      spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    await api('POST', '/api/v1/namespaces/bench/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: 'bench' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: backendPort }] },
    });
    await api('POST', '/apis/discovery.k8s.io/v1/namespaces/bench/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'backend-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'backend' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    });
    for (let i = 0; i < routes; i++) await api('POST', `${GW}/httproutes`, route(`r-${i}`, `h${i}.example.com`, `/p${i % 100}`));
    await api('POST', `${GW}/httproutes`, route('changing', 'changing.example.com', '/v0'));

    const t0 = performance.now();
    const first = await startReplica('first');
    await waitFor('the first replica to lead', () => isLeader(first), 120_000, 50);
    const second = await startReplica('second');
    await waitFor('the standby to be ready', async () => (await get(second.adminPort, 'admin', '/readyz', false)) === 200, 120_000, 50);
    const readyMs = performance.now() - t0;
    await waitFor('the initial route', async () => (await get(first.port, 'changing.example.com', '/v0')) === 200, 60_000, 20);
    // The leader's first pass writes every route's status; changes are measured after it.
    await waitFor('the initial statuses', () => statusFollows(1) && Array.from({ length: routes }, (_, i) => i)
      .every((i) => server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'bench', `r-${i}`)?.status?.parents?.length), 120_000, 50);
    const initialStatusMs = performance.now() - t0;

    // (a) changes, alternately with kubectl and a direct PATCH.
    const viaKubectl: number[] = [];
    const kubectlTotal: number[] = [];
    const viaPatch: number[] = [];
    const statusAfterPatch: number[] = [];
    const standbyAfterPatch: number[] = [];
    for (let i = 1; i <= 2 * changes; i++) {
      await sleep(300);
      const patch = { spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/v${i}` } }], backendRefs: [{ name: 'backend', port: 80 }] }] } };
      const live = () => get(first.port, 'changing.example.com', `/v${i}`).then((s) => s === 200);
      if (i % 2 === 1) {
        const before = performance.now();
        await kubectl(kubeconfig, ['patch', 'httproute', 'changing', '-n', 'bench', '--type', 'merge', '-p', JSON.stringify(patch)]);
        const exited = performance.now();
        await waitFor(`change ${i}`, live, 30_000);
        viaKubectl.push(performance.now() - exited);
        kubectlTotal.push(performance.now() - before);
      } else {
        const patched = await api('PATCH', `${GW}/httproutes/changing`, patch, 'application/merge-patch+json');
        // Separate pollers: a request held up by a busy proxy must not delay the other probes.
        const [liveMs, standbyMs, statusMs] = await Promise.all([
          waitFor(`change ${i}`, live, 30_000),
          waitFor(`change ${i} on the standby`, async () => (await get(second.port, 'changing.example.com', `/v${i}`, standbyAgent)) === 200, 30_000),
          waitFor(`status of change ${i}`, () => statusFollows(patched.metadata.generation), 30_000),
        ]);
        viaPatch.push(liveMs);
        standbyAfterPatch.push(standbyMs);
        statusAfterPatch.push(statusMs);
      }
    }

    // Memory of each replica once everything is built and written: resident now, and its peak.
    const memory = (r: Replica) => {
      const status = fs.readFileSync(`/proc/${r.child.pid}/status`, 'utf8');
      const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
      return `${mb('VmRSS').toFixed(0)} MB (peak ${mb('VmHWM').toFixed(0)} MB)`;
    };
    const leaderMemory = memory(first);
    const standbyMemory = memory(second);

    // (b), (c) failover with a request loop on the standby.
    await waitFor('traffic through the standby', async () => (await get(second.port, 'changing.example.com', `/v${2 * changes}`)) === 200, 30_000, 20);
    const loopAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let stop = false;
    let ok = 0;
    let failed = 0;
    const loop = (async () => {
      while (!stop) {
        if ((await get(second.port, 'changing.example.com', `/v${2 * changes}`, loopAgent)) === 200) ok++; else failed++;
      }
    })();
    await sleep(500);
    const killed = performance.now();
    first.child.kill('SIGKILL');
    const patched = await api('PATCH', `${GW}/httproutes/changing`, { metadata: { labels: { failover: 'yes' } }, spec: { hostnames: ['changing.example.com', 'failover.example.com'] } },
      'application/merge-patch+json');
    const since = (p: Promise<number>) => p.then(() => performance.now() - killed);
    const [leaseMs, metricMs, statusMs] = await Promise.all([
      since(waitFor('the standby to hold the Lease', async () => await leaseHolder() === 'second', 60_000)),
      since(waitFor('the standby to lead', () => isLeader(second), 60_000)),
      since(waitFor('the status from the standby', () => statusFollows(patched.metadata.generation), 60_000)),
    ]);
    await sleep(500);
    stop = true;
    await loop;
    loopAgent.destroy();

    console.log(`${routes + 1} HTTPRoutes, 2 replicas ready after ${(readyMs / 1000).toFixed(1)} s, every status written after ${(initialStatusMs / 1000).toFixed(1)} s; lease ${leaseDuration} s, renew every ${renewInterval} ms; `
      + `node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('');
    console.log('| measure | result |');
    console.log('|---|---|');
    console.log(`| route change → live, \`kubectl patch\` (from kubectl's exit; ${changes} changes) | ${stats(viaKubectl)} |`);
    console.log(`| the same, including kubectl's own run | ${stats(kubectlTotal)} |`);
    console.log(`| route change → live, direct merge PATCH (${changes} changes) | ${stats(viaPatch)} |`);
    console.log(`| the same change → live on the standby (which writes no status) | ${stats(standbyAfterPatch)} |`);
    console.log(`| route change → status written (observedGeneration), direct PATCH | ${stats(statusAfterPatch)} |`);
    console.log(`| resident memory after the changes: leader / standby | ${leaderMemory} / ${standbyMemory} |`);
    console.log(`| failover: SIGKILL → standby holds the Lease | ${leaseMs.toFixed(0)} ms |`);
    console.log(`| failover: SIGKILL → standby reports \`gateway_controller_leader 1\` | ${metricMs.toFixed(0)} ms |`);
    console.log(`| failover: SIGKILL → status written for a change made right after the kill | ${statusMs.toFixed(0)} ms |`);
    console.log(`| requests through the standby during the failover | ${ok + failed}, ${failed} failed |`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    agent.destroy();
    standbyAgent.destroy();
    backend.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
