import { send, sendH2c, webSocketRoundTrip } from './client';
import { canonicalHeaderName, EchoResponse, EchoServer, parseGoDuration, podName } from './echo';

let echo: EchoServer;
beforeAll(async () => {
  echo = await EchoServer.start({ namespace: 'gateway-conformance-infra', pod: 'infra-backend-v1-7bcd9f8d6c-x2kqz' });
});
afterAll(async () => {
  await echo.close();
});

function json(body: string): EchoResponse {
  return JSON.parse(body) as EchoResponse;
}

test('describes the request it received and the pod it plays', async () => {
  const res = await send({ port: echo.httpPort, host: 'example.org', path: '/a/b?x=1', method: 'POST', headers: { 'x-custom': 'v' } });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(json(res.body)).toMatchObject({
    path: '/a/b?x=1',
    host: 'example.org',
    method: 'POST',
    proto: 'HTTP/1.1',
    namespace: 'gateway-conformance-infra',
    pod: 'infra-backend-v1-7bcd9f8d6c-x2kqz',
    headers: { 'X-Custom': ['v'] },
  });
  expect(json(res.body).headers.Host).toBeUndefined();
});

test('reports header names in canonical form and repeated headers as lists', async () => {
  const res = await send({ port: echo.httpPort, host: 'example.org', path: '/', headers: { 'x-MULTI-value': ['a', 'b'] } });
  expect(json(res.body).headers['X-Multi-Value']).toEqual(['a', 'b']);
  expect(canonicalHeaderName('content-type')).toBe('Content-Type');
  expect(canonicalHeaderName('X-FORWARDED-FOR')).toBe('X-Forwarded-For');
});

test('sets the response headers asked for by X-Echo-Set-Header', async () => {
  const res = await send({ port: echo.httpPort, host: 'a', path: '/', headers: { 'X-Echo-Set-Header': 'X-Header-Remove: val, X-Other:two' } });
  expect(res.headers['x-header-remove']).toBe('val');
  expect(res.headers['x-other']).toBe('two');
});

test('answers /status/NNN with that status and rejects a malformed one with 400', async () => {
  expect((await send({ port: echo.httpPort, host: 'a', path: '/status/503' })).status).toBe(503);
  expect((await send({ port: echo.httpPort, host: 'a', path: '//status/418' })).status).toBe(418);
  const bad = await send({ port: echo.httpPort, host: 'a', path: '/status/abc' });
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.body)).toHaveProperty('message');
});

test('answers /health with OK', async () => {
  const res = await send({ port: echo.httpPort, host: 'a', path: '/health' });
  expect([res.status, res.body]).toEqual([200, 'OK']);
});

test('waits ?delay= before answering', async () => {
  const started = Date.now();
  const res = await send({ port: echo.httpPort, host: 'a', path: '/?delay=300ms' });
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  expect((await send({ port: echo.httpPort, host: 'a', path: '/?delay=soon' })).status).toBe(400);
});

test('parses Go durations', () => {
  expect(parseGoDuration('1s')).toBe(1000);
  expect(parseGoDuration('1.5s')).toBe(1500);
  expect(parseGoDuration('1m30s')).toBe(90_000);
  expect(parseGoDuration('250ms')).toBe(250);
  expect(parseGoDuration('10')).toBeUndefined();
  expect(parseGoDuration('1s garbage')).toBeUndefined();
});

test('logs every request with the line upstream prints', async () => {
  await send({ port: echo.httpPort, host: 'mirror.example', path: '/mirror?gateway-api-conformance-request-id=abc' });
  const entry = echo.log[echo.log.length - 1];
  expect(entry).toMatchObject({ path: '/mirror?gateway-api-conformance-request-id=abc', host: 'mirror.example', method: 'GET' });
  expect(echo.logLines().some(l => l.startsWith('Echoing back request made to /mirror?gateway-api-conformance-request-id=abc to client ('))).toBe(true);
});

test('speaks HTTP/2 with prior knowledge on its h2c port', async () => {
  const res = await sendH2c(echo.h2cPort, 'h2c.example', '/h2c');
  expect(res.status).toBe(200);
  expect(json(res.body)).toMatchObject({ proto: 'HTTP/2.0', host: 'h2c.example', path: '/h2c', method: 'GET' });
});

test('rejects HTTP/1.1 on its h2c port with 400', async () => {
  const res = await send({ port: echo.h2cPort, host: 'a', path: '/' });
  expect(res.status).toBe(400);
});

test('echoes WebSocket messages on /ws', async () => {
  expect(await webSocketRoundTrip(echo.httpPort, 'ws.example', '/ws', 'Test')).toBe('Test');
  const long = 'x'.repeat(70_000);
  expect(await webSocketRoundTrip(echo.httpPort, 'ws.example', '/ws', long)).toBe(long);
});

test('refuses a WebSocket upgrade on another path', async () => {
  await expect(webSocketRoundTrip(echo.httpPort, 'ws.example', '/other', 'Test')).rejects.toThrow(/handshake answered 'HTTP\/1.1 400/);
});

test('names pods like a Deployment does', () => {
  expect(podName('infra-backend-v1')).toMatch(/^infra-backend-v1-[a-z0-9]{10}-[a-z0-9]{5}$/);
});
