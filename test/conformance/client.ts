/**
 * The client side of the checks: one request with an explicit Host (and SNI for HTTPS), no
 * redirect following and a hard deadline, so a missing feature fails a check instead of
 * hanging the suite.
 */
import { randomBytes } from 'crypto';
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import { acceptKey, attachWebSocket, encodeFrame, OPCODE } from './websocket';

export interface ClientRequest {
  readonly port: number;
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  /** TLS with SNI = `serverName` (the Host without port unless given). */
  readonly tls?: boolean;
  readonly serverName?: string;
  /** Presented when the server asks for a client certificate. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  readonly timeoutMs?: number;
  readonly agent?: http.Agent;
}

export interface ClientResponse {
  readonly status: number;
  /** Lower-case names, as node reports them. */
  readonly headers: http.IncomingHttpHeaders;
  /** Every value of each header, by lower-case name; node's `headers` joins repeats with ', '. */
  readonly headerLists: Record<string, string[]>;
  readonly body: string;
}

function headerLists(raw: readonly string[]): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) (lists[raw[i].toLowerCase()] ??= []).push(raw[i + 1]);
  return lists;
}

export const DEFAULT_TIMEOUT_MS = 5000;

export function send(request: ClientRequest): Promise<ClientResponse> {
  const timeout = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hostOnly = request.host.replace(/:\d+$/, '');
  const options: https.RequestOptions = {
    host: '127.0.0.1',
    port: request.port,
    path: request.path,
    method: request.method ?? 'GET',
    headers: { ...request.headers, host: request.host },
    agent: request.agent ?? false,
  };
  if (request.tls) {
    // The suite's own CA is not ours to trust; certificates are checked by status, not here.
    options.rejectUnauthorized = false;
    const serverName = request.serverName ?? hostOnly;
    if (!net.isIP(serverName)) options.servername = serverName;
    if (request.clientCert) {
      options.cert = request.clientCert.cert;
      options.key = request.clientCert.key;
    }
  }
  return new Promise((resolve, reject) => {
    const req = (request.tls ? https : http).request(options, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, headerLists: headerLists(res.rawHeaders), body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no complete response within ${timeout} ms`));
    }, timeout);
    function fail(err: Error) {
      clearTimeout(timer);
      reject(new Error(`${request.method ?? 'GET'} ${request.tls ? 'https' : 'http'}://${request.host}${request.path} (port ${request.port}): ${err.message}`));
    }
    req.on('error', fail);
    req.end();
  });
}

/** One HTTP/2 request with prior knowledge over cleartext, as a gRPC or h2c client opens it. */
export function sendH2c(port: number, authority: string, path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`h2c ${authority}${path}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    session.on('error', err => {
      clearTimeout(timer);
      reject(err);
    });
    const stream = session.request({ ':path': path, ':authority': authority, ':method': 'GET', ':scheme': 'http' });
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', h => {
      status = Number(h[':status']);
      headers = h as http.IncomingHttpHeaders;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, headers, headerLists: {}, body: Buffer.concat(chunks).toString('utf8') });
    });
    stream.on('error', err => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    });
    stream.end();
  });
}

/**
 * Opens a WebSocket on `path`, sends `message` as text and resolves with the first text
 * message that comes back; rejects when the upgrade is refused or nothing returns in time.
 */
export function webSocketRoundTrip(port: number, host: string, path: string, message: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => done(new Error(`websocket ${host}${path}: no echo within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    function done(err: Error | undefined, value?: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!err) socket.write(encodeFrame(OPCODE.close, Buffer.from([0x03, 0xe8]), true));
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    }
    socket.on('error', err => done(err));
    socket.on('connect', () => {
      socket.write([
        `GET ${path} HTTP/1.1`,
        `Host: ${host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        '', '',
      ].join('\r\n'));
    });
    let head = Buffer.alloc(0);
    const onHandshake = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHandshake);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const accept = lines.find(l => /^sec-websocket-accept:/i.test(l))?.split(':')[1]?.trim();
      if (!/^HTTP\/1\.1 101 /.test(lines[0]) || accept !== acceptKey(key)) {
        done(new Error(`websocket ${host}${path}: handshake answered '${lines[0]}'`));
        return;
      }
      attachWebSocket(socket, true, (opcode, payload) => {
        if (opcode === OPCODE.text) done(undefined, payload.toString('utf8'));
      }, head.subarray(end + 4));
      socket.write(encodeFrame(OPCODE.text, Buffer.from(message), true));
    };
    socket.on('data', onHandshake);
  });
}
