/**
 * Client certificate validation on HTTPS ports (the Gateway's `spec.tls.frontend`): AllowValidOnly
 * refuses the handshake of a client without a certificate the CAs vouch for, whichever listener
 * SNI picks; AllowInsecureFallback asks and admits everyone; per-port settings override the
 * default; a reload applies to new connections, resumed sessions included.
 */
import { spawn } from 'child_process';
import * as http2 from 'http2';
import * as https from 'https';
import { backend, httpRoute, manifests, serve, Served, startEcho, Echo, tlsSecret, writeManifests } from './support';
import { Authority, certificateAuthority, KeyPair } from '../util/pki';

let caA: Authority;
let caB: Authority;
let clientA: KeyPair;
let clientB: KeyPair;
let serverA: KeyPair;
let serverB: KeyPair;
let echo: Echo;

interface Frontend {
  readonly default?: { mode?: string; ca: string };
  readonly perPort?: Record<number, { mode?: string; ca: string }>;
}

function validation(setting: { mode?: string; ca: string }): object {
  return { ...(setting.mode ? { mode: setting.mode } : {}), caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: setting.ca }] };
}

/** Two SNI-chosen listeners on 443 and one on 8443, each with its own certificate, behind the Gateway's frontend validation. */
function config(frontend: Frontend | undefined): object[] {
  const objects = manifests({
    listeners: [
      { name: 'a', port: 443, protocol: 'HTTPS', hostname: 'a.example', tls: { certificateRefs: [{ name: 'cert-a' }] } },
      { name: 'b', port: 443, protocol: 'HTTPS', hostname: '*.b.example', tls: { certificateRefs: [{ name: 'cert-b' }] } },
      { name: 'c', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert-a' }] } },
    ],
    services: [{ name: 'svc', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc')] }])],
    extra: [
      tlsSecret('cert-a', serverA),
      tlsSecret('cert-b', serverB),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca-a', namespace: 'default' }, data: { 'ca.crt': caA.cert } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca-b', namespace: 'default' }, data: { 'ca.crt': caB.cert } },
    ],
  });
  if (frontend) {
    const gateway = objects.find((o: any) => o.kind === 'Gateway') as any;
    gateway.spec.tls = {
      frontend: {
        ...(frontend.default ? { default: { validation: validation(frontend.default) } } : {}),
        ...(frontend.perPort ? {
          perPort: Object.entries(frontend.perPort).map(([port, setting]) => ({ port: Number(port), tls: { validation: validation(setting) } })),
        } : {}),
      },
    };
  }
  return objects;
}

interface Outcome {
  readonly status?: number;
  /** Set when no HTTP answer came: the handshake was refused or the connection cut. */
  readonly refused?: string;
}

/** One HTTP/1.1 request on a new TLS connection, presenting `client` when given. */
function request(port: number, serverName: string | undefined, client?: KeyPair, session?: Buffer): Promise<Outcome & { session?: Buffer }> {
  return new Promise(resolve => {
    let ticket: Buffer | undefined;
    const req = https.request({
      host: '127.0.0.1',
      port,
      path: '/',
      agent: false,
      rejectUnauthorized: false,
      servername: serverName ?? '',
      headers: { host: serverName ?? 'a.example' },
      ...(client ? { cert: client.cert, key: client.key } : {}),
      ...(session ? { session } : {}),
      timeout: 5000,
    }, res => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, session: ticket }));
    });
    req.on('socket', socket => socket.on('session', (s: Buffer) => (ticket = s)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', err => resolve({ refused: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end();
  });
}

/**
 * The CA names of the CertificateRequest the server sends, as openssl prints them; node's
 * client does not expose them. Asynchronous: the server under test shares this event loop.
 */
function requestedCaNames(port: number, serverName: string): Promise<string | undefined> {
  return new Promise(resolve => {
    const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', serverName], { stdio: ['pipe', 'pipe', 'ignore'] });
    let output = '';
    const timer = setTimeout(() => client.kill(), 5000);
    client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    client.on('close', () => {
      clearTimeout(timer);
      resolve(/Acceptable client certificate CA names\r?\n(.*)/.exec(output)?.[1]);
    });
    client.stdin.end();
  });
}

beforeAll(async () => {
  caA = certificateAuthority('client ca a');
  caB = certificateAuthority('client ca b');
  clientA = caA.issue({ commonName: 'client a' });
  clientB = caB.issue({ commonName: 'client b' });
  const serverCa = certificateAuthority('server ca');
  serverA = serverCa.issue({ commonName: 'a.example', dns: ['a.example'] });
  serverB = serverCa.issue({ commonName: 'b.example', dns: ['*.b.example'] });
  echo = await startEcho('echo');
});

afterAll(async () => {
  await echo?.close();
});

