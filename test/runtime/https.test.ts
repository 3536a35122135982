/**
 * HTTPS ports: certificates chosen by SNI, listener isolation between SNI and Host (421 and
 * 404), HTTP/2 and HTTP/1.1 by ALPN on one port, the TLS floor, and certificates replaced in
 * the watched file without reopening the listener.
 */
import { X509Certificate } from 'crypto';
import * as http2 from 'http2';
import * as https from 'https';
import * as tls from 'tls';
import {
  backend, Echo, EchoReply, h2Request, httpRoute, KeyPair, manifests, selfSigned, serve, Served, startEcho, tlsSecret, writeManifests,
} from './support';

let a: Echo;
let b: Echo;
let certA: KeyPair;
let certB: KeyPair;
let served: Served;
let port: number;

function config(forA: KeyPair): object[] {
  return manifests({
    listeners: [
      { name: 'a', port: 443, protocol: 'HTTPS', hostname: 'a.example', tls: { certificateRefs: [{ name: 'cert-a' }] } },
      { name: 'b', port: 443, protocol: 'HTTPS', hostname: '*.b.example', tls: { certificateRefs: [{ name: 'cert-b' }] } },
    ],
    services: [{ name: 'svc-a', endpoints: [a.port] }, { name: 'svc-b', endpoints: [b.port] }],
    routes: [
      httpRoute([{ backendRefs: [backend('svc-a')] }], { name: 'route-a', hostnames: ['a.example'] }),
      httpRoute([{ backendRefs: [backend('svc-b')] }], { name: 'route-b', hostnames: ['*.b.example'] }),
    ],
    extra: [tlsSecret('cert-a', forA), tlsSecret('cert-b', certB)],
  });
}

beforeAll(async () => {
  [a, b] = await Promise.all([startEcho('a'), startEcho('b')]);
  certA = selfSigned('a.example');
  certB = selfSigned('*.b.example');
  served = await serve(config(certA), 443);
  port = served.port(443);
});

afterAll(async () => {
  await served.close();
  await Promise.all([a.close(), b.close()]);
});

interface TlsAnswer {
  readonly status: number;
  readonly body: string;
  readonly fingerprint: string;
  readonly alpn: string | false;
}

/** One HTTP/1.1 request on a new TLS connection; `serverName` undefined sends no SNI. */
function request(host: string, serverName: string | undefined, options: https.RequestOptions = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      path: '/',
      agent: false,
      rejectUnauthorized: false,
      // An empty servername is how node's client is told to send no SNI.
      servername: serverName ?? '',
      headers: { host },
      ...options,
    }, res => {
      const socket = res.socket as tls.TLSSocket;
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const alpn = socket.alpnProtocol ?? false;
      let body = '';
      res.on('data', c => body += c);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint, alpn }));
    });
    req.on('error', reject);
    req.end();
  });
}

function fingerprintOf(pair: KeyPair): string {
  return new X509Certificate(pair.cert).fingerprint256;
}

function podOf(answer: TlsAnswer): string {
  return (JSON.parse(answer.body) as EchoReply).pod;
}

function h2Connect(serverName: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: serverName, rejectUnauthorized: false });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

describe('certificates', () => {
  test('presents the certificate of the listener the SNI names, exact or wildcard', async () => {
    expect((await request('a.example', 'a.example')).fingerprint).toBe(fingerprintOf(certA));
    expect((await request('x.b.example', 'x.b.example')).fingerprint).toBe(fingerprintOf(certB));
  });

  test('presents the first listener\'s certificate to a client that sends no SNI, and routes it by Host', async () => {
    const answer = await request('x.b.example', undefined);
    expect(answer.fingerprint).toBe(fingerprintOf(certA));
    expect([answer.status, podOf(answer)]).toEqual([200, 'b']);
  });

  test('refuses CBC cipher suites and TLS versions below 1.2', async () => {
    const handshake = (options: tls.ConnectionOptions) => new Promise<string>(resolve => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.example', rejectUnauthorized: false, ...options }, () => {
        const cipher = socket.getCipher().name;
        socket.destroy();
        resolve(cipher);
      });
      socket.on('error', err => resolve(`refused: ${err.message}`));
    });
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' })).toMatch(/^refused: /);
    expect(await handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^refused: /);
  });
});

