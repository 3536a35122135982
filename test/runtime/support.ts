/**
 * What the runtime tests share: an echo backend (the conformance echo contract, trimmed), a
 * manifest builder for a Gateway with routes and echo-backed Services, and raw clients.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ServeHandle, startServe } from '../../src/runtime/serve';

export interface EchoReply {
  readonly pod: string;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly headers: Record<string, string[]>;
  readonly body: string;
}

export interface Echo {
  readonly name: string;
  readonly port: number;
  /** Requests seen, newest last. */
  readonly seen: EchoReply[];
  close(): Promise<void>;
}

/**
 * Answers with the request as JSON. `?delay=MS` waits first; `/status/NNN` answers NNN;
 * `x-echo-set-header: a:b,c:d` sets response headers.
 */
export function startEcho(name: string): Promise<Echo> {
  const seen: EchoReply[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string[]> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const key = req.rawHeaders[i].toLowerCase();
        (headers[key] ??= []).push(req.rawHeaders[i + 1]);
      }
      const reply: EchoReply = { pod: name, method: req.method ?? '', path: req.url ?? '', host: req.headers.host ?? '', headers, body: Buffer.concat(chunks).toString() };
      seen.push(reply);
      const url = new URL(req.url ?? '/', 'http://x');
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      const extra: Record<string, string> = {};
      for (const pair of String(req.headers['x-echo-set-header'] ?? '').split(',').filter(Boolean)) {
        const [k, v] = pair.split(':');
        extra[k.trim()] = v.trim();
      }
      const send = () => {
        const body = JSON.stringify(reply);
        res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
        res.end(body);
      };
      const delay = Number(url.searchParams.get('delay') ?? 0);
      if (delay > 0) setTimeout(send, delay); else send();
    });
  });
  const upgraded = new Set<net.Socket>();
  server.on('upgrade', (_req, socket: net.Socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', d => socket.write(`${name}:${d}`));
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    name,
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise<void>(done => {
      server.closeAllConnections();
      upgraded.forEach(s => s.destroy());
      server.close(() => done());
    }),
  })));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export const CONTROLLER = 'example.com/gateway-controller';

export interface ServiceSpec {
  readonly name: string;
  /** Ports of echo servers behind the Service (one endpoint each); empty means no ready endpoint. */
  readonly endpoints: readonly number[];
  readonly appProtocol?: string;
  readonly namespace?: string;
}

/** GatewayClass, Gateway `default/gw` with the given listeners, Services with EndpointSlices, and routes. */
export function manifests(options: {
  listeners: object[];
  routes: object[];
  services: readonly ServiceSpec[];
  extra?: object[];
}): object[] {
  const objects: object[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'gc' }, spec: { controllerName: CONTROLLER } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: { gatewayClassName: 'gc', listeners: options.listeners },
    },
  ];
  for (const s of options.services) {
    const namespace = s.namespace ?? 'default';
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace },
      spec: { ports: [{ name: 'http', port: 8080, targetPort: 3000, ...(s.appProtocol ? { appProtocol: s.appProtocol } : {}) }] },
    });
    s.endpoints.forEach((port, i) => objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${s.name}-${i}`, namespace, labels: { 'kubernetes.io/service-name': s.name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    }));
  }
  for (const route of options.routes) objects.push(route);
  return [...objects, ...(options.extra ?? [])];
}

let routeCount = 0;

/** An HTTPRoute on `default/gw` with the given rules (and optional hostnames). */
export function httpRoute(rules: object[], more: { hostnames?: string[]; name?: string } = {}): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: more.name ?? `route-${++routeCount}`, namespace: 'default' },
    spec: { parentRefs: [{ name: 'gw' }], ...(more.hostnames ? { hostnames: more.hostnames } : {}), rules },
  };
}

export function backend(name: string, weight?: number, extra: object = {}): object {
  return { name, port: 8080, ...(weight !== undefined ? { weight } : {}), ...extra };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-serve-test-'));
}

export function writeManifests(file: string, objects: object[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, objects.map(o => stringify(o)).join('---\n'));
  // Rename over the old file, as editors and kubectl-style tools do: readers see old or new, never half.
  fs.renameSync(tmp, file);
}

export interface Served {
  readonly handle: ServeHandle;
  readonly file: string;
  readonly logs: string[];
  /** Port a listener declared as `declared` is reachable on. */
  port(declared: number): number;
  close(): Promise<void>;
}

/** Writes the manifests to a temp file and serves them with listener ports shifted to free ones. */
export async function serve(objects: object[], declaredBase = 80): Promise<Served> {
  const dir = tempDir();
  const file = path.join(dir, 'manifests.yaml');
  writeManifests(file, objects);
  const offset = (await freePort()) - declaredBase;
  const logs: string[] = [];
  const handle = await startServe({ paths: [file], controllerName: CONTROLLER, listenOffset: offset, bind: '127.0.0.1', adminPort: 0, log: l => logs.push(l) });
  return {
    handle,
    file,
    logs,
    port: declared => declared + offset,
    close: async () => {
      await handle.close(2000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  json(): EchoReply;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

export interface GetOptions {
  readonly host?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export function get(port: number, pathname: string, options: GetOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: pathname,
      method: options.method ?? 'GET',
      agent,
      headers: { host: options.host ?? 'example.com', ...options.headers },
    }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function destroyAgent(): void {
  agent.destroy();
}

/** Sends bytes as they are and returns everything the server writes until it closes or goes quiet. */
export function raw(port: number, text: string, quietMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    socket.on('data', d => {
      received += d.toString('latin1');
      if (timer) clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', reject);
    socket.write(text);
  });
}

export interface H2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on an open HTTP/2 session; `body` is sent as DATA frames without a Content-Length. */
export function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': body === undefined ? 'GET' : 'POST', ...headers }, { endStream: body === undefined });
    let status = 0;
    let answered: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', h => {
      status = Number(h[':status']);
      answered = h;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, headers: answered, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** A fresh self-signed P-256 certificate for `name`, made by openssl so no key is ever committed. */
export function selfSigned(name: string): KeyPair {
  const dir = tempDir();
  try {
    const cert = path.join(dir, 'tls.crt');
    const key = path.join(dir, 'tls.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A `kubernetes.io/tls` Secret in `default`. */
export function tlsSecret(name: string, pair: KeyPair): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
  };
}

export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
}
