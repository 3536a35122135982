/**
 * Runs the upstream conformance manifests against `cdk8s-gateway serve` with no cluster:
 * Deployments become in-process echo backends (with TLS where the pod spec mounts a
 * certificate), their Pods become EndpointSlices pointing at 127.0.0.1, and each Gateway under
 * test gets its own `serve` child process (one address cannot carry three Gateways that all
 * listen on port 80, as base/manifests.yaml has them).
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ClientResponse, send } from './client';
import { EchoResponse, EchoServer, EchoTls, podName } from './echo';
import { conformanceRuntimeObjects } from '../util/conformance-runtime';
import { KeyPair } from '../util/pki';
import { SHARED_DIR } from '../util/shared';

export const CONFORMANCE_DIR = path.join(SHARED_DIR, 'gateway-api', 'conformance');
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO_ROOT, 'bin', 'cdk8s-gateway');

export const CLASS_NAME = 'gateway-conformance';
/** Passed explicitly to every command, so the suite does not depend on serve's default. */
export const CONTROLLER_NAME = process.env.CONFORMANCE_CONTROLLER_NAME ?? 'gateway.cdk8s.io/controller';
export const INFRA = 'gateway-conformance-infra';
export const APP = 'gateway-conformance-app-backend';
export const WEB = 'gateway-conformance-web-backend';

/** The echo image's ports (research/gateway-api.md §e) that Service targetPorts name. */
const ECHO_HTTP_PORT = 3000;
const ECHO_H2C_PORT = 3001;
const ECHO_HTTPS_PORT = 8443;

const READY_TIMEOUT_MS = 20_000;
const COMMAND_TIMEOUT_MS = 30_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; generation?: number; [k: string]: unknown };
  spec?: any;
  status?: any;
  [k: string]: unknown;
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** What the Go suite substitutes before applying a manifest. */
export function substitute(text: string): string {
  return text
    .replace(/\{GATEWAY_CLASS_NAME\}/g, CLASS_NAME)
    .replace(/\{GATEWAY_CONTROLLER_NAME\}/g, CONTROLLER_NAME);
}