describe('AllowValidOnly by default, AllowInsecureFallback on 8443', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(config({ default: { ca: 'ca-a' }, perPort: { 8443: { mode: 'AllowInsecureFallback', ca: 'ca-b' } } }), 443);
  });
  afterAll(async () => {
    await served?.close();
  });

  test('admits a client certificate the CA signed, on every listener SNI picks and without SNI', async () => {
    for (const name of ['a.example', 'x.b.example', undefined]) {
      expect([name, (await request(served.port(443), name, clientA)).status]).toEqual([name, 200]);
    }
  });

  test('rejects a handshake without a client certificate', async () => {
    const before = echo.seen.length;
    expect((await request(served.port(443), 'a.example')).refused).toBeDefined();
    expect((await request(served.port(443), 'x.b.example')).refused).toBeDefined();
    expect(echo.seen.length).toBe(before);
  });

  test('rejects a client certificate another CA signed', async () => {
    const before = echo.seen.length;
    expect((await request(served.port(443), 'a.example', clientB)).refused).toBeDefined();
    expect((await request(served.port(443), 'x.b.example', clientB)).refused).toBeDefined();
    expect(echo.seen.length).toBe(before);
  });

  test('validates HTTP/2 connections negotiated by ALPN the same way', async () => {
    const connect = (client?: KeyPair) => new Promise<string>(resolve => {
      const session = http2.connect(`https://127.0.0.1:${served.port(443)}`, {
        servername: 'a.example', rejectUnauthorized: false, ...(client ? { cert: client.cert, key: client.key } : {}),
      });
      session.on('error', err => resolve(`refused: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      const stream = session.request({ ':path': '/', ':authority': 'a.example' });
      stream.on('response', headers => {
        resolve(String(headers[':status']));
        session.close();
      });
      stream.on('error', err => resolve(`refused: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      stream.end();
    });
    expect(await connect(clientA)).toBe('200');
    expect(await connect()).toMatch(/^refused: /);
  });

  test('applies the per-port AllowInsecureFallback on its port: any certificate or none is admitted', async () => {
    const port = served.port(8443);
    expect([(await request(port, 'c.example', clientB)).status, (await request(port, 'c.example', clientA)).status,
      (await request(port, 'c.example')).status]).toEqual([200, 200, 200]);
  });

  test('asks every client for a certificate, naming the CA of the port', async () => {
    expect(await requestedCaNames(served.port(443), 'a.example')).toMatch(/client ca a$/);
    expect(await requestedCaNames(served.port(8443), 'c.example')).toMatch(/client ca b$/);
  });
});

describe('reloads', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(config(undefined), 443);
  });
  afterAll(async () => {
    await served?.close();
  });

  async function reload(frontend: Frontend | undefined): Promise<void> {
    const generation = served.handle.generation();
    writeManifests(served.file, config(frontend));
    const end = Date.now() + 5000;
    while (served.handle.generation() === generation && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10));
    expect(served.handle.generation()).toBeGreaterThan(generation);
  }

  test('validation added to a running port applies to new connections, and a session from before cannot be resumed', async () => {
    const port = served.port(443);
    const before = await request(port, 'a.example');
    expect(before.status).toBe(200);
    expect(before.session).toBeDefined();
    await reload({ default: { ca: 'ca-a' } });
    expect((await request(port, 'a.example')).refused).toBeDefined();
    expect((await request(port, 'a.example', undefined, before.session)).refused).toBeDefined();
    expect((await request(port, 'a.example', clientA)).status).toBe(200);
  });

  test('a changed CA applies to new connections: the old CA\'s clients are refused, the new CA\'s admitted', async () => {
    const port = served.port(443);
    await reload({ default: { ca: 'ca-a' } });
    expect((await request(port, 'x.b.example', clientA)).status).toBe(200);
    await reload({ default: { ca: 'ca-b' } });
    expect((await request(port, 'x.b.example', clientA)).refused).toBeDefined();
    expect((await request(port, 'x.b.example', clientB)).status).toBe(200);
  });

  test('AllowValidOnly turned into AllowInsecureFallback admits clients without a certificate, and back', async () => {
    const port = served.port(443);
    await reload({ default: { mode: 'AllowInsecureFallback', ca: 'ca-a' } });
    const fallback = await request(port, 'a.example');
    expect(fallback.status).toBe(200);
    await reload({ default: { ca: 'ca-a' } });
    expect((await request(port, 'a.example', undefined, fallback.session)).refused).toBeDefined();
  });

  test('validation removed from the port admits clients without a certificate again', async () => {
    const port = served.port(443);
    await reload({ default: { ca: 'ca-a' } });
    expect((await request(port, 'a.example')).refused).toBeDefined();
    await reload(undefined);
    expect((await request(port, 'a.example')).status).toBe(200);
  });
});
