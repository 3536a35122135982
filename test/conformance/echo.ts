/**
 * A stand-in for the upstream conformance backend (research/gateway-api.md §e): every request
 * is answered with a JSON description of what the backend received, so a test can tell which
 * pod served it and what the gateway changed on the way. One instance plays one pod.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import { Duplex } from 'stream';
import * as tls from 'tls';
import { acceptKey, attachWebSocket, encodeFrame, OPCODE } from './websocket';

export interface EchoIdentity {
  readonly namespace: string;
  /** `<deployment>-<hash>-<hash>`, the form the harness strips back to the Deployment name. */
  readonly pod: string;
}

/**
 * The upstream backend's TLS mode (`TLS_SERVER_CERT`, `TLS_SERVER_PRIVKEY`, `TLS_CLIENT_CACERTS`):
 * HTTPS on its own port beside plain HTTP; with a client CA, a certificate a client presents must
 * verify, while clients without one are still served.
 */
export interface EchoTls {
  readonly cert: string;
  readonly key: string;
  readonly clientCa?: string;
}

/** What a TLS connection carried, as upstream reports it under `tls`. */
export interface EchoTlsInfo {
  readonly version: string;
  /** PEM of the client's certificate, then of its issuers; empty when it presented none. */
  readonly peerCertificates: string[];
  /** SNI, empty when none was sent. */
  readonly serverName: string;
  readonly negotiatedProtocol: string;
  readonly cipherSuite: string;
}

/** What the JSON body reports; field names are the ones upstream tests decode. */
export interface EchoResponse {
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly proto: string;
  readonly headers: Record<string, string[]>;
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  readonly pod: string;
  readonly httpPort: string;
  /** Only for requests that came over TLS. */
  readonly tls?: EchoTlsInfo;
}

export interface EchoLogEntry {
  readonly path: string;
  readonly method: string;
  readonly host: string;
  readonly headers: Record<string, string[]>;
  /** The line upstream prints, which mirror tests search the mirror pod's log for. */
  readonly line: string;
}

/** Go's textproto canonical form, which the upstream backend reports header names in. */
export function canonicalHeaderName(name: string): string {
  return name.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase()).join('-');
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds for a Go duration string (`1s`, `1.5s`, `1m30s`, `200ms`); undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map(p => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]], 0);
}

/** A header list from raw name/value pairs, Host left out as Go's server does. */
function headerMap(rawPairs: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawPairs.length; i += 2) {
    const name = rawPairs[i];
    if (name.startsWith(':') || name.toLowerCase() === 'host') continue;
    (headers[canonicalHeaderName(name)] ??= []).push(rawPairs[i + 1]);
  }
  return headers;
}

/** `Name:Value,Name2:Value2`, as the upstream backend reads X-Echo-Set-Header. */
function requestedResponseHeaders(values: readonly string[]): Array<[string, string]> {
  return values
    .flatMap(v => v.split(','))
    .map(pair => pair.trim())
    .filter(pair => pair.includes(':'))
    .map(pair => {
      const colon = pair.indexOf(':');
      return [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()] as [string, string];
    });
}

/** The parts of a request both protocol front ends share, so HTTP/1.1 and h2c answer alike. */
interface Incoming {
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly proto: string;
  readonly rawHeaders: readonly string[];
  readonly client: string;
  readonly tls?: EchoTlsInfo;
}

interface Reply {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export class EchoServer {
  static async start(identity: EchoIdentity, tlsConfig?: EchoTls): Promise<EchoServer> {
    const server = new EchoServer(identity, tlsConfig);
    await server.listen();
    return server;
  }

