/**
 * Connection lifetimes of the HTTP/1 front end beyond one exchange: the header bound on later
 * heads of a keep-alive connection, what a stop of serve does to idle and busy connections,
 * HTTP/1.1 chosen by ALPN on an HTTPS port, and the node:http fallback.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import {
  backend, CONTROLLER, Echo, freePort, httpRoute, manifests, RawClient, selfSigned, serve, startEcho, tempDir, tlsSecret, writeManifests,
} from './support';
import { ServeHandle, startServe } from '../../src/runtime/serve';

const HEADERS_MS = 300;
const IDLE_MS = 300;
/** The sweep runs every quarter of the shorter bound; allow it and scheduling noise. */
const SLACK_MS = 250;

let echo: Echo;

beforeAll(async () => {
  echo = await startEcho('a');
});

afterAll(() => echo.close());

function config(): object[] {
  return manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [{ name: 'svc', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc')] }])],
  });
}

const GET = (target: string, ...headers: string[]) => ['GET ' + target + ' HTTP/1.1', 'Host: example.com', ...headers, '', ''].join('\r\n');

describe('with short client bounds', () => {
  let handle: ServeHandle;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const file = path.join(dir, 'manifests.yaml');
    writeManifests(file, config());
    const offset = (await freePort()) - 80;
    const timeouts = { headersMs: HEADERS_MS, idleMs: IDLE_MS };
    handle = await startServe({ paths: [file], controllerName: CONTROLLER, listenOffset: offset, bind: '127.0.0.1', admin: false, watch: false, timeouts, log: () => undefined });
    port = offset + 80;
  });

  afterAll(async () => {
    await handle.close(500);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('answers 408 to the second head of a keep-alive connection when it stalls', async () => {
    const client = await RawClient.connect(port);
    client.write(GET('/first'));
    expect((await client.next()).status).toBe(200);
    const started = Date.now();
    client.write('GET /second HTTP/1.1\r\nHost: exam');
    await client.closed;
    const waited = Date.now() - started;
    expect(client.unread()).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    expect(waited).toBeGreaterThanOrEqual(HEADERS_MS);
    expect(waited).toBeLessThan(HEADERS_MS + 2 * SLACK_MS);
  });

  test('does not time out a connection while its answer is in progress, however long it takes', async () => {
    const client = await RawClient.connect(port);
    // The pipelined partial head waits behind an answer that takes longer than both bounds.
    client.write(GET(`/?delay=${HEADERS_MS + IDLE_MS + 600}`) + 'GET /next HTTP/1.1\r\n');
    const first = await client.next();
    expect(first.status).toBe(200);
    expect(client.isClosed).toBe(false);
    client.write('Host: example.com\r\n\r\n');
    expect(JSON.parse((await client.next()).body.toString()).path).toBe('/next');
    client.destroy();
  });
});

describe('stopping serve', () => {
  test('closes idle connections at once and answers the request in flight with Connection: close', async () => {
    const served = await serve(config());
    const port = served.port(80);
    const idle = await RawClient.connect(port);
    idle.write(GET('/'));
    expect((await idle.next()).header('connection')).toBe('keep-alive');
    const busy = await RawClient.connect(port);
    busy.write(GET('/?delay=400'));
    await new Promise(resolve => setTimeout(resolve, 100));
    const started = Date.now();
    const closing = served.close();
    await idle.closed;
    expect(Date.now() - started).toBeLessThan(200);
    const answer = await busy.next();
    expect([answer.status, answer.header('connection')]).toEqual([200, 'close']);
    await busy.closed;
    await closing;
    // Well inside serve's 2 s drain bound: nothing waited for it.
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('CDK8S_GATEWAY_HTTP1=node', () => {
  test('serves HTTP/1.1 through node:http, which adds its Date header', async () => {
    process.env.CDK8S_GATEWAY_HTTP1 = 'node';
    let served;
    try {
      served = await serve(config());
    } finally {
      delete process.env.CDK8S_GATEWAY_HTTP1;
    }
    const client = await RawClient.connect(served.port(80));
    client.write(GET('/fallback', 'Connection: close'));
    const answer = await client.next();
    expect([answer.status, JSON.parse(answer.body.toString()).path]).toEqual([200, '/fallback']);
    expect(answer.header('date')).toBeDefined();
    client.destroy();
    await served.close();
  });
});

describe('HTTPS, HTTP/1.1 by ALPN', () => {
  test('serves requests, pipelining and upgrades on one TLS connection through the same front end', async () => {
    // A backend that sends no Date: node:http, which the front end replaces, would add one.
    const plain = net.createServer(socket => {
      let text = '';
      socket.on('data', d => {
        text += d.toString('latin1');
        while (text.includes('\r\n\r\n')) {
          text = text.slice(text.indexOf('\r\n\r\n') + 4);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>(resolve => plain.listen(0, '127.0.0.1', resolve));
    const served = await serve(manifests({
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'tls.example', tls: { certificateRefs: [{ name: 'cert' }] } }],
      services: [{ name: 'plain', endpoints: [(plain.address() as net.AddressInfo).port] }, { name: 'ws', endpoints: [echo.port] }],
      routes: [
        httpRoute([{ matches: [{ path: { type: 'PathPrefix', value: '/chat' } }], backendRefs: [backend('ws')] }, { backendRefs: [backend('plain')] }]),
      ],
      extra: [tlsSecret('cert', selfSigned('tls.example'))],
    }), 443);
    const head = (target: string, ...headers: string[]) => [`GET ${target} HTTP/1.1`, 'Host: tls.example', ...headers, '', ''].join('\r\n');
    const client = await RawClient.connectTls(served.port(443), 'tls.example');
    expect((client.socket as unknown as { alpnProtocol: string }).alpnProtocol).toBe('http/1.1');
    client.write(head('/one'));
    const first = await client.next();
    client.write(head('/two') + head('/three'));
    const more = [await client.next(), await client.next()];
    expect([first, ...more].map(r => [r.status, r.body.toString(), r.header('date')])).toEqual([[200, 'ok', undefined], [200, 'ok', undefined], [200, 'ok', undefined]]);
    expect(first.header('connection')).toBe('keep-alive');
    client.write(head('/chat', 'Connection: Upgrade', 'Upgrade: websocket'));
    expect((await client.next(true)).status).toBe(101);
    client.write('ping');
    const deadline = Date.now() + 5_000;
    while (!client.unread().includes('a:ping') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10));
    expect(client.unread()).toBe('a:ping');
    client.destroy();
    await served.close();
    await new Promise<void>(resolve => plain.close(() => resolve()));
  });
});
