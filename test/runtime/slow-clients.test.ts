/**
 * Clients that are slow, idle or malformed, against short header and idle bounds: what each
 * gets back, exactly, and when its connection ends.
 */
import * as fs from 'fs';
import * as http2 from 'http2';
import * as net from 'net';
import * as path from 'path';
import { backend, CONTROLLER, Echo, freePort, h2Request, httpRoute, manifests, startEcho, tempDir, writeManifests } from './support';
import { ServeHandle, startServe } from '../../src/runtime/serve';

const HEADERS_MS = 300;
const IDLE_MS = 300;
/** node:http notices a stalled head only at its periodic sweep, which serve runs every HEADERS_MS for bounds this short. */
const SWEEP_MS = HEADERS_MS;
/** node:http keeps an idle socket one second past the Keep-Alive timeout it advertises, so that clients honouring it close first. */
const NODE_IDLE_EXTRA_MS = 1_000;
const SLACK_MS = 250;

const TIMEOUT_408 = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

let echo: Echo;
let handle: ServeHandle;
let port: number;
let dir: string;

beforeAll(async () => {
  echo = await startEcho('a');
  dir = tempDir();
  const file = path.join(dir, 'manifests.yaml');
  writeManifests(file, manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [{ name: 'svc', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc')] }])],
  }));
  const offset = (await freePort()) - 80;
  const timeouts = { headersMs: HEADERS_MS, idleMs: IDLE_MS };
  handle = await startServe({ paths: [file], controllerName: CONTROLLER, listenOffset: offset, bind: '127.0.0.1', admin: false, watch: false, timeouts, log: () => undefined });
  port = offset + 80;
});

afterAll(async () => {
  await handle.close(500);
  await echo.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Conversation {
  readonly received: string;
  /** Milliseconds from the first byte sent to the server closing, or undefined if it never did within `waitMs`. */
  readonly closedAfterMs?: number;
}

/** Sends `parts` `gapMs` apart, then waits up to `waitMs` for the server to close. */
function converse(parts: readonly string[], gapMs: number, waitMs: number): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let started = 0;
    const finish = (closedAfterMs?: number) => {
      clearTimeout(limit);
      socket.destroy();
      resolve({ received, closedAfterMs });
    };
    const limit = setTimeout(() => finish(), waitMs);
    socket.on('data', d => received += d.toString('latin1'));
    socket.on('end', () => finish(Date.now() - started));
    socket.on('error', reject);
    socket.on('connect', async () => {
      started = Date.now();
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise(r => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(part);
      }
    });
  });
}

describe('header timeout', () => {
  test('answers 408 and closes when a request head stalls halfway', async () => {
    const seen = echo.seen.length;
    const { received, closedAfterMs } = await converse(['GET / HTTP/1.1\r\nHost: example.com\r\n'], 0, 5_000);
    expect(received).toBe(TIMEOUT_408);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS);
    expect(closedAfterMs).toBeLessThan(HEADERS_MS + SWEEP_MS + SLACK_MS);
    expect(echo.seen.length).toBe(seen);
  });

  test('closes a connection that sends nothing, without an answer', async () => {
    const { received, closedAfterMs } = await converse([''], 0, 5_000);
    expect(received).toBe('');
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 10);
    expect(closedAfterMs).toBeLessThan(HEADERS_MS + SLACK_MS);
  });

  test('answers a request head trickled in byte groups that completes within the bound', async () => {
    const head = 'GET /slow HTTP/1.1\r\nHost: example.com\r\nX-Slow: yes\r\nConnection: close\r\n\r\n';
    const parts = head.match(/[^]{1,8}/g)!;
    const gapMs = Math.floor((HEADERS_MS * 0.6) / parts.length);
    const { received, closedAfterMs } = await converse(parts, gapMs, 5_000);
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain('"path":"/slow"');
    expect(closedAfterMs).toBeDefined();
  });
});

describe('idle timeout', () => {
  test('closes a keep-alive connection left idle after its answer', async () => {
    const { received, closedAfterMs } = await converse(['GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'], 0, 5_000);
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain('Keep-Alive: timeout=0\r\n');
    expect(closedAfterMs).toBeGreaterThanOrEqual(IDLE_MS);
    expect(closedAfterMs).toBeLessThan(IDLE_MS + NODE_IDLE_EXTRA_MS + SLACK_MS);
  });

  test('keeps a connection that sends its next request before the bound', async () => {
    const request = 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n';
    const { received } = await converse([request, request, request], IDLE_MS / 2, IDLE_MS * 2);
    expect(received.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(3);
  });


  test('ends an idle HTTP/2 session with a GOAWAY', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const goaway = new Promise<number>(resolve => session.once('goaway', code => resolve(code)));
    const closed = new Promise<void>(resolve => session.once('close', () => resolve()));
    expect((await h2Request(session, { ':path': '/', ':authority': 'example.com' })).status).toBe(200);
    const answered = Date.now();
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await closed;
    expect(Date.now() - answered).toBeGreaterThanOrEqual(IDLE_MS - 10);
    expect(Date.now() - answered).toBeLessThan(IDLE_MS + SLACK_MS);
  });
});

describe('malformed framing and headers', () => {
  test.each([
    ['Content-Length together with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['duplicate Content-Length headers', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['a bare LF inside a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-Evil: a\nInjected: b\r\n\r\n'],
    ['a bare CR inside a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX-Evil: a\rInjected: b\r\n\r\n'],
  ])('answers 400 to %s, closes the connection and forwards nothing', async (_, text) => {
    const seen = echo.seen.length;
    const { received, closedAfterMs } = await converse([text], 0, 2_000);
    expect(received).toBe(BAD_REQUEST);
    expect(closedAfterMs).toBeLessThan(SLACK_MS);
    expect(echo.seen.length).toBe(seen);
  });
});