export function readManifest(relative: string): K8sObject[] {
  const text = substitute(fs.readFileSync(path.join(CONFORMANCE_DIR, relative), 'utf8'));
  return parseAllDocuments(text).map(d => d.toJSON()).filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** The echo image in HTTP mode, with or without TLS; its gRPC, TCP and UDP modes are other suites' business. */
function isHttpEcho(deployment: K8sObject): boolean {
  const containers: any[] = deployment.spec?.template?.spec?.containers ?? [];
  return containers.some(c => String(c.image ?? '').includes('echo-basic')
    && !(c.env ?? []).some((e: any) => /^(GRPC_ECHO_SERVER|TCP_ECHO_SERVER|UDP_ECHO_SERVER)$/.test(e.name)));
}

/**
 * The TLS a pod of `deployment` serves with, read as the kubelet would mount it: the files that
 * TLS_SERVER_CERT, TLS_SERVER_PRIVKEY and TLS_CLIENT_CACERTS name, from the Secret and
 * ConfigMap volumes they sit in, found among `objects`. Undefined for a plain HTTP pod.
 */
function echoTlsOf(deployment: K8sObject, objects: readonly K8sObject[]): EchoTls | undefined {
  const pod = deployment.spec?.template?.spec ?? {};
  const container = (pod.containers ?? []).find((c: any) => String(c.image ?? '').includes('echo-basic')) ?? {};
  const env = new Map<string, string>((container.env ?? []).filter((e: any) => typeof e.value === 'string').map((e: any) => [e.name, e.value]));
  const certPath = env.get('TLS_SERVER_CERT');
  if (certPath === undefined) return undefined;
  const file = (filePath: string): string => {
    const mount = (container.volumeMounts ?? []).find((m: any) => filePath.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`));
    const volume = (pod.volumes ?? []).find((v: any) => v.name === mount?.name);
    const relative = mount ? filePath.slice(String(mount.mountPath).replace(/\/$/, '').length + 1) : '';
    const source = volume?.secret ?? volume?.configMap;
    const item = (source?.items ?? []).find((i: any) => i.path === relative)?.key ?? relative;
    const kind = volume?.secret ? 'Secret' : 'ConfigMap';
    const name = volume?.secret?.secretName ?? volume?.configMap?.name;
    const holder = objects.find(o => o.kind === kind && o.metadata.name === name && o.metadata.namespace === deployment.metadata.namespace);
    const value = kind === 'Secret'
      ? (holder?.stringData as any)?.[item] ?? (typeof (holder?.data as any)?.[item] === 'string' ? Buffer.from((holder?.data as any)[item], 'base64').toString('utf8') : undefined)
      : (holder?.data as any)?.[item];
    if (typeof value !== 'string') throw new Error(`Deployment ${deployment.metadata.name} mounts ${filePath} from ${kind} ${name ?? '(none)'}, which has no ${item}`);
    return value;
  };
  const clientCa = env.get('TLS_CLIENT_CACERTS');
  return { cert: file(certPath), key: file(env.get('TLS_SERVER_PRIVKEY') ?? ''), ...(clientCa !== undefined ? { clientCa: file(clientCa) } : {}) };
}

interface Pod {
  readonly deployment: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly echo: EchoServer;
}

/** The pods of an echo Deployment, one EchoServer each; `objects` hold what its volumes mount. */
async function startPods(deployment: K8sObject, objects: readonly K8sObject[]): Promise<Pod[]> {
  const namespace = deployment.metadata.namespace ?? 'default';
  const tls = echoTlsOf(deployment, objects);
  const pods: Pod[] = [];
  try {
    for (let i = 0; i < (deployment.spec?.replicas ?? 1); i++) {
      const echo = await EchoServer.start({ namespace, pod: podName(deployment.metadata.name) }, tls);
      pods.push({ deployment: deployment.metadata.name, namespace, labels: deployment.spec?.template?.metadata?.labels ?? {}, echo });
    }
  } catch (err) {
    await Promise.all(pods.map(p => p.echo.close()));
    throw err;
  }
  return pods;
}

/** The echo pods of the base manifests' Deployments, started once and shared by every scenario. */
export class Backends {
  static async start(): Promise<Backends> {
    const backends = new Backends();
    try {
      const base = readManifest('base/manifests.yaml');
      const objects = [...base, ...conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME)];
      for (const d of base.filter(o => o.kind === 'Deployment' && isHttpEcho(o))) backends.pods.push(...await startPods(d, objects));
    } catch (err) {
      await backends.close();
      throw err;
    }
    return backends;
  }

  readonly pods: Pod[] = [];

  of(namespace: string, deployment: string): EchoServer[] {
    return this.pods.filter(p => p.namespace === namespace && p.deployment === deployment).map(p => p.echo);
  }

  async close(): Promise<void> {
    await Promise.all(this.pods.map(p => p.echo.close()));
  }
}

/**
 * EndpointSlices as the endpoint controller would write them, one per Pod because each echo
 * pod listens on its own ephemeral port and a slice's ports apply to all of its endpoints.
 * `manual` gives Services without a selector the pods of a Deployment, which upstream's
 * HTTPRouteServiceTypes does by copying addresses into its hand-written slices.
 */
function endpointSlices(allPods: readonly Pod[], services: K8sObject[], manual: Record<string, string> = {}): K8sObject[] {
  const slices: K8sObject[] = [];
  for (const service of services) {
    const namespace = service.metadata.namespace ?? 'default';
    const selector: Record<string, string> | undefined = service.spec?.selector;
    const manualDeployment = manual[key(namespace, service.metadata.name)];
    const pods = allPods.filter(p => p.namespace === namespace && (manualDeployment !== undefined
      ? p.deployment === manualDeployment
      : selector !== undefined && Object.entries(selector).every(([k, v]) => p.labels[k] === v)));
    for (const pod of pods) {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${service.metadata.name}-${pod.echo.identity.pod.split('-').pop()}`,
          namespace,
          labels: { 'kubernetes.io/service-name': service.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'conformance-harness' },
        },
        addressType: 'IPv4',
        ports: (service.spec?.ports ?? []).map((p: any) => ({
          name: p.name ?? '',
          protocol: p.protocol ?? 'TCP',
          port: targetPortOf(p, pod.echo),
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
        endpoints: [{
          addresses: ['127.0.0.1'],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', namespace, name: pod.echo.identity.pod },
        }],
      });
    }
  }
  return slices;
}

function targetPortOf(servicePort: any, echo: EchoServer): number {
  const target = Number(servicePort.targetPort ?? servicePort.port);
  if (target === ECHO_HTTPS_PORT && echo.httpsPort !== undefined) return echo.httpsPort;
  return target === ECHO_H2C_PORT ? echo.h2cPort : target === ECHO_HTTP_PORT ? echo.httpPort : target;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An offset under which every listener port of the Gateway is free on this machine right now. */
async function freeOffset(listenerPorts: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 30_000);
    const checks = await Promise.all(listenerPorts.map(p => portIsFree(p + offset)));
    if (checks.every(Boolean)) return offset;
  }
  throw new Error(`no free listen offset for ports ${listenerPorts.join(', ')}`);
}

