/**
 * HTTP/1.1 framing through the cleartext front end (net + llhttp), over real sockets: bodies in
 * every framing both ways, hop-by-hop headers, keep-alive and closing, pipelining, interim
 * answers, upgrades, h2c on the same port, malformed input, and backpressure towards a client
 * that does not read. Each check runs with llhttp reading the socket itself (`consume`) and
 * with the fallback that feeds it from 'data' events.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import {
  backend, destroyAgent, Echo, EchoReply, h2Request, httpRoute, manifests, RawClient, RawResponse, serve, Served, startEcho,
} from './support';
import { EchoServer } from '../conformance/echo';
import { encodeFrame, FrameReader, OPCODE } from '../conformance/websocket';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Deterministic bytes that no offset error can leave unchanged. */
function pattern(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + Math.floor(i / 256)) % 251;
  return out;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

interface Origin {
  readonly port: number;
  /** Body bytes the `/slow` answer has handed to its socket so far. */
  readonly slow: { written: number };
  /** Starts reading the body of the request to `/stall` that came in, which answers like `/sha`. */
  release(): void;
  close(): Promise<void>;
}

/** A backend with the answers the checks need, chosen by path. */
function startOrigin(): Promise<Origin> {
  const slow = { written: 0 };
  let stalled: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const size = Number(url.searchParams.get('size') ?? 0);
    const chunks: Buffer[] = [];
    const read = () => {
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => answer(Buffer.concat(chunks)));
    };
    if (url.pathname === '/stall') stalled = read;
    else read();
    const answer = (body: Buffer) => {
      switch (url.pathname) {
        case '/stall':
        case '/sha': {
          const text = JSON.stringify({ sha256: sha256(body), length: body.length, te: req.headers['transfer-encoding'] ?? null });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
          return;
        }
        case '/chunked': {
          // No Content-Length: node:http frames it chunked.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const data = pattern(size);
          for (let at = 0; at < data.length; at += 16_384) res.write(data.subarray(at, at + 16_384));
          res.end();
          return;
        }
        case '/length':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
          res.end(req.method === 'HEAD' ? undefined : pattern(size));
          return;
        case '/early':
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
          res.writeHead(200, { 'content-length': 11 });
          res.end('after hints');
          return;
        case '/hop':
          res.writeHead(200, { 'Connection': 'X-Hop', 'X-Hop': '1', 'Keep-Alive': 'timeout=5', 'Proxy-Thing': '2', 'X-Kept': 'yes', 'Content-Length': 3 });
          res.end('hop');
          return;
        case '/delay':
          setTimeout(() => {
            const tag = url.searchParams.get('tag') ?? '';
            res.writeHead(200, { 'content-length': tag.length });
            res.end(tag);
          }, Number(url.searchParams.get('ms') ?? 0));
          return;
        case '/slow': {
          slow.written = 0;
          res.writeHead(200, { 'content-length': size });
          const piece = pattern(65_536);
          const pump = () => {
            while (slow.written < size) {
              const n = Math.min(piece.length, size - slow.written);
              slow.written += n;
              if (!res.write(n === piece.length ? piece : piece.subarray(0, n))) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
          return;
        }
        default: {
          const status = /^\/status\/(\d{3})$/.exec(url.pathname);
          res.writeHead(status ? Number(status[1]) : 404);
          res.end();
        }
      }
    };
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    slow,
    release: () => stalled?.(),
    close: () => new Promise<void>(done => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  })));
}

/** A backend that answers every request with a close-delimited body and no Date. */
function startCloseDelimited(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer(socket => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end'));
    socket.on('error', () => undefined);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>(done => server.close(() => done())),
  })));
}

let echo: Echo;
let origin: Origin;
let closeDelimited: { port: number; close(): Promise<void> };
let ws: EchoServer;

beforeAll(async () => {
  [echo, origin, closeDelimited, ws] = await Promise.all([
    startEcho('a'), startOrigin(), startCloseDelimited(), EchoServer.start({ namespace: 'default', pod: 'ws-1-2' }),
  ]);
});