  /** Every request received, oldest first; tests read it the way upstream reads pod logs. */
  readonly log: EchoLogEntry[] = [];
  private readonly http1: http.Server;
  private readonly h2c: net.Server;
  private readonly h2Sessions: http2.Http2Server;
  private readonly https: https.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(readonly identity: EchoIdentity, tlsConfig?: EchoTls) {
    this.http1 = http.createServer((req, res) => this.onHttp1(req, res));
    this.http1.on('upgrade', (req, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.https = tlsConfig ? this.secureServer(tlsConfig) : undefined;
    this.h2Sessions = http2.createServer();
    this.h2Sessions.on('stream', (stream, headers) => this.onH2Stream(stream, headers));
    // Upstream's h2c port refuses plain HTTP/1.1; peeking at the preface keeps that behaviour.
    this.h2c = net.createServer(socket => this.onH2cConnection(socket));
    for (const server of [this.http1, this.h2c]) {
      server.on('connection', (socket: net.Socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
    }
  }

  get httpPort(): number {
    return (this.http1.address() as net.AddressInfo).port;
  }

  get h2cPort(): number {
    return (this.h2c.address() as net.AddressInfo).port;
  }

  /** The HTTPS port, for a pod started with TLS. */
  get httpsPort(): number | undefined {
    return this.https ? (this.https.address() as net.AddressInfo).port : undefined;
  }

  /**
   * HTTP/1.1 over TLS. A client certificate is asked for only when a client CA is configured,
   * and then must verify if presented, like Go's VerifyClientCertIfGiven.
   */
  private secureServer(config: EchoTls): https.Server {
    const server = https.createServer({
      cert: config.cert,
      key: config.key,
      ALPNProtocols: ['http/1.1'],
      ...(config.clientCa ? { ca: config.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
    }, (req, res) => this.onHttp1(req, res));
    server.on('upgrade', (req, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      if (config.clientCa && !socket.authorized && socket.getPeerCertificate()?.raw) socket.destroy();
    });
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    return server;
  }

  /** The lines upstream's backend would have printed, for mirror checks written against logs. */
  logLines(): string[] {
    return this.log.map(entry => entry.line);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    const servers: Array<{ close(callback: () => void): unknown }> = [this.http1, this.h2c, this.h2Sessions, ...(this.https ? [this.https] : [])];
    await Promise.all(servers.map(server => new Promise<void>(resolve => {
      server.close(() => resolve());
    })));
  }

  private async listen(): Promise<void> {
    for (const server of [this.http1, this.h2c, ...(this.https ? [this.https] : [])]) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
  }

  private onHttp1(req: http.IncomingMessage, res: http.ServerResponse): void {
    const incoming: Incoming = {
      path: req.url ?? '/',
      host: req.headers.host ?? '',
      method: req.method ?? 'GET',
      proto: `HTTP/${req.httpVersion}`,
      rawHeaders: req.rawHeaders,
      client: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      ...(req.socket instanceof tls.TLSSocket ? { tls: tlsInfo(req.socket) } : {}),
    };
    req.resume();
    req.on('end', () => this.answer(incoming, reply => {
      if (res.destroyed) return;
      for (const [name, value] of reply.headers) res.setHeader(name, value);
      res.writeHead(reply.status);
      res.end(reply.body);
    }));
  }

  private onH2cConnection(socket: net.Socket): void {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, preface.length);
      if (!seen.subarray(0, compared).equals(preface.subarray(0, compared))) {
        socket.off('data', onData);
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n'
          + JSON.stringify({ message: 'this port only speaks HTTP/2 with prior knowledge' }));
        return;
      }
      if (seen.length < preface.length) return;
      socket.off('data', onData);
      this.h2Sessions.emit('connection', replay(socket, seen));
    };
    socket.on('data', onData);
  }

  private onH2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const raw: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value ?? '']) raw.push(name, String(v));
    }
    const incoming: Incoming = {
      path: String(headers[':path'] ?? '/'),
      host: String(headers[':authority'] ?? headers.host ?? ''),
      method: String(headers[':method'] ?? 'GET'),
      proto: 'HTTP/2.0',
      rawHeaders: raw,
      client: `${stream.session?.socket.remoteAddress}:${stream.session?.socket.remotePort}`,
    };
    stream.resume();
    stream.on('end', () => this.answer(incoming, reply => {
      if (stream.destroyed || stream.closed) return;
      const out: http2.OutgoingHttpHeaders = { ':status': reply.status };
      for (const [name, value] of reply.headers) out[name.toLowerCase()] = value;
      stream.respond(out);
      stream.end(reply.body);
    }));
    stream.on('error', () => undefined);
  }

