/**
 * HTTPRoute semantics through `serve`, started in-process in front of echo backends: one
 * Gateway, one route per hostname so every behaviour is checked in isolation.
 */
import * as http2 from 'http2';
import * as net from 'net';
import { backend, destroyAgent, Echo, freePort, get, httpRoute, manifests, raw, serve, Served, startEcho, statusOf } from './support';

let a: Echo;
let b: Echo;
let mirror: Echo;
let h2: http2.Http2Server;
let h2Port: number;
let refusedPort: number;
let served: Served;
let port: number;

beforeAll(async () => {
  [a, b, mirror] = await Promise.all([startEcho('a'), startEcho('b'), startEcho('mirror')]);
  refusedPort = await freePort();
  h2 = http2.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ pod: 'h2', proto: req.httpVersion, path: req.url }));
  });
  await new Promise<void>(resolve => h2.listen(0, '127.0.0.1', resolve));
  h2Port = (h2.address() as net.AddressInfo).port;

  const on = (host: string, rules: object[]) => httpRoute(rules, { hostnames: [host] });
  served = await serve(manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [
      { name: 'svc-a', endpoints: [a.port] },
      { name: 'svc-b', endpoints: [b.port] },
      { name: 'svc-mirror', endpoints: [mirror.port] },
      { name: 'svc-empty', endpoints: [] },
      { name: 'svc-refused', endpoints: [refusedPort] },
      { name: 'svc-h2c', endpoints: [h2Port], appProtocol: 'kubernetes.io/h2c' },
      { name: 'svc-ws', endpoints: [a.port], appProtocol: 'kubernetes.io/ws' },
    ],
    routes: [
      on('match.example', [
        { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [backend('svc-b')] },
        { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [backend('svc-b')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/public' } }], backendRefs: [backend('svc-a')] },
        { matches: [{ headers: [{ name: 'X-Version', value: 'two' }] }], backendRefs: [backend('svc-b')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 'v', value: '2' }] }], backendRefs: [backend('svc-b')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/m' }, method: 'POST' }], backendRefs: [backend('svc-b')] },
      ]),
      on('mods.example', [{
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'set' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Resp-Set', value: 'r' }], add: [{ name: 'X-Resp-Add', value: 'ra' }], remove: ['X-Resp-Remove'] } },
        ],
        backendRefs: [backend('svc-a')],
      }]),
      on('backend-mods.example', [{
        backendRefs: [backend('svc-a', 1, { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Backend', value: 'a' }] } }] })],
      }]),
      on('redirect.example', [
        { matches: [{ path: { type: 'PathPrefix', value: '/scheme' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/host' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'other.example', statusCode: 301 } }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/port' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8443 } }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/prefix' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
        { filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/full' } } }] },
      ]),
      on('rewrite.example', [
        { matches: [{ path: { type: 'PathPrefix', value: '/prefix/one' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }], backendRefs: [backend('svc-a')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/strip' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }], backendRefs: [backend('svc-a')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/full' } }], filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.example', path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backendRefs: [backend('svc-a')] },
      ]),
      on('mirror.example', [{
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: backend('svc-mirror') } }],
        backendRefs: [backend('svc-a')],
      }]),
      on('weights.example', [
        { matches: [{ path: { type: 'PathPrefix', value: '/split' } }], backendRefs: [backend('svc-a', 3), backend('svc-b', 1)] },
        { matches: [{ path: { type: 'PathPrefix', value: '/zero' } }], backendRefs: [backend('svc-a', 1), backend('svc-b', 0)] },
        { matches: [{ path: { type: 'PathPrefix', value: '/allzero' } }], backendRefs: [backend('svc-a', 0), backend('svc-b', 0)] },
        { matches: [{ path: { type: 'PathPrefix', value: '/half-invalid' } }], backendRefs: [backend('svc-a', 1), backend('missing', 1)] },
      ]),
      on('errors.example', [
        { matches: [{ path: { type: 'PathPrefix', value: '/invalid' } }], backendRefs: [backend('missing')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/none' } }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/empty' } }], backendRefs: [backend('svc-empty')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/refused' } }], backendRefs: [backend('svc-refused')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/slow' } }], timeouts: { request: '200ms' }, backendRefs: [backend('svc-a')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/slow-backend' } }], timeouts: { request: '5s', backendRequest: '200ms' }, backendRefs: [backend('svc-a')] },
      ]),
      on('cors.example', [{
        filters: [{
          type: 'CORS',
          cors: { allowOrigins: ['https://app.example', 'https://*.trusted.example'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-custom'], exposeHeaders: ['x-exposed'], maxAge: 600 },
        }],
        backendRefs: [backend('svc-a')],
      }]),
      on('h2c.example', [{ backendRefs: [backend('svc-h2c')] }]),
      on('ws.example', [{ backendRefs: [backend('svc-ws')] }]),
    ],
  }));
  port = served.port(80);
});

afterAll(async () => {
  await served.close();
  await Promise.all([a.close(), b.close(), mirror.close(), new Promise(resolve => h2.close(resolve))]);
  destroyAgent();
});

