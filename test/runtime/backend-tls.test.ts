/**
 * TLS to backends (BackendTLSPolicy): the proxy trusts only the policy's CAs, sends its hostname
 * as SNI, checks the hostname or the subjectAltNames, presents the Gateway's client certificate,
 * answers 502 when any of it fails, and follows a changed CA on reload.
 */
import { X509Certificate } from 'crypto';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import { backend, destroyAgent, get, httpRoute, manifests, serve, Served, writeManifests } from './support';
import { dnsNameMatches, subjectAltNames } from '../../src/runtime/tls';
import { Authority, certificateAuthority, KeyPair } from '../util/pki';

interface TlsSeen {
  readonly path: string;
  readonly serverName: string | false;
  readonly alpn: string | false | null;
  readonly version: string | null;
  /** SHA-256 fingerprint of the client certificate, when one was presented. */
  readonly peer?: string;
}

interface TlsEcho {
  readonly port: number;
  /** TCP connections accepted, handshakes that failed included. */
  connections: number;
  close(): Promise<void>;
}

/** An HTTPS echo that asks for a client certificate (optional) and reports what the handshake carried. */
function startTlsEcho(pair: KeyPair, clientCa: string): Promise<TlsEcho> {
  const server = https.createServer({ ...pair, ca: clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    const peer = socket.getPeerCertificate();
    const reply: TlsSeen = {
      path: req.url ?? '',
      serverName: (socket as unknown as { servername: string | false }).servername,
      alpn: socket.alpnProtocol,
      version: socket.getProtocol(),
      ...(peer?.fingerprint256 ? { peer: peer.fingerprint256 } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  const echo: TlsEcho = {
    port: 0,
    connections: 0,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  server.on('connection', () => echo.connections++);
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    resolve(Object.assign(echo, { port: (server.address() as net.AddressInfo).port }));
  }));
}

let backendCa: Authority;
let otherCa: Authority;
let clientCa: Authority;
let clientPair: KeyPair;
let echo: TlsEcho;
let served: Served;
let port: number;

const SERVICES = ['good', 'san-dns', 'san-wildcard', 'san-uri', 'san-mismatch', 'uri-mismatch', 'hostname-mismatch', 'wrong-ca', 'system', 'reloaded'];

function caConfigMap(name: string, ca: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { 'ca.crt': ca } };
}

function policy(service: string, validation: object): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name: service, namespace: 'default' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation },
  };
}

/** Every Service points at the same TLS echo; the policies differ. `reloadedCa` is the ConfigMap the `reloaded` policy trusts. */
function config(reloadedCa: string): object[] {
  const trusted = { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'abc.example.com' };
  const objects = manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: SERVICES.map(name => ({ name, endpoints: [echo.port] })),
    routes: [httpRoute(SERVICES.map(name => ({ matches: [{ path: { type: 'Exact', value: `/${name}` } }], backendRefs: [backend(name)] })))],
    extra: [
      caConfigMap('backend-ca', backendCa.cert),
      caConfigMap('other-ca', otherCa.cert),
      caConfigMap('reloaded-ca', reloadedCa),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'gateway-client', namespace: 'default' },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': clientPair.cert, 'tls.key': clientPair.key },
      },
      policy('good', trusted),
      policy('san-dns', { ...trusted, hostname: 'sni.example.com', subjectAltNames: [{ type: 'Hostname', hostname: 'other.example.com' }] }),
      policy('san-wildcard', { ...trusted, subjectAltNames: [{ type: 'Hostname', hostname: 'x.wild.example.com' }] }),
      policy('san-uri', { ...trusted, subjectAltNames: [{ type: 'URI', uri: 'spiffe://abc.example.com/test-identity' }] }),
      // The hostname is on the certificate, but with subjectAltNames it no longer authenticates.
      policy('san-mismatch', { ...trusted, subjectAltNames: [{ type: 'Hostname', hostname: 'dce.example.com' }] }),
      policy('uri-mismatch', { ...trusted, subjectAltNames: [{ type: 'URI', uri: 'spiffe://def.example.com/test-identity' }] }),
      policy('hostname-mismatch', { ...trusted, hostname: 'mismatch.example.com' }),
      policy('wrong-ca', { ...trusted, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'other-ca' }] }),
      policy('system', { hostname: 'abc.example.com', wellKnownCACertificates: 'System' }),
      policy('reloaded', { ...trusted, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'reloaded-ca' }] }),
    ],
  });
  const gateway = objects.find((o: any) => o.kind === 'Gateway') as any;
  gateway.spec.tls = { backend: { clientCertificateRef: { group: '', kind: 'Secret', name: 'gateway-client' } } };
  // A second Gateway without a client certificate serves the same route on port 81.
  objects.push({ ...gateway, metadata: { name: 'plain', namespace: 'default' }, spec: { gatewayClassName: 'gc', listeners: [{ name: 'http', port: 81, protocol: 'HTTP' }] } });
  const route = objects.find((o: any) => o.kind === 'HTTPRoute') as any;
  route.spec.parentRefs = [{ name: 'gw' }, { name: 'plain' }];
  return objects;
}