describe('misdirected requests', () => {
  test('routes each Host to its own listener when SNI and Host agree', async () => {
    const first = await request('a.example', 'a.example');
    const second = await request('x.b.example', 'x.b.example');
    expect([first.status, podOf(first), second.status, podOf(second)]).toEqual([200, 'a', 200, 'b']);
  });

  test('answers 421 when the Host belongs to another listener than the one the SNI chose', async () => {
    expect((await request('x.b.example', 'a.example')).status).toBe(421);
    expect((await request('a.example', 'x.b.example')).status).toBe(421);
  });

  test('answers 421 to an HTTP/2 request whose :authority belongs to another listener', async () => {
    const session = await h2Connect('a.example');
    try {
      expect((await h2Request(session, { ':path': '/', ':authority': 'x.b.example' })).status).toBe(421);
      expect((await h2Request(session, { ':path': '/', ':authority': 'a.example' })).status).toBe(200);
    } finally {
      session.close();
    }
  });

  test('answers 404 when no listener serves the Host, whatever the SNI', async () => {
    expect((await request('unknown.example', 'a.example')).status).toBe(404);
    expect((await request('unknown.example', 'unknown.example')).status).toBe(404);
  });
});

describe('protocols', () => {
  test('serves HTTP/2 negotiated by ALPN end to end, forwarding HTTP/1.1 to the backend', async () => {
    const session = await h2Connect('a.example');
    try {
      expect(session.alpnProtocol).toBe('h2');
      const answer = await h2Request(session, { ':path': '/upload', ':authority': 'a.example' }, 'payload');
      expect(answer.status).toBe(200);
      const reply = JSON.parse(answer.body) as EchoReply;
      expect([reply.pod, reply.method, reply.path, reply.host, reply.body]).toEqual(['a', 'POST', '/upload', 'a.example', 'payload']);
      expect(reply.headers['x-forwarded-proto']).toEqual(['https']);
    } finally {
      session.close();
    }
  });

  test('still serves HTTP/1.1 on the same port, chosen by ALPN or by a client that offers none', async () => {
    const offered = await request('a.example', 'a.example', { ALPNProtocols: ['http/1.1'] } as https.RequestOptions);
    const none = await request('a.example', 'a.example');
    expect([offered.alpn, offered.status, none.alpn, none.status]).toEqual(['http/1.1', 200, false, 200]);
  });

  test('upgrades a WebSocket over HTTP/1.1 on the HTTPS port, with the same listener isolation', async () => {
    const upgrade = (host: string) => new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.example', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write(`GET /chat HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      });
      let received = '';
      socket.on('data', d => {
        received += d.toString('latin1');
        if (received.startsWith('HTTP/1.1 101') && !received.includes('a:ping')) socket.write('ping');
        if (received.includes('a:ping') || received.startsWith('HTTP/1.1 421')) socket.end();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    const upgraded = await upgrade('a.example');
    expect([upgraded.split('\r\n')[0], upgraded.endsWith('a:ping')]).toEqual(['HTTP/1.1 101 Switching Protocols', true]);
    expect((await upgrade('x.b.example')).split('\r\n')[0]).toBe('HTTP/1.1 421 Misdirected Request');
  });
});

describe('certificate reloads', () => {
  test('serves a certificate changed in the watched file to new connections without reopening the listener', async () => {
    const ports = served.handle.ports();
    const before = await h2Connect('a.example');
    try {
      const renewed = selfSigned('a.example');
      const generation = served.handle.generation();
      writeManifests(served.file, config(renewed));
      const end = Date.now() + 5000;
      while (served.handle.generation() === generation && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10));
      expect(served.handle.generation()).toBeGreaterThan(generation);

      expect((await request('a.example', 'a.example')).fingerprint).toBe(fingerprintOf(renewed));
      expect((await request('a.example', undefined)).fingerprint).toBe(fingerprintOf(renewed));
      expect((await request('x.b.example', 'x.b.example')).fingerprint).toBe(fingerprintOf(certB));
      // The session opened before the change still works: the listener was never closed.
      expect((await h2Request(before, { ':path': '/', ':authority': 'a.example' })).status).toBe(200);
      expect(served.handle.ports()).toEqual(ports);
    } finally {
      before.close();
    }
  });
});
