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
import * as tls from 'tls';
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

/** Whether nothing listens on the loopback port now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (port < 1024 || port > 65535) return resolve(false);
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A `--listen-offset` at which every one of the listener ports is free on loopback now. */
export async function freeOffset(...listenerPorts: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = (await freePort()) - listenerPorts[0];
    const free = await Promise.all(listenerPorts.map((p) => portFree(p + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error(`no free offset for ports ${listenerPorts.join(', ')}`);
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

export interface RawResponse {
  readonly status: number;
  /** The head as received, status line and header lines. */
  readonly head: string;
  /** Header fields in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** The value of a header (case-insensitive name), undefined when absent. */
  header(name: string): string | undefined;
}

/**
 * A client connection that writes bytes as they are and parses the answers one by one, with
 * their framing checked: Content-Length, chunked, or delimited by the server closing.
 */
export class RawClient {
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The same over TLS, offering only http/1.1 by ALPN; the certificate is not checked. */
  static connectTls(port: number, servername: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', servername, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Resolves when the server ends the connection (FIN, reset or close). */
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise(resolve => {
      const done = () => {
        this.ended = true;
        this.wake?.();
        resolve();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next answer on the connection; `bodiless` for the answer to a HEAD request. */
  async next(bodiless = false, timeoutMs = 5_000): Promise<RawResponse> {
    const limit = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponse(this.buffer, bodiless, this.ended);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.used);
        return parsed.response;
      }
      if (this.ended) throw new Error(`connection ended inside an answer: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
      const left = limit - Date.now();
      if (left <= 0) throw new Error(`no complete answer in ${timeoutMs} ms: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Bytes received and not parsed as an answer. */
  unread(): string {
    return this.buffer.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponse(buffer: Buffer, bodiless: boolean, ended: boolean): { response: RawResponse; used: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buffer.subarray(0, end).toString('latin1');
  const [statusLine, ...lines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine);
  if (!match) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
  const status = Number(match[1]);
  const headers = lines.map(line => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line)}`);
    return [line.slice(0, colon), line.slice(colon + 1).trim()] as const;
  });
  const header = (name: string) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
  const response = (body: Buffer, used: number) => ({ response: { status, head, headers, body, header }, used });
  let offset = end + 4;
  if (bodiless || status < 200 || status === 204 || status === 304) return response(Buffer.alloc(0), offset);
  if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      offset = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n', offset);
        if (trailerEnd !== offset) return undefined;
        return response(Buffer.concat(parts), offset + 2);
      }
      if (buffer.length < offset + size + 2) return undefined;
      parts.push(buffer.subarray(offset, offset + size));
      if (buffer.subarray(offset + size, offset + size + 2).toString('latin1') !== '\r\n') throw new Error('chunk not followed by CRLF');
      offset += size + 2;
    }
  }
  const length = header('content-length');
  if (length !== undefined) {
    const n = Number(length);
    if (buffer.length < offset + n) return undefined;
    return response(buffer.subarray(offset, offset + n), offset + n);
  }
  // Delimited by the close.
  return ended ? response(buffer.subarray(offset), buffer.length) : undefined;
}