describe('matching', () => {
  test('routes by path prefix, exact path, header, query parameter and method', async () => {
    expect((await get(port, '/public/x', { host: 'match.example' })).json().pod).toBe('a');
    expect((await get(port, '/admin/x', { host: 'match.example' })).json().pod).toBe('b');
    expect((await get(port, '/exact', { host: 'match.example' })).json().pod).toBe('b');
    expect((await get(port, '/other', { host: 'match.example', headers: { 'x-version': 'two' } })).json().pod).toBe('b');
    expect((await get(port, '/q?v=2', { host: 'match.example' })).json().pod).toBe('b');
    expect((await get(port, '/m', { host: 'match.example', method: 'POST', body: 'x' })).json().pod).toBe('b');
  });

  test('answers 404 when no rule matches the path, the method or the host', async () => {
    expect((await get(port, '/exact/more', { host: 'match.example' })).status).toBe(404);
    expect((await get(port, '/m', { host: 'match.example' })).status).toBe(404);
    expect((await get(port, '/public', { host: 'unknown.example' })).status).toBe(404);
  });

  test('matches the host case-insensitively and without its port', async () => {
    expect((await get(port, '/public', { host: 'MATCH.example:1234' })).json().pod).toBe('a');
  });

  test('routes and forwards the normalized path, so dot segments cannot escape a prefix', async () => {
    const reply = (await get(port, '/public/../admin/x', { host: 'match.example' })).json();
    expect(reply).toMatchObject({ pod: 'b', path: '/admin/x' });
    expect((await get(port, '/%61dmin/./y', { host: 'match.example' })).json()).toMatchObject({ pod: 'b', path: '/admin/y' });
    expect((await get(port, '//admin//z', { host: 'match.example' })).json()).toMatchObject({ pod: 'b', path: '/admin/z' });
  });

  test('answers 400 to encoded slashes, backslashes and NUL in the path', async () => {
    expect((await get(port, '/public%2f..%2fadmin', { host: 'match.example' })).status).toBe(400);
    expect((await get(port, '/public%5C..%5Cadmin', { host: 'match.example' })).status).toBe(400);
    expect((await get(port, '/public%00', { host: 'match.example' })).status).toBe(400);
  });
});

