/**
 * HTTP/2 with prior knowledge (h2c) on HTTP ports, beside HTTP/1.1 on the same socket, and
 * what each side of the proxy speaks.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import {
  backend, destroyAgent, Echo, EchoReply, get, h2Request, httpRoute, manifests, raw, serve, Served, startEcho, statusOf,
} from './support';

let echo: Echo;
let h2Backend: http2.Http2Server;
let repeating: http.Server;
let served: Served;
let port: number;

beforeAll(async () => {
  echo = await startEcho('a');
  // Answers with the protocol it was spoken to in, which only an h2c backend can make HTTP/2.
  h2Backend = http2.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: req.httpVersion, host: req.headers[':authority'] ?? req.headers.host }));
  });
  await new Promise<void>(resolve => h2Backend.listen(0, '127.0.0.1', () => resolve()));
  // Legal in HTTP/1.1, but node:http2 refuses to send a single-value header twice.
  repeating = http.createServer((_req, res) => {
    res.writeHead(200, ['content-type', 'text/plain', 'content-type', 'text/html', 'x-secret', 'backend only']);
    res.end('ok');
  });
  await new Promise<void>(resolve => repeating.listen(0, '127.0.0.1', () => resolve()));
  served = await serve(manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [
      { name: 'svc-a', endpoints: [echo.port] },
      { name: 'svc-h2c', endpoints: [(h2Backend.address() as net.AddressInfo).port], appProtocol: 'kubernetes.io/h2c' },
      { name: 'svc-repeating', endpoints: [(repeating.address() as net.AddressInfo).port] },
    ],
    routes: [
      httpRoute([{ backendRefs: [backend('svc-a')] }], { hostnames: ['example.com'] }),
      httpRoute([{ backendRefs: [backend('svc-h2c')] }], { hostnames: ['h2c.example'] }),
      httpRoute([{ backendRefs: [backend('svc-repeating')] }], { hostnames: ['repeating.example'] }),
    ],
  }));
  port = served.port(80);
});

afterAll(async () => {
  await served.close();
  await echo.close();
  await new Promise(resolve => h2Backend.close(resolve));
  await new Promise(resolve => repeating.close(resolve));
  destroyAgent();
});

async function withSession<T>(use: (session: http2.ClientHttp2Session) => Promise<T>, target = port): Promise<T> {
  const session = http2.connect(`http://127.0.0.1:${target}`);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

test('accepts HTTP/2 with prior knowledge on an HTTP port and forwards HTTP/1.1 to the backend', async () => {
  const answer = await withSession(s => h2Request(s, { ':path': '/upload?x=1', ':authority': 'example.com' }, 'streamed without a length'));
  expect(answer.status).toBe(200);
  const reply = JSON.parse(answer.body) as EchoReply;
  expect([reply.method, reply.path, reply.host, reply.body]).toEqual(['POST', '/upload?x=1', 'example.com', 'streamed without a length']);
  expect(reply.headers['x-forwarded-proto']).toEqual(['http']);
  expect(Object.keys(reply.headers).filter(name => name.startsWith(':'))).toEqual([]);
});

test('serves HTTP/1.1 on the same port, also when the first bytes could still be the HTTP/2 preface', async () => {
  expect((await get(port, '/')).status).toBe(200);
  // "P" and "PRI" are how the preface starts; the request only turns out to be HTTP/1.1 later.
  const socket = net.connect(port, '127.0.0.1');
  const text = 'POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi';
  const answer = new Promise<string>((resolve, reject) => {
    let received = '';
    socket.on('data', d => received += d.toString('latin1'));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
  for (const piece of ['P', 'O', text.slice(2)]) {
    socket.write(piece);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  const response = await answer;
  expect(statusOf(response)).toBe(200);
  expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).body).toBe('hi');
});

test('answers 400 to a request line that starts like the preface but is not HTTP/2', async () => {
  expect(statusOf(await raw(port, 'PRI / HTTP/1.1\r\nHost: example.com\r\n\r\n'))).toBe(400);
});

test('forwards HTTP/2 to a backend whose appProtocol is kubernetes.io/h2c, whatever the client spoke', async () => {
  const fromH2 = await withSession(s => h2Request(s, { ':path': '/', ':authority': 'h2c.example' }));
  const fromH1 = await get(port, '/', { host: 'h2c.example' });
  expect([JSON.parse(fromH2.body), JSON.parse(fromH1.body)]).toEqual([
    { version: '2.0', host: 'h2c.example' },
    { version: '2.0', host: 'h2c.example' },
  ]);
});

test('answers its own 404 over HTTP/2', async () => {
  const answer = await withSession(s => h2Request(s, { ':path': '/', ':authority': 'unknown.example' }));
  expect([answer.status, answer.body]).toEqual([404, 'no route matches this request\n']);
});

test('relays a backend\'s answer over HTTP/2 without headers HTTP/2 forbids', async () => {
  const answer = await withSession(s => h2Request(s, {
    ':path': '/', ':authority': 'example.com', 'x-echo-set-header': 'http2-settings:AAMAAABkAAQAoAAAAAIAAAAA,x-kept:yes',
  }));
  expect([answer.status, answer.headers['x-kept'], answer.headers['http2-settings']]).toEqual([200, 'yes', undefined]);
});

test('answers 502 over HTTP/2, with none of the backend\'s headers, when they cannot be sent in HTTP/2', async () => {
  const answer = await withSession(s => h2Request(s, { ':path': '/', ':authority': 'repeating.example' }));
  expect([answer.status, answer.headers['x-secret'], answer.body]).toEqual([502, undefined, 'the backend could not be reached\n']);
  expect((await get(port, '/', { host: 'repeating.example' })).status).toBe(200);
});

test('ends an idle HTTP/2 session with a GOAWAY when serve closes, without waiting for the drain bound', async () => {
  const own = await serve(manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [{ name: 'svc-a', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc-a')] }])],
  }));
  const session = http2.connect(`http://127.0.0.1:${own.port(80)}`);
  const goaway = new Promise<boolean>(resolve => session.once('goaway', () => resolve(true)));
  expect((await h2Request(session, { ':path': '/', ':authority': 'example.com' })).status).toBe(200);
  const started = Date.now();
  // close() allows 2 s for requests to drain; an idle session must not hold it that long.
  await own.close();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(await goaway).toBe(true);
  session.destroy();
});
