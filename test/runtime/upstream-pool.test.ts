/**
 * The native HTTP/1.1 upstream pool against raw backends scripted byte by byte: framing, reuse,
 * the keep-alive race, backpressure and failures, observed over real sockets, in both ways llhttp
 * can read (consuming the socket handle, or fed from 'data' events).
 */
import { createHash } from 'crypto';
import * as net from 'net';
import { Readable } from 'stream';
import { Dispatcher } from 'undici';
import { BackendIR } from '../../src/engine/translate';
import { responseHeaders } from '../../src/runtime/proxy/headers';
import { Http1Pool, Http1PoolOptions } from '../../src/runtime/proxy/pool/http1-pool';
import { READ_MODE, ReadMode } from '../../src/runtime/proxy/pool/llhttp';
import { Upstreams } from '../../src/runtime/proxy/upstream';

/** A request as the scripted backend read it. */
interface Seen {
  readonly method: string;
  readonly target: string;
  /** Header lines as sent, in order. */
  readonly headers: string[];
  readonly body: Buffer;
  /** The socket it came on, and how many requests that socket carried before it. */
  readonly socket: net.Socket;
  readonly index: number;
}

interface Backend {
  readonly port: number;
  readonly origin: string;
  /** Sockets accepted so far, in order. */
  readonly sockets: net.Socket[];
  close(): Promise<void>;
}

type Script = (req: Seen, socket: net.Socket) => void;

/** A backend that parses requests itself (Content-Length or chunked bodies) and answers with `script`. */
function backendServer(script: Script, onConnection?: (socket: net.Socket) => void): Promise<Backend> {
  const sockets: net.Socket[] = [];
  const server = net.createServer(socket => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onConnection?.(socket);
    readRequests(socket, script);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as net.AddressInfo).port;
    resolve({
      port,
      origin: `http://127.0.0.1:${port}`,
      sockets,
      close: () => new Promise<void>(done => {
        sockets.forEach(s => s.destroy());
        server.close(() => done());
      }),
    });
  }));
}

function readRequests(socket: net.Socket, script: Script): void {
  let buf = Buffer.alloc(0);
  let index = 0;
  socket.on('data', chunk => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const [method, target] = lines[0].split(' ');
      const headers = lines.slice(1);
      const header = (name: string) => headers.find(h => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
      let rest = buf.subarray(end + 4);
      let body: Buffer;
      const length = header('content-length');
      if (header('transfer-encoding') === 'chunked') {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const eol = rest.indexOf('\r\n', at);
          if (eol < 0) return;
          const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
          if (size === 0) {
            if (rest.length < eol + 4) return;
            rest = rest.subarray(eol + 4);
            break;
          }
          if (rest.length < eol + 2 + size + 2) return;
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          at = eol + 2 + size + 2;
        }
        body = Buffer.concat(parts);
      } else {
        const n = Number(length ?? 0);
        if (rest.length < n) return;
        body = rest.subarray(0, n);
        rest = rest.subarray(n);
      }
      buf = rest;
      script({ method, target, headers, body, socket, index: index++ }, socket);
    }
  });
}

interface Outcome {
  /** Every status the handler saw, interim ones included. */
  readonly statuses: number[];
  readonly headers: string[];
  readonly body: Buffer;
  readonly trailers: string[] | null;
  readonly error?: Error & { code?: string };
}

interface Hooks {
  onData?(chunk: Buffer, control: { abort: (err?: Error) => void; resume: () => void }): boolean;
}

/** Dispatches one request and collects what the handler was told; exactly one of onComplete/onError must come. */
function send(pool: Http1Pool, options: Partial<Dispatcher.DispatchOptions> = {}, hooks: Hooks = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const statuses: number[] = [];
    let headers: string[] = [];
    const chunks: Buffer[] = [];
    let abort: (err?: Error) => void = () => undefined;
    let resume: () => void = () => undefined;
    let finished = false;
    const finish = (outcome: Outcome) => {
      if (finished) reject(new Error('the handler was finished twice'));
      finished = true;
      resolve(outcome);
    };
    pool.dispatch({ method: 'GET', path: '/', headers: [], body: null, ...options } as Dispatcher.DispatchOptions, {
      onConnect: a => {
        abort = a;
      },
      onHeaders: (status, raw, r) => {
        statuses.push(status);
        resume = r;
        if (status >= 200) headers = responseHeaders(raw as unknown as string[]);
        return true;
      },
      onData: chunk => {
        chunks.push(chunk);
        return hooks.onData ? hooks.onData(chunk, { abort, resume }) : true;
      },
      onComplete: trailers => finish({ statuses, headers, body: Buffer.concat(chunks), trailers }),
      onError: error => finish({ statuses, headers, body: Buffer.concat(chunks), trailers: null, error }),
    });
  });
}