function get(url: string, timeoutMs: number): Promise<number> {
  return new Promise(resolve => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** One `serve` child process limited to one Gateway. */
export class ServedGateway {
  output = '';
  private exited: { code: number | null; signal: string | null } | undefined;

  constructor(readonly name: string, readonly offset: number, readonly adminPort: number, private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.on('exit', (code, signal) => (this.exited = { code, signal }));
  }

  /** Where a listener declared on `listenerPort` is reachable. */
  port(listenerPort: number): number {
    return listenerPort + this.offset;
  }

  async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`serve for ${this.name} exited (${this.exited.code ?? this.exited.signal}) before ready:\n${this.output}`);
      if (await get(`http://127.0.0.1:${this.adminPort}/readyz`, 1000) === 200) return;
      await delay(100);
    }
    throw new Error(`serve for ${this.name} not ready within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const gone = new Promise<void>(resolve => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }
}

export interface ScenarioOptions {
  /** Paths under conformance/, after base/manifests.yaml. */
  readonly manifests: string[];
  /** Service `namespace/name` → Deployment whose pods fill its hand-written EndpointSlices. */
  readonly manualEndpoints?: Record<string, string>;
  /** Changes the objects before they are written, as a test that edits a live object would. */
  readonly edit?: (objects: K8sObject[]) => void;
  /** Listener ports a later `rewrite` adds, so the listen offset chosen at start leaves them free too. */
  readonly laterPorts?: number[];
}

/**
 * The objects of one upstream test written to a folder, and the `serve` processes on it. A test
 * manifest's own Deployments get their pods when the scenario starts; the folder is written
 * once they listen, and every `serve` or `status` waits for that.
 */
export class Scenario {
  static create(backends: Backends, options: ScenarioOptions): Scenario {
    const base = readManifest('base/manifests.yaml');
    const objects = [...base, ...options.manifests.flatMap(readManifest)];
    options.edit?.(objects);
    const manualServices = new Set(Object.keys(options.manualEndpoints ?? {}));
    const kept = objects.filter(o => o.kind !== 'Deployment' && !(o.kind === 'EndpointSlice'
      && manualServices.has(key(o.metadata.namespace, o.metadata.labels?.['kubernetes.io/service-name'] ?? ''))));
    const own = objects.filter(o => o.kind === 'Deployment' && !base.includes(o) && isHttpEcho(o));
    const runtime: K8sObject[] = conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-conformance-serve-'));
    return new Scenario(dir, [...runtime, ...kept], options, backends, own);
  }

  private readonly served = new Map<string, Promise<ServedGateway>>();
  private readonly processes: ServedGateway[] = [];
  /** Pods of the test's own Deployments. */
  private readonly pods: Pod[] = [];
  private readonly laterPorts: number[];
  private readonly ready: Promise<void>;
  private written = false;

  private constructor(readonly dir: string, readonly objects: K8sObject[], options: ScenarioOptions, backends: Backends, deployments: K8sObject[]) {
    this.laterPorts = options.laterPorts ?? [];
    this.ready = this.start(backends, deployments, options.manualEndpoints);
    // Whoever needs the folder awaits `ready` and sees the failure; this only keeps it from going unhandled.
    this.ready.catch(() => undefined);
  }

  private async start(backends: Backends, deployments: K8sObject[], manual: Record<string, string> | undefined): Promise<void> {
    for (const d of deployments) this.pods.push(...await startPods(d, this.objects));
    const services = this.objects.filter(o => o.kind === 'Service');
    this.objects.push(...endpointSlices([...backends.pods, ...this.pods], services, manual));
    this.write();
    this.written = true;
  }

  /**
   * Changes the objects and writes them again under the running `serve` processes, which
   * watch the folder: the file-based counterpart of patching a live object.
   */
  rewrite(change: (objects: K8sObject[]) => void): void {
    change(this.objects);
    // Before the first write, that write carries the change.
    if (this.written) this.write();
  }

  private write(): void {
    // Written aside and renamed, so a watcher never reads a half-written file.
    const file = path.join(this.dir, 'objects.json');
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: this.objects }, undefined, 1)}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }

  /** `serve` for Gateway `namespace/name`, started on first use. */
  gateway(name: string): Promise<ServedGateway> {
    // The promise is kept, not the process: a serve that failed to start fails every later check at once.
    let started = this.served.get(name);
    if (!started) {
      started = this.startGateway(name);
      this.served.set(name, started);
    }
    return started;
  }

  private async startGateway(name: string): Promise<ServedGateway> {
    await this.ready;
    const [namespace, gatewayName] = name.split('/');
    const gateway = this.objects.find(o => o.kind === 'Gateway' && o.metadata.namespace === namespace && o.metadata.name === gatewayName);
    if (!gateway) throw new Error(`no Gateway ${name} in the scenario`);
    const ports = [...new Set<number>([...(gateway.spec?.listeners ?? []).map((l: any) => Number(l.port)), ...this.laterPorts])];
    const offset = await freeOffset(ports);
    const adminPort = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', this.dir,
      '--gateway', name,
      '--listen-offset', String(offset),
      '--bind', '127.0.0.1',
      '--admin-port', String(adminPort),
      '--controller-name', CONTROLLER_NAME], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const served = new ServedGateway(name, offset, adminPort, child);
    this.processes.push(served);
    await served.waitReady();
    return served;
  }

  /** `cdk8s-gateway status` over the scenario's folder. */
  async status(): Promise<StatusView> {
    await this.ready;
    const { code, stdout, stderr } = await runCli(['status', this.dir, '-o', 'json', '--controller-name', CONTROLLER_NAME]);
    if (code !== 0) throw new Error(`status exited ${code}: ${stderr}`);
    return new StatusView(parseObjects(stdout));
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await Promise.all(this.processes.map(s => s.stop()));
    await Promise.all(this.pods.map(p => p.echo.close()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const options = { cwd: REPO_ROOT, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 };
    execFile(process.execPath, [BIN, ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 2) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `-o json` may print a List, a bare array or one object per document. */
function parseObjects(text: string): K8sObject[] {
  const docs = parseAllDocuments(text).map(d => d.toJSON());
  return docs.flatMap(doc => Array.isArray(doc) ? doc : doc?.kind === 'List' || Array.isArray(doc?.items) ? doc.items : [doc])
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly observedGeneration?: number;
}

/** The objects `status` printed, with lookups shaped like the upstream assertions. */
export class StatusView {
  constructor(readonly objects: K8sObject[]) {}

  object(kind: string, namespace: string | undefined, name: string): K8sObject {
    const found = this.objects.find(o => o.kind === kind && o.metadata.name === name
      && (namespace === undefined || o.metadata.namespace === namespace));
    if (!found) throw new Error(`status printed no ${kind} ${key(namespace, name)}`);
    return found;
  }

  gatewayConditions(namespace: string, name: string): Condition[] {
    return this.object('Gateway', namespace, name).status?.conditions ?? [];
  }

  listener(namespace: string, gateway: string, listener: string): { attachedRoutes: number; conditions: Condition[]; supportedKinds: any[] } {
    const found = (this.object('Gateway', namespace, gateway).status?.listeners ?? []).find((l: any) => l.name === listener);
    if (!found) throw new Error(`Gateway ${key(namespace, gateway)} has no status for listener ${listener}`);
    return found;
  }

  /** The conditions a policy (BackendTLSPolicy) reports for one ancestor Gateway. */
  policyConditions(kind: string, namespace: string, name: string, gatewayNamespace: string, gateway: string): Condition[] {
    const ancestors: any[] = this.object(kind, namespace, name).status?.ancestors ?? [];
    const entry = ancestors.find(a => a.ancestorRef?.name === gateway && (a.ancestorRef?.namespace ?? namespace) === gatewayNamespace);
    if (!entry) throw new Error(`${kind} ${key(namespace, name)} reports no ancestor ${key(gatewayNamespace, gateway)}`);
    return entry.conditions ?? [];
  }

  /** Status entries of a route, one per parentRef it reports on. */
  routeParents(namespace: string, name: string, kind = 'HTTPRoute'): Array<{ parentRef: any; conditions: Condition[] }> {
    return this.object(kind, namespace, name).status?.parents ?? [];
  }

  /** The conditions a route reports for one parent Gateway (any sectionName unless given). */
  routeConditions(namespace: string, name: string, gatewayNamespace: string, gateway: string, sectionName?: string): Condition[] {
    const parent = this.routeParents(namespace, name).find(p => p.parentRef?.name === gateway
      && (p.parentRef?.namespace ?? namespace) === gatewayNamespace
      && (sectionName === undefined || p.parentRef?.sectionName === sectionName));
    if (!parent) throw new Error(`HTTPRoute ${key(namespace, name)} reports no parent ${key(gatewayNamespace, gateway)}${sectionName ? `/${sectionName}` : ''}`);
    return parent.conditions ?? [];
  }
}

/** `[type, status, reason?]` of each condition, the shape expectations are written in. */
export function summarize(conditions: Condition[], types?: string[]): Array<[string, string, string | undefined]> {
  return conditions
    .filter(c => types === undefined || types.includes(c.type))
    .map(c => [c.type, c.status, c.reason] as [string, string, string | undefined])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

export function findCondition(conditions: Condition[], type: string): Condition | undefined {
  return conditions.find(c => c.type === type);
}

/** A request as upstream's `http.ExpectedResponse` describes it, and what must come back. */
export interface Exchange {
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  /** Listener port as declared; 80 unless given. */
  readonly port?: number;
  readonly tls?: boolean;
  readonly serverName?: string;
  /** Name of a Secret the suite creates in INFRA whose key pair the client presents. */
  readonly clientSecret?: string;
  /** 200 unless given; a list accepts any of them. */
  readonly status?: number | number[];
  /** No HTTP answer may come: the connection is refused, or the TLS handshake fails or is cut. */
  readonly refused?: boolean;
  /** Upstream's "expect failure": no answer, or one that is not 2xx. */
  readonly failure?: boolean;
  /** Deployment name the serving pod's name must start with (200 only). */
  readonly backend?: string;
  /** INFRA unless given. */
  readonly namespace?: string;
  /** What the backend must have seen; path defaults to the request's. */
  readonly seen?: {
    readonly path?: string;
    readonly host?: string;
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly absentHeaders?: string[];
    /** SNI of the TLS connection the backend received the request on. */
    readonly serverName?: string;
    /** PEM of a certificate the gateway must have presented to the backend. */
    readonly peerCertificate?: string;
  };
  /** Expected Location, compared as a URL (default ports are the same as none). */
  readonly location?: string;
  readonly responseHeaders?: Record<string, string>;
  readonly absentResponseHeaders?: string[];
  readonly timeoutMs?: number;
}

export function describeExchange(e: Exchange): string {
  const client = e.clientSecret ? ` presenting ${e.clientSecret}` : '';
  if (e.refused) return `${e.method ?? 'GET'} https://${e.host}${e.port && e.port !== 443 ? `:${e.port}` : ''}${e.path}${client} is refused`;
  if (e.failure) return `${e.method ?? 'GET'} ${e.tls ? 'https' : 'http'}://${e.host}${e.port && e.port !== 80 ? `:${e.port}` : ''}${e.path}${client} fails`;
  const want = e.location ? `${statusList(e)} → ${e.location}` : e.backend ? `${statusList(e)} from ${e.backend}` : statusList(e);
  return `${e.method ?? 'GET'} ${e.tls ? 'https' : 'http'}://${e.host}${e.port && e.port !== 80 ? `:${e.port}` : ''}${e.path}${e.headers ? ` ${JSON.stringify(e.headers)}` : ''}${client} answers ${want}`;
}

function statusList(e: Exchange): string {
  return [e.status ?? 200].flat().join('|');
}

/**
 * Sends the request and returns every way the answer differs from the expectation. A request
 * that gets no answer rejects, unless the expectation is exactly that.
 */
export async function exchange(served: ServedGateway, e: Exchange): Promise<{ problems: string[]; response?: ClientResponse; echo?: EchoResponse }> {
  const sent = send({
    port: served.port(e.port ?? 80),
    host: e.host,
    path: e.path,
    method: e.method,
    headers: e.headers,
    tls: e.tls,
    serverName: e.serverName,
    clientCert: e.clientSecret !== undefined ? runtimeKeyPair(e.clientSecret) : undefined,
    timeoutMs: e.timeoutMs,
  });
  if (e.refused) {
    return sent.then(
      answered => ({ problems: [`answered ${answered.status}, want no answer (body: ${answered.body.slice(0, 200)})`], response: answered }),
      () => ({ problems: [] }));
  }
  if (e.failure) {
    return sent.then(
      answered => ({ problems: answered.status >= 200 && answered.status < 300 ? [`answered ${answered.status}, want a failure`] : [], response: answered }),
      () => ({ problems: [] }));
  }
  const response = await sent;
  const problems: string[] = [];
  const statuses = [e.status ?? 200].flat();
  if (!statuses.includes(response.status)) problems.push(`status ${response.status}, want ${statuses.join('|')} (body: ${response.body.slice(0, 200)})`);
  if (e.location !== undefined) {
    const actual = response.headers.location;
    if (actual === undefined) {
      problems.push(`no Location, want ${e.location}`);
    } else if (!sameLocation(actual, e.location, e)) {
      problems.push(`Location ${actual}, want ${e.location}`);
    }
  }
  for (const [name, value] of Object.entries(e.responseHeaders ?? {})) {
    const joined = response.headerLists[name.toLowerCase()]?.join(',');
    if (joined !== value) problems.push(`response header ${name}: ${joined ?? '(absent)'}, want ${value}`);
  }
  for (const name of e.absentResponseHeaders ?? []) {
    if (response.headers[name.toLowerCase()] !== undefined) problems.push(`response header ${name} present, want absent`);
  }
  let echo: EchoResponse | undefined;
  const fromEcho = String(response.headers['content-type']).startsWith('application/json');
  if (response.status === 200 && fromEcho) echo = JSON.parse(response.body) as EchoResponse;
  if (response.status === 200 && (e.backend !== undefined || e.seen !== undefined)) {
    if (echo) problems.push(...compareEcho(echo, e));
    else problems.push(`answer is not from an echo backend (Content-Type ${response.headers['content-type']})`);
  }
  return { problems, response, echo };
}

function sameLocation(actual: string, expected: string, e: Exchange): boolean {
  try {
    const base = `${e.tls ? 'https' : 'http'}://${e.host}`;
    const a = new URL(actual, base);
    const x = new URL(expected, base);
    return a.protocol === x.protocol && a.hostname === x.hostname && a.port === x.port && a.pathname + a.search === x.pathname + x.search;
  } catch {
    return false;
  }
}

function compareEcho(echo: EchoResponse, e: Exchange): string[] {
  const problems: string[] = [];
  const namespace = e.namespace ?? INFRA;
  if (echo.namespace !== namespace) problems.push(`served from namespace ${echo.namespace}, want ${namespace}`);
  if (e.backend !== undefined && !echo.pod.startsWith(`${e.backend}-`)) problems.push(`served by pod ${echo.pod}, want ${e.backend}-*`);
  const seen = e.seen ?? {};
  const wantPath = seen.path ?? e.path;
  if (echo.path !== wantPath) problems.push(`backend saw path ${echo.path}, want ${wantPath}`);
  if (seen.host !== undefined && echo.host !== seen.host) problems.push(`backend saw Host ${echo.host}, want ${seen.host}`);
  const method = seen.method ?? e.method ?? 'GET';
  if (echo.method !== method) problems.push(`backend saw method ${echo.method}, want ${method}`);
  const lower = Object.fromEntries(Object.entries(echo.headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(seen.headers ?? {})) {
    const actual = lower[name.toLowerCase()]?.join(',');
    if (actual !== value) problems.push(`backend saw header ${name}: ${actual ?? '(absent)'}, want ${value}`);
  }
  for (const name of seen.absentHeaders ?? []) {
    if (lower[name.toLowerCase()] !== undefined) problems.push(`backend saw header ${name}, want it absent`);
  }
  if (seen.serverName !== undefined && echo.tls?.serverName !== seen.serverName) {
    problems.push(echo.tls ? `backend saw SNI ${echo.tls.serverName || '(none)'}, want ${seen.serverName}` : `backend was reached without TLS, want SNI ${seen.serverName}`);
  }
  if (seen.peerCertificate !== undefined && !(echo.tls?.peerCertificates ?? []).some(pem => pem.trim() === seen.peerCertificate!.trim())) {
    problems.push(`backend saw client certificates [${(echo.tls?.peerCertificates ?? []).length}], none of them the expected one`);
  }
  return problems;
}

/**
 * Counts which Deployment served each of `total` requests, `concurrency` at a time; the
 * Deployment is the pod name without its two generated parts, as upstream derives it.
 */
export async function distribution(
  served: ServedGateway, host: string, requestPath: string, total = 500, concurrency = 10,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const res = await send({ port: served.port(80), host, path: requestPath, agent });
        const backend = res.status === 200 ? (JSON.parse(res.body) as EchoResponse).pod.split('-').slice(0, -2).join('-') : `status ${res.status}`;
        counts[backend] = (counts[backend] ?? 0) + 1;
      }
    }));
  } finally {
    agent.destroy();
  }
  return counts;
}