beforeAll(async () => {
  backendCa = certificateAuthority('backend ca');
  otherCa = certificateAuthority('other ca');
  clientCa = certificateAuthority('gateway client ca');
  clientPair = clientCa.issue({ commonName: 'gateway' });
  const serverPair = backendCa.issue({
    commonName: 'abc.example.com',
    dns: ['abc.example.com', 'other.example.com', '*.wild.example.com'],
    uris: ['spiffe://abc.example.com/test-identity'],
  });
  echo = await startTlsEcho(serverPair, clientCa.cert);
  served = await serve(config(backendCa.cert));
  port = served.port(80);
});

afterAll(async () => {
  destroyAgent();
  await served?.close();
  await echo?.close();
});

async function seen(path: string): Promise<TlsSeen> {
  const answer = await get(port, path);
  expect([path, answer.status]).toEqual([path, 200]);
  return answer.json() as unknown as TlsSeen;
}

describe('origination', () => {
  test('reaches a backend whose certificate the policy\'s CA signed for the policy\'s hostname, over TLS 1.2 or later', async () => {
    const reply = await seen('/good');
    expect(reply.path).toBe('/good');
    expect(['TLSv1.2', 'TLSv1.3']).toContain(reply.version);
  });

  test('sends the policy\'s hostname as SNI, even when subjectAltNames decide the identity', async () => {
    expect((await seen('/good')).serverName).toBe('abc.example.com');
    expect((await seen('/san-dns')).serverName).toBe('sni.example.com');
  });

  test('offers http/1.1 by ALPN to a backend without an HTTP/2 appProtocol', async () => {
    expect((await seen('/good')).alpn).toBe('http/1.1');
  });

  test('reuses connections across requests whatever their Host, since SNI does not follow it', async () => {
    await seen('/good');
    const before = echo.connections;
    for (const host of ['one.example', 'two.example', 'three.example']) {
      expect((await get(port, '/good', { host })).status).toBe(200);
    }
    expect(echo.connections - before).toBe(0);
  });

  test('presents the Gateway\'s backend client certificate', async () => {
    expect((await seen('/good')).peer).toBe(new X509Certificate(clientPair.cert).fingerprint256);
  });

  test('presents no client certificate for a Gateway without one, on the same route to the same backend', async () => {
    const answer = await get(served.port(81), '/good');
    expect(answer.status).toBe(200);
    expect((answer.json() as unknown as TlsSeen).peer).toBeUndefined();
    expect((await seen('/good')).peer).toBe(new X509Certificate(clientPair.cert).fingerprint256);
  });
});

describe('identity', () => {
  test('accepts a certificate carrying one of the subjectAltNames: DNS, DNS under a wildcard, or URI', async () => {
    for (const path of ['/san-dns', '/san-wildcard', '/san-uri']) expect((await seen(path)).path).toBe(path);
  });

  test('fails with 502 when the certificate carries none of the subjectAltNames, though it is valid for the hostname', async () => {
    expect((await get(port, '/san-mismatch')).status).toBe(502);
    expect((await get(port, '/uri-mismatch')).status).toBe(502);
  });

  test('fails with 502 when the certificate is not valid for the policy\'s hostname', async () => {
    expect((await get(port, '/hostname-mismatch')).status).toBe(502);
  });

  test('fails with 502, after one handshake and no retry, when another CA signed the certificate', async () => {
    const before = echo.connections;
    expect((await get(port, '/wrong-ca')).status).toBe(502);
    expect(echo.connections - before).toBe(1);
  });

  test('fails with 502 when System trust does not know the backend\'s private CA', async () => {
    expect((await get(port, '/system')).status).toBe(502);
  });

  test('keeps serving a backend after another policy\'s handshake to the same endpoint failed', async () => {
    expect((await get(port, '/wrong-ca')).status).toBe(502);
    expect((await seen('/good')).path).toBe('/good');
  });
});

describe('reloads', () => {
  async function reload(reloadedCa: string): Promise<void> {
    const generation = served.handle.generation();
    writeManifests(served.file, config(reloadedCa));
    const end = Date.now() + 5000;
    while (served.handle.generation() === generation && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10));
    expect(served.handle.generation()).toBeGreaterThan(generation);
  }

  test('follows a CA changed in the policy\'s ConfigMap, both ways', async () => {
    expect((await seen('/reloaded')).path).toBe('/reloaded');
    await reload(otherCa.cert);
    expect((await get(port, '/reloaded')).status).toBe(502);
    await reload(backendCa.cert);
    expect((await seen('/reloaded')).path).toBe('/reloaded');
  });
});

describe('names', () => {
  test.each([
    ['abc.example.com', 'abc.example.com', true],
    ['ABC.Example.com.', 'abc.example.com', true],
    ['*.wild.example.com', 'x.wild.example.com', true],
    ['*.wild.example.com', 'x.y.wild.example.com', false],
    ['*.wild.example.com', 'wild.example.com', false],
    ['*.com', 'example.com', false],
    ['*.wild.example.com', '*.wild.example.com', true],
    ['x.wild.example.com', '*.wild.example.com', false],
  ])('certificate name %s covers %s: %s', (certName, name, covers) => {
    expect(dnsNameMatches(certName, name)).toBe(covers);
  });

  test('reads node\'s subjectaltname, quoted values included', () => {
    expect(subjectAltNames('DNS:abc.example.com, URI:"spiffe://a.example/x, y", IP Address:127.0.0.1')).toEqual([
      { type: 'DNS', value: 'abc.example.com' },
      { type: 'URI', value: 'spiffe://a.example/x, y' },
      { type: 'IP Address', value: '127.0.0.1' },
    ]);
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});