describe('filters', () => {
  test('modifies request headers: set overwrites, add appends, remove deletes', async () => {
    const reply = (await get(port, '/', { host: 'mods.example', headers: { 'x-set': 'old', 'x-add': 'first', 'x-remove': 'gone' } })).json();
    expect(reply.headers['x-set']).toEqual(['set']);
    expect(reply.headers['x-add']).toEqual(['first,added']);
    expect(reply.headers['x-remove']).toBeUndefined();
  });

  test('modifies response headers', async () => {
    const answer = await get(port, '/', { host: 'mods.example', headers: { 'x-echo-set-header': 'X-Resp-Set:old,X-Resp-Remove:gone,X-Resp-Add:first' } });
    expect(answer.headers['x-resp-set']).toBe('r');
    expect(answer.headers['x-resp-remove']).toBeUndefined();
    expect(answer.headers['x-resp-add']).toBe('first,ra');
  });

  test('applies backend-level filters to requests sent to that backend', async () => {
    expect((await get(port, '/', { host: 'backend-mods.example' })).json().headers['x-backend']).toEqual(['a']);
  });

  test('redirects with the Location the spec prescribes, using the declared listener port', async () => {
    const location = async (p: string) => {
      const answer = await get(port, p, { host: 'redirect.example' });
      return [answer.status, answer.headers.location];
    };
    expect(await location('/scheme/x?q=1')).toEqual([302, 'https://redirect.example/scheme/x?q=1']);
    expect(await location('/host')).toEqual([301, 'http://other.example/host']);
    expect(await location('/port')).toEqual([302, 'http://redirect.example:8443/port']);
    expect(await location('/prefix/rest')).toEqual([302, 'http://redirect.example/new/rest']);
    expect(await location('/anything')).toEqual([302, 'http://redirect.example/full']);
  });

  test('rewrites the path prefix, the full path and the hostname the backend sees', async () => {
    expect((await get(port, '/prefix/one/two', { host: 'rewrite.example' })).json().path).toBe('/one/two');
    expect((await get(port, '/strip/three?x=1', { host: 'rewrite.example' })).json().path).toBe('/three?x=1');
    expect((await get(port, '/strip', { host: 'rewrite.example' })).json().path).toBe('/');
    const full = (await get(port, '/full/x', { host: 'rewrite.example' })).json();
    expect(full).toMatchObject({ path: '/replaced', host: 'rewritten.example' });
  });

  test('mirrors requests to the mirror backend and answers from the primary one', async () => {
    const before = mirror.seen.length;
    const answer = await get(port, '/mirrored', { host: 'mirror.example', method: 'POST', body: 'payload' });
    expect(answer.json().pod).toBe('a');
    await waitFor(() => mirror.seen.length > before);
    expect(mirror.seen[mirror.seen.length - 1]).toMatchObject({ path: '/mirrored', method: 'POST', body: 'payload' });
  });

  test('answers CORS preflights for allowed origins and adds CORS headers to responses', async () => {
    const preflight = await get(port, '/', {
      host: 'cors.example',
      method: 'OPTIONS',
      headers: { 'origin': 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'x-custom',
      'access-control-max-age': '600',
    });
    const simple = await get(port, '/', { host: 'cors.example', headers: { origin: 'https://x.trusted.example' } });
    expect(simple.headers).toMatchObject({ 'access-control-allow-origin': 'https://x.trusted.example', 'access-control-expose-headers': 'x-exposed' });
    const denied = await get(port, '/', { host: 'cors.example', headers: { origin: 'https://evil.example' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('backends', () => {
  test('splits traffic by weight', async () => {
    const pods = await Promise.all(Array.from({ length: 400 }, () => get(port, '/split', { host: 'weights.example' }).then(r => r.json().pod)));
    const share = pods.filter(p => p === 'a').length / pods.length;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });

  test('sends nothing to a backend of weight 0', async () => {
    const pods = await Promise.all(Array.from({ length: 50 }, () => get(port, '/zero', { host: 'weights.example' }).then(r => r.json().pod)));
    expect(new Set(pods)).toEqual(new Set(['a']));
  });

  test('answers 500 when every weight is 0, when no backend is given and when the backend does not resolve', async () => {
    expect((await get(port, '/allzero', { host: 'weights.example' })).status).toBe(500);
    expect((await get(port, '/none', { host: 'errors.example' })).status).toBe(500);
    expect((await get(port, '/invalid', { host: 'errors.example' })).status).toBe(500);
  });

  test('answers 500 for the share of an invalid backend only', async () => {
    const codes = await Promise.all(Array.from({ length: 100 }, () => get(port, '/half-invalid', { host: 'weights.example' }).then(r => r.status)));
    expect(codes.filter(c => c === 500).length).toBeGreaterThan(25);
    expect(codes.filter(c => c === 200).length).toBeGreaterThan(25);
  });

  test('answers 503 when the Service has no ready endpoints', async () => {
    expect((await get(port, '/empty', { host: 'errors.example' })).status).toBe(503);
  });

  test('answers 502 when the endpoint refuses connections', async () => {
    expect((await get(port, '/refused', { host: 'errors.example' })).status).toBe(502);
  });

  test('answers 504 when the request timeout or the backend request timeout passes', async () => {
    expect((await get(port, '/slow?delay=1000', { host: 'errors.example' })).status).toBe(504);
    expect((await get(port, '/slow-backend?delay=1000', { host: 'errors.example' })).status).toBe(504);
    expect((await get(port, '/slow?delay=10', { host: 'errors.example' })).status).toBe(200);
  });

  test('speaks HTTP/2 with prior knowledge to kubernetes.io/h2c backends', async () => {
    const answer = await get(port, '/over-h2', { host: 'h2c.example' });
    expect(JSON.parse(answer.body)).toEqual({ pod: 'h2', proto: '2.0', path: '/over-h2' });
  });

  test('upgrades WebSocket connections and relays both directions', async () => {
    const response = await raw(port, 'GET /chat HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 200);
    expect(statusOf(response)).toBe(101);
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', d => {
        text += d.toString();
        if (text.includes('\r\n\r\n') && !text.includes('ping')) socket.write('ping');
        if (text.includes('a:ping')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write('GET /chat HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    });
    expect(echoed).toContain('a:ping');
  });
});

describe('forwarding', () => {
  test('appends the client to X-Forwarded-For and sets X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const reply = (await get(port, '/public', { host: 'match.example', headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'spoofed' } })).json();
    expect(reply.headers['x-forwarded-for']).toEqual(['10.0.0.1, 127.0.0.1']);
    expect(reply.headers['x-forwarded-proto']).toEqual(['http']);
    expect(reply.headers['x-forwarded-host']).toEqual(['match.example']);
  });

  test('removes hop-by-hop request headers and the headers Connection names', async () => {
    const response = await raw(port, [
      'GET /public HTTP/1.1', 'Host: match.example', 'Connection: keep-alive, X-Secret', 'X-Secret: 1', 'Keep-Alive: timeout=5',
      'Proxy-Authorization: Basic eA==', 'TE: trailers', 'X-Kept: yes', 'Content-Length: 0', '', '',
    ].join('\r\n'));
    const reply = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
    expect(Object.keys(reply.headers)).not.toEqual(expect.arrayContaining(['x-secret']));
    for (const name of ['x-secret', 'keep-alive', 'proxy-authorization', 'te']) expect(reply.headers[name]).toBeUndefined();
    expect(reply.headers['x-kept']).toEqual(['yes']);
  });

  test('removes hop-by-hop response headers', async () => {
    const answer = await get(port, '/public', { host: 'match.example', headers: { 'x-echo-set-header': 'Connection:X-Hop,X-Hop:1,Proxy-Thing:2' } });
    expect(answer.headers['x-hop']).toBeUndefined();
    expect(answer.headers['proxy-thing']).toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}