/** Whether the log of any pod of a Deployment has a request for `path`, waiting for asynchronous mirrors. */
export async function mirroredTo(backends: Backends, namespace: string, deployment: string, requestPath: string, waitMs = 3000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (backends.of(namespace, deployment).some(echo => echo.log.some(entry => entry.path === requestPath))) return true;
    if (Date.now() >= deadline) return false;
    await delay(100);
  }
}

/** tls.crt and tls.key of a Secret the suite creates at run time, as upstream's GetTLSSecret reads them. */
export function runtimeKeyPair(name: string, namespace = INFRA): KeyPair {
  const secret = conformanceRuntimeObjects(CLASS_NAME, CONTROLLER_NAME)
    .find(o => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === name);
  if (!secret) throw new Error(`the suite creates no Secret ${namespace}/${name}`);
  const decode = (k: string) => Buffer.from(secret.data[k], 'base64').toString('utf8');
  return { cert: decode('tls.crt'), key: decode('tls.key') };
}

/** Why `serve` cannot run yet, or undefined when the compiled CLI is in place. */
export function serveUnavailable(): string | undefined {
  const compiled = path.join(REPO_ROOT, 'lib', 'cli', 'main.js');
  if (!fs.existsSync(compiled)) return 'lib/ is not compiled: run \'npx jsii --silence-warnings=reserved-word\' first';
  return undefined;
}