function ok(socket: net.Socket, body = 'ok', extra = ''): void {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function closed(socket: net.Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise(resolve => socket.once('close', () => resolve()));
}

const MODES: ReadMode[] = ['consume', 'execute'];

test('the llhttp self-test passes on this Node, with the socket consumed in C++', () => {
  expect(READ_MODE).toBe('consume');
});

describe.each(MODES)('Http1Pool reading by %s', mode => {
  let backend: Backend | undefined;
  let pool: Http1Pool | undefined;

  async function start(script: Script, options: Http1PoolOptions = {}, onConnection?: (socket: net.Socket) => void): Promise<[Backend, Http1Pool]> {
    backend = await backendServer(script, onConnection);
    pool = new Http1Pool(backend.origin, { readMode: mode, ...options });
    return [backend, pool];
  }

  afterEach(async () => {
    await pool?.destroy();
    await backend?.close();
    pool = undefined;
    backend = undefined;
  });

  test('reuses one connection for sequential requests and adds the Host header', async () => {
    const [b, p] = await start((req, s) => ok(s, `${req.index} ${req.target} ${req.headers.join('|')}`));
    const first = await send(p, { path: '/a?x=1', headers: ['x-one', '1'] });
    expect(first.body.toString()).toBe(`0 /a?x=1 x-one: 1|host: 127.0.0.1:${b.port}`);
    expect((await send(p, { path: '/b' })).body.toString()).toMatch(/^1 \/b /);
    expect((await send(p, { path: '/c', headers: ['Host', 'example.com'] })).body.toString()).toBe('2 /c Host: example.com');
    expect(b.sockets).toHaveLength(1);
  });

  test('opens a connection per concurrent request, then reuses the last one parked first', async () => {
    const waiting: net.Socket[] = [];
    const [b, p] = await start((req, s) => {
      if (req.target !== '/concurrent') return ok(s, String(b.sockets.indexOf(s)));
      waiting.push(s);
      // Answer once all three are in, last-come first, so the first socket is parked last.
      if (waiting.length === 3) for (const w of waiting.reverse()) ok(w, String(b.sockets.indexOf(w)));
    });
    const all = await Promise.all([1, 2, 3].map(() => send(p, { path: '/concurrent' })));
    expect(all.map(o => o.body.toString()).sort()).toEqual(['0', '1', '2']);
    expect(b.sockets).toHaveLength(3);
    await sleep(20);
    const parkedLast = (await send(p)).body.toString();
    expect(['0', '1', '2']).toContain(parkedLast);
    expect((await send(p)).body.toString()).toBe(parkedLast);
    expect(b.sockets).toHaveLength(3);
  });

  test('closes a connection left idle past the idle timeout, and opens a new one next', async () => {
    const [b, p] = await start((_req, s) => ok(s), { idleTimeoutMs: 150 });
    await send(p);
    const started = Date.now();
    await closed(b.sockets[0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await send(p)).body.toString()).toBe('ok');
    expect(b.sockets).toHaveLength(2);
  });

  test('parks a connection no longer than the backend announced, less two seconds', async () => {
    const [b, p] = await start((_req, s) => ok(s, 'ok', 'Keep-Alive: timeout=2\r\n'));
    await send(p);
    await closed(b.sockets[0]);
    await send(p);
    expect(b.sockets).toHaveLength(2);
  });

  test('does not reuse a connection whose response said Connection: close', async () => {
    const [b, p] = await start((_req, s) => ok(s, 'bye', 'Connection: close\r\n'));
    expect((await send(p)).body.toString()).toBe('bye');
    await closed(b.sockets[0]);
    expect((await send(p)).body.toString()).toBe('bye');
    expect(b.sockets).toHaveLength(2);
  });

  test('reads an HTTP/1.0 response and does not reuse its connection', async () => {
    const [b, p] = await start((_req, s) => s.write('HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!'));
    const out = await send(p);
    expect(out.statuses).toEqual([200]);
    expect(out.body.toString()).toBe('old!');
    await closed(b.sockets[0]);
    await send(p);
    expect(b.sockets).toHaveLength(2);
  });

  test('reads a body delimited by the backend closing the connection', async () => {
    const [, p] = await start((_req, s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
      setTimeout(() => s.end('the end'), 30);
    });
    const out = await send(p);
    expect(out.error).toBeUndefined();
    expect(out.body.toString()).toBe('until the end');
  });

  test('relays a 3 MB Content-Length body and a 1 MB chunked body byte for byte', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + Math.floor(i / 512)) % 256;
    const chunkedBody = big.subarray(0, 1024 * 1024);
    const [, p] = await start((req, s) => {
      if (req.target === '/cl') {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
        for (let at = 0; at < big.length; at += 100_000) s.write(big.subarray(at, at + 100_000));
        return;
      }
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      let at = 0;
      let size = 1;
      while (at < chunkedBody.length) {
        const part = chunkedBody.subarray(at, at + size);
        s.write(`${part.length.toString(16)}\r\n`);
        s.write(part);
        s.write('\r\n');
        at += part.length;
        size = (size * 7 + 13) % 70_000 + 1;
      }
      s.write('0\r\n\r\n');
    });
    const cl = await send(p, { path: '/cl' });
    expect(sha(cl.body)).toBe(sha(big));
    const chunked = await send(p, { path: '/chunked' });
    expect(chunked.body.length).toBe(chunkedBody.length);
    expect(sha(chunked.body)).toBe(sha(chunkedBody));
  });

  test('expects no body after a HEAD answer with Content-Length, and reuses the connection', async () => {
    const [b, p] = await start((req, s) => {
      if (req.method === 'HEAD') s.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
      else ok(s, 'after head');
    });
    const head = await send(p, { method: 'HEAD' });
    expect(head.error).toBeUndefined();
    expect(head.headers).toEqual(['Content-Length', '1234']);
    expect(head.body.length).toBe(0);
    expect((await send(p)).body.toString()).toBe('after head');
    expect(b.sockets).toHaveLength(1);
  });

  test('reads 204 and 304 answers as bodiless, then the next answer on the same connection', async () => {
    const [b, p] = await start((req, s) => {
      if (req.target === '/204') s.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (req.target === '/304') s.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: "x"\r\n\r\n');
      else ok(s, 'next');
    });
    expect((await send(p, { path: '/204' })).statuses).toEqual([204]);
    expect((await send(p, { path: '/304' })).statuses).toEqual([304]);
    expect((await send(p)).body.toString()).toBe('next');
    expect(b.sockets).toHaveLength(1);
  });

  test('reports interim answers as undici does, then the final one', async () => {
    const [b, p] = await start((_req, s) => {
      s.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
      setTimeout(() => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal'), 20);
    });
    const out = await send(p);
    expect(out.statuses).toEqual([103, 100, 200]);
    expect(out.body.toString()).toBe('final');
    await send(p);
    expect(b.sockets).toHaveLength(1);
  });

  test('reports trailers and keeps the connection in step after them', async () => {
    const [b, p] = await start((req, s) => {
      if (req.index === 0) s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n');
      else ok(s, 'second');
    });
    const out = await send(p);
    expect(out.body.toString()).toBe('abc');
    expect(out.trailers).toEqual(['X-Sum', '42']);
    expect(out.headers).not.toContain('X-Sum');
    const next = await send(p);
    expect(next.body.toString()).toBe('second');
    expect(next.trailers).toEqual([]);
    expect(b.sockets).toHaveLength(1);
  });

  test('hands over every header of an answer with more than 32 of them', async () => {
    const names = Array.from({ length: 45 }, (_, i) => `X-H${i}`);
    const [, p] = await start((_req, s) => ok(s, 'many', names.map((n, i) => `${n}: v${i}\r\n`).join('')));
    for (let round = 0; round < 2; round++) {
      const out = await send(p);
      expect(out.headers).toEqual(['Content-Length', '4', ...names.flatMap((n, i) => [n, `v${i}`])]);
    }
  });

  test('sends a request once more on a fresh connection when a reused one closes before any answer', async () => {
    const [b, p] = await start((req, s) => {
      if (b.sockets.indexOf(s) === 0 && req.index === 1) s.destroy();
      else ok(s, `${b.sockets.indexOf(s)}:${req.index}`);
    });
    expect((await send(p)).body.toString()).toBe('0:0');
    const retried = await send(p);
    expect(retried.error).toBeUndefined();
    expect(retried.body.toString()).toBe('1:0');
    expect(b.sockets).toHaveLength(2);
  });

  test('sends a bodiless POST once more too: nothing of it was consumed', async () => {
    const [b, p] = await start((req, s) => {
      if (b.sockets.indexOf(s) === 0 && req.index === 1) s.destroy();
      else ok(s, `${req.method} ${req.headers.join('|')}`);
    });
    await send(p);
    const retried = await send(p, { method: 'POST' });
    expect(retried.body.toString()).toMatch(/^POST host: [^|]+\|content-length: 0$/);
    expect(b.sockets).toHaveLength(2);
  });

  test('fails a POST whose streamed body was already sent when the reused connection closed', async () => {
    const [b, p] = await start((req, s) => {
      if (req.index === 1) s.destroy();
      else ok(s);
    });
    await send(p);
    const out = await send(p, { method: 'POST', body: Readable.from([Buffer.from('payload')]) });
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(out.error?.code);
    expect(b.sockets).toHaveLength(1);
  });

  test('sends a request again only once: a fresh connection closing too is an error', async () => {
    const [b, p] = await start((req, s) => {
      if (b.sockets.indexOf(s) === 0 && req.index === 0) ok(s);
      else s.destroy();
    });
    await send(p);
    const out = await send(p);
    expect(out.error?.code).toBe('UND_ERR_SOCKET');
    expect(b.sockets).toHaveLength(2);
  });

  test('drops an idle connection the backend closed, without failing the next request', async () => {
    const [b, p] = await start((_req, s) => {
      ok(s);
      setTimeout(() => s.end(), 10);
    });
    await send(p);
    await closed(b.sockets[0]);
    await sleep(10);
    expect((await send(p)).error).toBeUndefined();
    expect(b.sockets).toHaveLength(2);
  });

  test('fails with ECONNREFUSED when nothing listens', async () => {
    const [b] = await start(() => undefined);
    await b.close();
    pool = new Http1Pool(b.origin, { readMode: mode });
    const out = await send(pool);
    expect(out.error?.code).toBe('ECONNREFUSED');
  });

  test('fails with UND_ERR_CONNECT_TIMEOUT when connecting outlasts the connect timeout', async () => {
    const [b] = await start(() => undefined);
    pool = new Http1Pool(b.origin, { readMode: mode, connectTimeoutMs: 1 });
    const out = send(pool);
    // Block past the timeout: the next loop turn runs due timers before it polls for the connect.
    const until = Date.now() + 10;
    while (Date.now() < until);
    expect((await out).error?.code).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  test('fails with an llhttp error code when the backend answers garbage, and drops the connection', async () => {
    const [b, p] = await start((req, s) => {
      if (b.sockets.indexOf(s) === 0) s.write('this is not http\r\n\r\n');
      else ok(s, String(req.index));
    });
    const out = await send(p);
    expect(out.error?.code).toMatch(/^HPE_/);
    await closed(b.sockets[0]);
    expect((await send(p)).body.toString()).toBe('0');
  });

  test('fails a response cut short by the backend closing, instead of reporting it complete', async () => {
    const [, p] = await start((_req, s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    const out = await send(p);
    expect(out.error?.code).toBe('UND_ERR_SOCKET');
    expect(out.body.toString()).toBe('short');
  });

  test('fails an answer nobody asked to switch protocols for', async () => {
    const [, p] = await start((_req, s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    const out = await send(p);
    expect(out.error?.code).toBe('UND_ERR_SOCKET');
  });

  test('stops reading while the handler asks for a pause, and resumes when told', async () => {
    const total = 16 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024, 7);
    let backlogged = false;
    const [, p] = await start((_req, s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      for (let at = 0; at < total; at += block.length) if (!s.write(block)) backlogged = true;
    });
    let received = 0;
    let resumeIt: () => void = () => undefined;
    const done = send(p, {}, {
      onData: (chunk, control) => {
        received += chunk.length;
        resumeIt = control.resume;
        return false;
      },
    });
    await sleep(300);
    const whilePaused = received;
    await sleep(200);
    expect(received).toBe(whilePaused);
    expect(received).toBeLessThan(1024 * 1024);
    expect(backlogged).toBe(true);
    // From here the handler keeps asking for a pause, so every chunk needs a resume of its own.
    const pump = setInterval(() => resumeIt(), 1);
    const out = await done;
    clearInterval(pump);
    expect(out.error).toBeUndefined();
    expect(out.body.length).toBe(total);
  });

  test('resumes a connection that went back to the pool paused', async () => {
    const [b, p] = await start((req, s) => ok(s, `body ${req.index}`));
    const first = await send(p, {}, { onData: () => false });
    expect(first.body.toString()).toBe('body 0');
    expect((await send(p)).body.toString()).toBe('body 1');
    expect(b.sockets).toHaveLength(1);
  });

  test('destroys the connection of a request aborted mid-response, never reusing it', async () => {
    const [b, p] = await start((req, s) => {
      if (b.sockets.indexOf(s) === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst hundred bytes');
      else ok(s, String(req.index));
    });
    const out = await send(p, {}, {
      onData: (_chunk, control) => {
        control.abort();
        return true;
      },
    });
    expect(out.error?.code).toBe('UND_ERR_ABORTED');
    await closed(b.sockets[0]);
    expect((await send(p)).body.toString()).toBe('0');
    expect(b.sockets).toHaveLength(2);
  });

  test('streams a request body chunked when it has no Content-Length, and as is when it has one', async () => {
    const [, p] = await start((req, s) => ok(s, `${req.headers.filter(h => /^(content-length|transfer-encoding)/i.test(h)).join('|')} ${sha(req.body)}`));
    const parts = [Buffer.from('one,'), Buffer.alloc(0), Buffer.alloc(200_000, 'x'), Buffer.from(',three')];
    const whole = Buffer.concat(parts);
    const chunked = await send(p, { method: 'POST', body: Readable.from(parts) });
    expect(chunked.body.toString()).toBe(`transfer-encoding: chunked ${sha(whole)}`);
    const sized = await send(p, { method: 'PUT', headers: ['Content-Length', String(whole.length)], body: Readable.from(parts) });
    expect(sized.body.toString()).toBe(`Content-Length: ${whole.length} ${sha(whole)}`);
    const bytes = await send(p, { method: 'POST', body: Buffer.from('bytes') });
    expect(bytes.body.toString()).toBe(`content-length: 5 ${sha(Buffer.from('bytes'))}`);
  });

  test('fails a request body longer than its Content-Length without sending the excess', async () => {
    const seen: Seen[] = [];
    const [b, p] = await start((req, s) => {
      seen.push(req);
      ok(s);
    });
    const out = await send(p, { method: 'POST', headers: ['content-length', '3'], body: Readable.from([Buffer.from('abcdef')]) });
    expect(out.error?.code).toBe('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
    await sleep(50);
    // The head waited for the first body bytes, so the connection went down with nothing sent.
    expect(seen).toEqual([]);
    expect(b.sockets.every(s => s.bytesRead === 0)).toBe(true);
  });

  test('rejects a header value that would split the request, sending nothing', async () => {
    const [b, p] = await start((_req, s) => ok(s));
    const out = await send(p, { headers: ['x-evil', 'a\r\nx-injected: 1'] });
    expect(out.error?.code).toBe('UND_ERR_INVALID_ARG');
    const target = await send(p, { path: '/a b' });
    expect(target.error?.code).toBe('UND_ERR_INVALID_ARG');
    expect(b.sockets).toHaveLength(0);
  });

  test('drops a connection on which the backend sends bytes between requests', async () => {
    const [b, p] = await start((req, s) => {
      ok(s, String(b.sockets.indexOf(s)));
      if (req.index === 0) setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno'), 20);
    });
    await send(p);
    await closed(b.sockets[0]);
    expect((await send(p)).body.toString()).toBe('1');
  });

  test('close() lets a request in flight finish, then refuses new ones', async () => {
    const [, p] = await start((_req, s) => setTimeout(() => ok(s, 'late'), 100));
    const inFlight = send(p);
    await sleep(20);
    let closedYet = false;
    const closing = p.close().then(() => {
      closedYet = true;
    });
    expect((await inFlight).body.toString()).toBe('late');
    await closing;
    expect(closedYet).toBe(true);
    expect((await send(p)).error?.code).toBe('UND_ERR_CLOSED');
  });

  test('destroy() fails a request in flight', async () => {
    const [, p] = await start(() => undefined);
    const inFlight = send(p);
    await sleep(30);
    await p.destroy();
    expect((await inFlight).error?.code).toBe('UND_ERR_DESTROYED');
  });

  test('hands upgrades to its fallback dispatcher', async () => {
    const [b] = await start(() => undefined);
    const upgrades: string[] = [];
    pool = new Http1Pool(b.origin, {
      readMode: mode,
      fallback: () => ({
        dispatch: options => {
          upgrades.push(String(options.upgrade));
          return true;
        },
      }),
    });
    pool.dispatch({ method: 'GET', path: '/', headers: [], upgrade: 'websocket' }, { onError: () => undefined });
    expect(upgrades).toEqual(['websocket']);
    expect(b.sockets).toHaveLength(0);
  });
});

describe('Upstreams', () => {
  const backendOf = (appProtocol?: string): BackendIR => ({ group: '', kind: 'Service', namespace: 'default', name: 'svc', weight: 1, filters: [], appProtocol });

  test('gives plain HTTP/1.1 backends the native pool and h2c backends undici', async () => {
    const upstreams = new Upstreams();
    const endpoint = { address: '127.0.0.1', port: 1, origin: 'http://127.0.0.1:1' };
    expect(upstreams.pool(endpoint, backendOf())).toBeInstanceOf(Http1Pool);
    expect(upstreams.pool(endpoint, backendOf('kubernetes.io/h2c'))).not.toBeInstanceOf(Http1Pool);
    await upstreams.close();
  });

  test('gives every backend undici when CDK8S_GATEWAY_UPSTREAM=undici', async () => {
    process.env.CDK8S_GATEWAY_UPSTREAM = 'undici';
    try {
      const upstreams = new Upstreams();
      const pool = upstreams.pool({ address: '127.0.0.1', port: 1, origin: 'http://127.0.0.1:1' }, backendOf());
      expect(pool).not.toBeInstanceOf(Http1Pool);
      expect(pool.constructor.name).toBe('Pool');
      await upstreams.close();
    } finally {
      delete process.env.CDK8S_GATEWAY_UPSTREAM;
    }
  });

  test('sends an upgrade through undici behind the native pool and hands over the backend socket', async () => {
    const backend = await backendServer((_req, s) => {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      s.removeAllListeners('data');
      s.on('data', d => s.write(`echo:${d}`));
    });
    const upstreams = new Upstreams();
    const pool = upstreams.pool({ address: '127.0.0.1', port: backend.port, origin: backend.origin }, backendOf());
    expect(pool).toBeInstanceOf(Http1Pool);
    const echoed = await new Promise<string>((resolve, reject) => {
      pool.dispatch({ method: 'GET', path: '/', headers: ['host', 'x'], upgrade: 'echo', body: null }, {
        onConnect: () => undefined,
        onUpgrade: (status, _headers, socket) => {
          expect(status).toBe(101);
          socket.once('data', d => {
            resolve(String(d));
            socket.destroy();
          });
          socket.write('hello');
        },
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => reject(new Error('no upgrade')),
        onError: reject,
      });
    });
    expect(echoed).toBe('echo:hello');
    await upstreams.close();
    await backend.close();
  });
});