afterAll(async () => {
  await Promise.all([echo.close(), origin.close(), closeDelimited.close(), ws.close()]);
  destroyAgent();
});

function config(): object[] {
  return manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [
      { name: 'echo', endpoints: [echo.port] },
      { name: 'origin', endpoints: [origin.port] },
      { name: 'raw', endpoints: [closeDelimited.port] },
      { name: 'ws', endpoints: [ws.httpPort] },
    ],
    routes: [
      httpRoute([{ backendRefs: [backend('echo')] }], { hostnames: ['echo.example'] }),
      httpRoute([{ backendRefs: [backend('origin')] }], { hostnames: ['origin.example'] }),
      httpRoute([{ backendRefs: [backend('raw')] }], { hostnames: ['raw.example'] }),
      httpRoute([{ backendRefs: [backend('ws')] }], { hostnames: ['ws.example'] }),
    ],
  });
}

/** One request head, CRLF-terminated lines, with a Host unless `host` is null. */
function request(line: string, host: string | null, ...headers: string[]): string {
  return [line, ...(host === null ? [] : [`Host: ${host}`]), ...headers, '', ''].join('\r\n');
}

const json = <T>(response: RawResponse): T => JSON.parse(response.body.toString());

describe.each(['consume', 'data'])('with llhttp reading by %s', mode => {
  let served: Served;
  let port: number;
  const connect = () => RawClient.connect(port);

  beforeAll(async () => {
    process.env.CDK8S_GATEWAY_HTTP1 = mode;
    try {
      served = await serve(config());
    } finally {
      delete process.env.CDK8S_GATEWAY_HTTP1;
    }
    port = served.port(80);
  });

  afterAll(() => served.close());

  describe('headers', () => {
    test('removes hop-by-hop request headers and those Connection names, and appends the client to X-Forwarded-For', async () => {
      const client = await connect();
      client.write(request('GET /h HTTP/1.1', 'echo.example',
        'Connection: keep-alive, X-Secret', 'X-Secret: 1', 'Keep-Alive: timeout=5', 'TE: trailers', 'Proxy-Authorization: Basic eA==',
        'Upgrade: h2c', 'X-Forwarded-For: 10.0.0.1', 'X-Kept: yes'));
      const reply = json<EchoReply>(await client.next());
      for (const name of ['x-secret', 'keep-alive', 'te', 'proxy-authorization', 'upgrade', 'connection']) expect(reply.headers[name]).toBeUndefined();
      expect(reply.headers['x-kept']).toEqual(['yes']);
      expect(reply.headers['x-forwarded-for']).toEqual(['10.0.0.1, 127.0.0.1']);
      client.destroy();
    });

    test('removes hop-by-hop response headers and those the backend\'s Connection names', async () => {
      const client = await connect();
      client.write(request('GET /hop HTTP/1.1', 'origin.example'));
      const response = await client.next();
      expect([response.status, response.body.toString()]).toEqual([200, 'hop']);
      for (const name of ['x-hop', 'proxy-thing']) expect(response.header(name)).toBeUndefined();
      expect(response.header('keep-alive')).toMatch(/^timeout=\d+$/);
      expect(response.header('x-kept')).toBe('yes');
      client.destroy();
    });

    test('forwards an 8 KB header and more than 32 header fields intact, and the next request after them', async () => {
      const big = 'v'.repeat(8 * 1024);
      const many = Array.from({ length: 40 }, (_, i) => `X-Field-${i}: ${i}`);
      const client = await connect();
      client.write(request(`GET /${'p'.repeat(2000)} HTTP/1.1`, 'echo.example', `X-Big: ${big}`, ...many));
      const reply = json<EchoReply>(await client.next());
      expect(reply.headers['x-big']).toEqual([big]);
      for (let i = 0; i < 40; i++) expect(reply.headers[`x-field-${i}`]).toEqual([String(i)]);
      expect(reply.path).toBe(`/${'p'.repeat(2000)}`);
      // llhttp hands this parser's later heads over in pieces too.
      client.write(request('GET /after HTTP/1.1', 'echo.example', 'X-One: 1'));
      const after = json<EchoReply>(await client.next());
      expect([after.path, after.headers['x-one'], after.headers['x-field-0']]).toEqual(['/after', ['1'], undefined]);
      client.destroy();
    });

    test('adds no Date of its own: a backend that sends none gets none relayed', async () => {
      const client = await connect();
      client.write(request('GET / HTTP/1.1', 'raw.example'));
      const response = await client.next();
      expect(response.body.toString()).toBe('until the end');
      expect(response.header('date')).toBeUndefined();
      expect(response.header('x-powered-by')).toBeUndefined();
      client.destroy();
    });
  });

  describe('request bodies', () => {
    test('forwards a 1 MiB Content-Length body intact', async () => {
      const body = pattern(1024 * 1024);
      const client = await connect();
      client.write(request('POST /sha HTTP/1.1', 'origin.example', `Content-Length: ${body.length}`));
      client.write(body);
      expect(json(await client.next())).toEqual({ sha256: sha256(body), length: body.length, te: null });
      client.destroy();
    });

    test('forwards a 300 KB chunked body intact, chunked', async () => {
      const body = pattern(300 * 1000);
      const client = await connect();
      client.write(request('POST /sha HTTP/1.1', 'origin.example', 'Transfer-Encoding: chunked'));
      for (let at = 0; at < body.length; at += 7000) {
        const piece = body.subarray(at, at + 7000);
        client.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from('\r\n')]));
      }
      client.write('0\r\nX-Trailer: dropped\r\n\r\n');
      expect(json(await client.next())).toEqual({ sha256: sha256(body), length: body.length, te: 'chunked' });
      client.destroy();
    });

    test('reassembles a head and a body split across packets', async () => {
      const body = pattern(5000);
      const text = Buffer.concat([Buffer.from(request('POST /sha HTTP/1.1', 'origin.example', `Content-Length: ${body.length}`)), body]);
      const client = await connect();
      for (const cut of [0, 3, 20, 41, text.length - 4000, text.length - 1]) {
        client.write(text.subarray(cut, [3, 20, 41, text.length - 4000, text.length - 1, text.length].find(n => n > cut)));
        await sleep(15);
      }
      expect(json(await client.next())).toEqual({ sha256: sha256(body), length: body.length, te: null });
      client.destroy();
    });

    test('answers Expect: 100-continue with 100 Continue before the body is sent', async () => {
      const client = await connect();
      client.write(request('POST /sha HTTP/1.1', 'origin.example', 'Content-Length: 5', 'Expect: 100-continue'));
      const interim = await client.next();
      expect(interim.head).toBe('HTTP/1.1 100 Continue');
      client.write('hello');
      expect(json(await client.next())).toEqual({ sha256: sha256(Buffer.from('hello')), length: 5, te: null });
      client.destroy();
    });
  });

  describe('response bodies', () => {
    test('relays a 1 MB chunked answer chunked', async () => {
      const client = await connect();
      client.write(request('GET /chunked?size=1000000 HTTP/1.1', 'origin.example'));
      const response = await client.next();
      expect(response.header('transfer-encoding')).toBe('chunked');
      expect(response.header('content-length')).toBeUndefined();
      expect(sha256(response.body)).toBe(sha256(pattern(1_000_000)));
      client.destroy();
    });

    test('relays a 3 MB answer with its Content-Length', async () => {
      const client = await connect();
      client.write(request('GET /length?size=3000000 HTTP/1.1', 'origin.example'));
      const response = await client.next();
      expect(response.header('content-length')).toBe('3000000');
      expect(response.header('transfer-encoding')).toBeUndefined();
      expect(sha256(response.body)).toBe(sha256(pattern(3_000_000)));
      client.destroy();
    });

    test('relays a close-delimited answer chunked and keeps the client connection', async () => {
      const client = await connect();
      for (let i = 0; i < 2; i++) {
        client.write(request('GET / HTTP/1.1', 'raw.example'));
        const response = await client.next();
        expect([response.status, response.header('transfer-encoding'), response.body.toString()]).toEqual([200, 'chunked', 'until the end']);
      }
      expect(client.isClosed).toBe(false);
      client.destroy();
    });

    test('sends no body after HEAD, then answers a GET on the same connection', async () => {
      const client = await connect();
      client.write(request('HEAD /length?size=1234 HTTP/1.1', 'origin.example'));
      const head = await client.next(true);
      expect([head.status, head.header('content-length')]).toEqual([200, '1234']);
      client.write(request('HEAD /chunked?size=1234 HTTP/1.1', 'origin.example'));
      expect((await client.next(true)).header('content-length')).toBeUndefined();
      client.write(request('GET /length?size=10 HTTP/1.1', 'origin.example'));
      const get = await client.next();
      expect(get.body).toEqual(pattern(10));
      expect(client.unread()).toBe('');
      client.destroy();
    });

    test('sends no body with 204 and 304, then answers a GET on the same connection', async () => {
      const client = await connect();
      client.write(request('GET /status/204 HTTP/1.1', 'origin.example'));
      const noContent = await client.next();
      client.write(request('GET /status/304 HTTP/1.1', 'origin.example'));
      const notModified = await client.next();
      client.write(request('GET /length?size=10 HTTP/1.1', 'origin.example'));
      const get = await client.next();
      expect([noContent.status, notModified.status, get.status]).toEqual([204, 304, 200]);
      expect([noContent.header('transfer-encoding'), notModified.header('transfer-encoding')]).toEqual([undefined, undefined]);
      expect(get.body).toEqual(pattern(10));
      client.destroy();
    });

    test('relays the final answer after 103 Early Hints, and not the hints', async () => {
      const client = await connect();
      client.write(request('GET /early HTTP/1.1', 'origin.example'));
      const response = await client.next();
      expect([response.status, response.body.toString()]).toEqual([200, 'after hints']);
      client.destroy();
    });
  });

  describe('connections', () => {
    test('keeps a connection alive by default and says so', async () => {
      const client = await connect();
      client.write(request('GET /delay?tag=one HTTP/1.1', 'origin.example'));
      const first = await client.next();
      client.write(request('GET /delay?tag=two HTTP/1.1', 'origin.example'));
      const second = await client.next();
      expect([first.body.toString(), second.body.toString()]).toEqual(['one', 'two']);
      expect(first.header('connection')).toBe('keep-alive');
      client.destroy();
    });

    test('answers three pipelined requests sent in one write in order', async () => {
      const client = await connect();
      client.write([
        request('GET /delay?ms=150&tag=first HTTP/1.1', 'origin.example'),
        request('POST /sha HTTP/1.1', 'origin.example', 'Content-Length: 3') + 'abc',
        request('GET /delay?ms=0&tag=third HTTP/1.1', 'origin.example'),
      ].join(''));
      const answers = [await client.next(), await client.next(), await client.next()];
      expect(answers[0].body.toString()).toBe('first');
      expect(json<{ sha256: string }>(answers[1]).sha256).toBe(sha256(Buffer.from('abc')));
      expect(answers[2].body.toString()).toBe('third');
      client.destroy();
    });

    test('closes after answering a request with Connection: close', async () => {
      const client = await connect();
      client.write(request('GET /delay?tag=x HTTP/1.1', 'origin.example', 'Connection: close'));
      const response = await client.next();
      expect([response.body.toString(), response.header('connection')]).toEqual(['x', 'close']);
      await client.closed;
    });

    test('answers an HTTP/1.0 request, unchunked, and closes', async () => {
      const client = await connect();
      client.write(request('GET /chunked?size=5000 HTTP/1.0', 'origin.example'));
      await client.closed;
      const response = await client.next();
      expect(response.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect([response.header('transfer-encoding'), response.header('connection')]).toEqual([undefined, 'close']);
      expect(response.body).toEqual(pattern(5000));
    });

    test('keeps an HTTP/1.0 keep-alive connection when the answer has a length', async () => {
      const client = await connect();
      client.write(request('GET /length?size=4 HTTP/1.0', 'origin.example', 'Connection: keep-alive'));
      const first = await client.next();
      client.write(request('GET /length?size=6 HTTP/1.0', 'origin.example', 'Connection: keep-alive'));
      const second = await client.next();
      expect([first.header('connection'), first.body.length, second.body.length]).toEqual(['keep-alive', 4, 6]);
      client.destroy();
    });

    test('answers a client that half-closes after its request', async () => {
      const client = await connect();
      client.write(request('GET /delay?ms=50&tag=half HTTP/1.1', 'origin.example'));
      client.socket.end();
      const response = await client.next();
      expect([response.body.toString(), response.header('connection')]).toEqual(['half', 'close']);
      await client.closed;
    });

    test('serves HTTP/2 with prior knowledge on the same port', async () => {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      try {
        const answer = await h2Request(session, { ':path': '/h2', ':authority': 'echo.example' });
        expect([answer.status, (JSON.parse(answer.body) as EchoReply).path]).toEqual([200, '/h2']);
      } finally {
        session.close();
      }
    });
  });

  describe('upgrades', () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const upgrade = request('GET /ws HTTP/1.1', 'ws.example', 'Connection: Upgrade', 'Upgrade: websocket', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13');

    /** Reads the 101 and then one WebSocket message, whatever the TCP segments. */
    async function upgraded(client: RawClient): Promise<{ head: string; message: string }> {
      const switched = await client.next(true);
      expect(switched.status).toBe(101);
      const reader = new FrameReader();
      let frames = reader.push(Buffer.from(client.unread(), 'latin1'));
      while (frames.length === 0) {
        frames = await new Promise(resolve => client.socket.once('data', (d: Buffer) => resolve(reader.push(d))));
      }
      return { head: switched.head, message: frames[0].payload.toString() };
    }

    test('relays a WebSocket, including a frame sent in the same packet as the request', async () => {
      const client = await connect();
      client.write(Buffer.concat([Buffer.from(upgrade, 'latin1'), encodeFrame(OPCODE.text, Buffer.from('early'), true)]));
      const { head, message } = await upgraded(client);
      expect(head).toMatch(/\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
      expect(message).toBe('early');
      client.write(encodeFrame(OPCODE.close, Buffer.from([3, 232]), true));
      await client.closed;
    });

    test('upgrades only after answering the request pipelined before it', async () => {
      const client = await connect();
      client.write(Buffer.concat([
        Buffer.from(request('GET /delay?ms=100&tag=before HTTP/1.1', 'origin.example') + upgrade, 'latin1'),
        encodeFrame(OPCODE.text, Buffer.from('queued'), true),
      ]));
      const before = await client.next();
      expect(before.body.toString()).toBe('before');
      expect((await upgraded(client)).message).toBe('queued');
      client.destroy();
    });
  });

  describe('malformed requests', () => {
    const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

    async function exchange(text: string): Promise<string> {
      const client = await connect();
      client.write(text);
      await client.closed;
      return client.unread();
    }

    test('rejects an HTTP/1.1 request without Host with 400 and closes', async () => {
      expect(await exchange(request('GET / HTTP/1.1', null))).toBe(BAD_REQUEST);
    });

    test('rejects a request with two Host headers with 400', async () => {
      expect(await exchange(request('GET / HTTP/1.1', 'echo.example', 'Host: other.example'))).toBe(BAD_REQUEST);
    });

    test('rejects a head larger than 16 KiB with 431', async () => {
      expect(await exchange(request('GET / HTTP/1.1', 'echo.example', `X-Big: ${'a'.repeat(17 * 1024)}`)))
        .toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    });

    test('rejects a request line that is not HTTP/1 with 505', async () => {
      expect(await exchange(request('GET / HTTP/2.0', 'echo.example'))).toBe('HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n');
    });

    test('rejects an invalid Transfer-Encoding with 400 before anything reaches the backend', async () => {
      const seen = echo.seen.length;
      expect(await exchange(request('POST / HTTP/1.1', 'echo.example', 'Transfer-Encoding: gzip'))).toBe(BAD_REQUEST);
      expect(echo.seen.length).toBe(seen);
    });

    test('answers the requests before a malformed one, then 400, then closes', async () => {
      const client = await connect();
      client.write(request('GET /delay?ms=50&tag=fine HTTP/1.1', 'origin.example') + request('GET / HTTP/1.1', null)
        + request('GET /delay?tag=never HTTP/1.1', 'origin.example'));
      await client.closed;
      const fine = await client.next();
      expect([fine.body.toString(), fine.header('connection')]).toEqual(['fine', 'keep-alive']);
      expect(client.unread()).toBe(BAD_REQUEST);
    });

    test('answers 400 in place of the answer when a chunked body breaks its framing, and closes', async () => {
      const client = await connect();
      client.write(request('POST /sha HTTP/1.1', 'origin.example', 'Transfer-Encoding: chunked') + '3\r\nabc\r\n');
      await sleep(50);
      client.write('zz\r\n');
      await client.closed;
      expect(client.unread()).toBe(BAD_REQUEST);
    });
  });

  describe('backpressure', () => {
    const SIZE = 128 * 1024 * 1024;

    test('stops reading a client whose body the backend does not read, then relays it all', async () => {
      const socket = net.connect(port, '127.0.0.1');
      const piece = pattern(65_536);
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
      };
      const answer = new Promise<string>((resolve, reject) => {
        let text = '';
        socket.on('data', d => text += d.toString('latin1'));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      socket.write(request('POST /stall HTTP/1.1', 'origin.example', `Content-Length: ${SIZE}`, 'Connection: close'));
      pump();
      // Wait until the client can write no more: every buffer between it and the backend is full.
      let last = -1;
      while (sent - socket.writableLength !== last) {
        last = sent - socket.writableLength;
        await sleep(300);
      }
      expect(sent - socket.writableLength).toBeLessThan(SIZE / 4);
      // The pump resumes on 'drain' once the backend reads.
      origin.release();
      const text = await answer;
      const expected = createHash('sha256');
      for (let at = 0; at < SIZE; at += piece.length) expected.update(piece);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ sha256: expected.digest('hex'), length: SIZE, te: null });
    }, 60_000);

    test('stops reading a backend whose answer the client does not read, then relays it all', async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.pause();
      socket.write(request(`GET /slow?size=${SIZE} HTTP/1.1`, 'origin.example'));
      // Wait until the backend can write no more: every buffer between it and the client is full.
      let last = -1;
      while (origin.slow.written !== last) {
        last = origin.slow.written;
        await sleep(300);
      }
      // Socket buffers on the hops hold about 10 MiB on loopback; without backpressure the proxy would take it all.
      expect(origin.slow.written).toBeLessThan(SIZE / 4);
      const hash = createHash('sha256');
      let received = 0;
      let head = '';
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (d: Buffer) => {
          if (!head) {
            const end = d.indexOf('\r\n\r\n');
            head = d.subarray(0, end).toString('latin1');
            d = d.subarray(end + 4);
          }
          hash.update(d);
          received += d.length;
          if (received === SIZE) resolve();
        });
        socket.on('error', reject);
        socket.resume();
      });
      const piece = pattern(65_536);
      const expected = createHash('sha256');
      for (let at = 0; at < SIZE; at += piece.length) expected.update(piece);
      expect(head.toLowerCase()).toContain(`content-length: ${SIZE}`);
      expect(hash.digest('hex')).toBe(expected.digest('hex'));
      socket.destroy();
    }, 60_000);
  });
});