  private answer(incoming: Incoming, send: (reply: Reply) => void): void {
    const headers = headerMap(incoming.rawHeaders);
    this.log.push({
      path: incoming.path,
      method: incoming.method,
      host: incoming.host,
      headers,
      line: `Echoing back request made to ${incoming.path} to client (${incoming.client})`,
    });
    const [rawPath, query = ''] = splitTarget(incoming.path);
    const pathname = rawPath.replace(/\/{2,}/g, '/');

    if (pathname === '/health') {
      send({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'OK' });
      return;
    }
    const status = /^\/status\/(.*)$/.exec(pathname);
    if (status) {
      const code = /^\d{3}$/.test(status[1]) ? Number(status[1]) : NaN;
      send(code >= 100 && code <= 599
        ? { status: code, headers: [], body: '' }
        : this.error(400, `invalid status code '${status[1]}'`));
      return;
    }
    const delay = new URLSearchParams(query).get('delay');
    const wait = delay === null ? 0 : parseGoDuration(delay);
    if (wait === undefined) {
      send(this.error(400, `invalid delay '${delay}'`));
      return;
    }
    const body: EchoResponse = {
      path: incoming.path,
      host: incoming.host,
      method: incoming.method,
      proto: incoming.proto,
      headers,
      namespace: this.identity.namespace,
      ingress: '',
      service: '',
      pod: this.identity.pod,
      httpPort: String(this.httpPort),
      ...(incoming.tls ? { tls: incoming.tls } : {}),
    };
    const reply: Reply = {
      status: 200,
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Content-Type-Options', 'nosniff'],
        ...requestedResponseHeaders(headers['X-Echo-Set-Header'] ?? []),
      ],
      body: JSON.stringify(body, undefined, 1),
    };
    if (wait === 0) {
      send(reply);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(reply);
    }, wait);
    this.timers.add(timer);
  }

  private error(status: number, message: string): Reply {
    return { status, headers: [['Content-Type', 'application/json']], body: JSON.stringify({ message }) };
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const key = req.headers['sec-websocket-key'];
    if (splitTarget(req.url ?? '/')[0] !== '/ws' || String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.log.push({
      path: req.url ?? '/',
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      headers: headerMap(req.rawHeaders),
      line: `Echoing back request made to ${req.url} to client (${req.socket.remoteAddress}:${req.socket.remotePort})`,
    });
    socket.write([
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKey(key)}`,
      '', '',
    ].join('\r\n'));
    attachWebSocket(socket, false, (opcode, payload) => {
      socket.write(encodeFrame(opcode === OPCODE.binary ? OPCODE.binary : OPCODE.text, payload, false));
    }, head);
    socket.on('error', () => undefined);
  }
}

function tlsInfo(socket: tls.TLSSocket): EchoTlsInfo {
  const peerCertificates: string[] = [];
  const seen = new Set<string>();
  // The client's certificate first, then its issuers as far as known; a self-signed root points at itself.
  for (let cert = socket.getPeerCertificate(true); cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    peerCertificates.push(`-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`);
  }
  return {
    version: socket.getProtocol() ?? '',
    peerCertificates,
    serverName: typeof socket.servername === 'string' ? socket.servername : '',
    negotiatedProtocol: socket.alpnProtocol || '',
    cipherSuite: socket.getCipher()?.standardName ?? '',
  };
}

/** Path and query of a request target; `new URL` would read `//status/418` as a host. */
function splitTarget(target: string): [string, string?] {
  const q = target.indexOf('?');
  return q < 0 ? [target] : [target.slice(0, q), target.slice(q + 1)];
}

/**
 * The socket with the bytes already read put back in front. node:http2 reads a net.Socket
 * through its native handle, which would skip anything unshifted, so it gets a JS stream.
 */
function replay(socket: net.Socket, consumed: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => {
      socket.write(chunk, callback);
    },
    final: callback => {
      socket.end();
      callback();
    },
    destroy: (err, callback) => {
      socket.destroy();
      callback(err);
    },
  });
  stream.push(consumed);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', err => stream.destroy(err));
  return stream;
}

/** A random `<hash>-<hash>` suffix in the alphabet Kubernetes uses for generated names. */
export function podName(deployment: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
  return `${deployment}-${pick(10)}-${pick(5)}`;
}
