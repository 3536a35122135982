/**
 * Requests parsed by Node's own llhttp binding, `require('_http_common').HTTPParser`: the parser
 * node:http's server runs, without IncomingMessage and ServerResponse around it. It is internal
 * and outside semver (callback slot numbers, `initialize()` arguments, the body callback's shape
 * and `consume()` have changed between Node majors), so everything that touches it is in this
 * file, and a self-test at load parses known requests before a front end relies on it.
 * `PARSE_MODE` is what passed: `consume` lets llhttp read the socket's libuv stream in C++ (no
 * Buffer and no stream machinery per read), `data` feeds execute() from 'data' events, and
 * undefined means the front end must stay on node:http.
 */
import { maxHeaderSize } from 'http';
import type { Socket } from 'net';
import { LlhttpBinding, LlhttpParser, LlhttpParserClass, loadBinding, StreamHandle } from '../llhttp-binding';

export type ParseMode = 'consume' | 'data';

/** A parse error as llhttp reports it: `code` is the llhttp error name (HPE_...). */
export interface ParseError extends Error {
  readonly code: string;
}

/**
 * What a request parser reports. Handlers must not throw: an exception inside llhttp's
 * callbacks escapes as uncaught.
 */
export interface RequestSink {
  /**
   * A complete request head. Returns 0 to read the body its framing announces, 2 to stop
   * parsing after the head (an upgrade: what follows is another protocol).
   */
  onHead(method: string, url: string, headers: string[], major: number, minor: number, upgrade: boolean, keepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onEnd(): void;
  /**
   * One read was parsed: `parsed` bytes of it, or the error that stopped llhttp. `read` is the
   * read itself in `data` mode; in `consume` mode it is only copied out on request (upgrades).
   */
  onRead(result: number | ParseError, read: Buffer | undefined): void;
}

/** The native parser with the fields this file keeps on it, so its shared callbacks need no closures. */
interface NativeParser extends LlhttpParser {
  sink?: RequestSink;
  pending?: string[];
  url?: string;
  execute(data: Buffer): number | ParseError;
}

type NativeParserClass = LlhttpParserClass<NativeParser>;

interface Binding extends LlhttpBinding {
  readonly HTTPParser: NativeParserClass;
}

/**
 * llhttp hands over at most 32 header fields at once: past that it flushes them (with the URL
 * read so far) early through kOnHeaders and, for the rest of the parser's life, passes neither
 * list nor URL to kOnHeadersComplete. Chunked trailers come through kOnHeaders too, after the
 * head; the proxy forwards none, so they are dropped at the message end. The callbacks are
 * shared functions that find their sink on the parser (`this`), so a connection costs no
 * closures; a disposed parser has none and reports nothing.
 */
function onHeaders(this: NativeParser, headers: string[], url: string): void {
  const pending = this.pending ??= [];
  for (let i = 0; i < headers.length; i++) pending.push(headers[i]);
  this.url = this.url === undefined ? url : this.url + url;
}

function onHeadersComplete(
  this: NativeParser, major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined,
  _status: unknown, _statusText: unknown, upgrade: boolean, keepAlive: boolean,
): number {
  if (headers === undefined) {
    headers = this.pending ?? [];
    url = this.url ?? '';
  }
  this.pending = undefined;
  this.url = undefined;
  return this.sink?.onHead(binding!.methods[method] ?? '', url ?? '', headers, major, minor, upgrade, keepAlive) ?? 0;
}

function onBody(this: NativeParser, chunk: Buffer): void {
  this.sink?.onBody(chunk);
}

function onMessageComplete(this: NativeParser): void {
  this.pending = undefined;
  this.url = undefined;
  this.sink?.onEnd();
}

function onExecute(this: NativeParser, ret: number | ParseError): void {
  this.sink?.onRead(ret, undefined);
}

function wire(parser: NativeParser, P: NativeParserClass, sink: RequestSink): void {
  parser.sink = sink;
  parser[P.kOnHeaders] = onHeaders;
  parser[P.kOnHeadersComplete] = onHeadersComplete;
  parser[P.kOnBody] = onBody;
  parser[P.kOnMessageComplete] = onMessageComplete;
  parser[P.kOnExecute] = onExecute;
}

/** One connection's request parser: feeds it, pauses and resumes reads, and releases it. */
export class RequestParser {
  private readonly parser: NativeParser;
  /** Set while llhttp reads the stream itself: then only readStop() stops reads, socket.pause() does not. */
  private handle: StreamHandle | undefined;
  private onData: ((chunk: Buffer) => void) | undefined;
  /** Detached or disposed: the parser sees no more reads. */
  private stopped = false;
  private disposed = false;
  private paused = false;

  constructor(private readonly socket: Socket, sink: RequestSink) {
    const P = binding!.HTTPParser;
    this.parser = new P();
    // node:http's head limit (16 KiB unless --max-http-header-size says otherwise); no lenient flags.
    this.parser.initialize(P.REQUEST, socket, maxHeaderSize, 0);
    wire(this.parser, P, sink);
  }

  /**
   * Parses the bytes already read (while sniffing for HTTP/2), then takes over the socket's
   * reads in `mode`. Reads stay with the caller when `first` stopped the parser (an upgrade).
   */
  start(first: Buffer, mode: ParseMode): void {
    const sink = this.parser.sink!;
    sink.onRead(this.parser.execute(first), first);
    if (this.stopped || this.socket.destroyed) return;
    const handle = (this.socket as unknown as { _handle?: StreamHandle | null })._handle;
    if (mode === 'consume' && handle && typeof handle.readStop === 'function') {
      try {
        this.parser.consume(handle);
        this.handle = handle;
        this.apply();
        return;
      } catch {
        // A handle that is no StreamBase (Node-version drift): 'data' events instead.
      }
    }
    this.onData = (chunk: Buffer) => sink.onRead(this.parser.execute(chunk), chunk);
    this.socket.on('data', this.onData);
    this.apply();
  }

  get mode(): ParseMode {
    return this.handle ? 'consume' : 'data';
  }

  /** Whether the parser is inside a message: its head started, or more of its body is due. */
  get midMessage(): boolean {
    return !this.parser.headersCompleted();
  }

  /** The read being parsed, copied; only valid inside onRead in `consume` mode. */
  currentRead(): Buffer {
    return this.parser.getCurrentBuffer();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.apply();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.apply();
  }

  /**
   * Gives the socket's reads back to the socket, paused, so that bytes after this point
   * stay buffered for whoever takes the socket over. The parser sees nothing more.
   */
  detach(): void {
    this.stopped = true;
    if (this.handle) {
      this.parser.unconsume();
      this.handle = undefined;
    }
    if (this.onData) {
      this.socket.off('data', this.onData);
      this.onData = undefined;
    }
    this.socket.pause();
  }

  /**
   * Puts `paused` into effect. In `consume` mode the socket's Readable stays flowing, so that
   * the end of the stream, which llhttp passes on, still reaches it.
   */
  private apply(): void {
    if (this.stopped || this.socket.destroyed) return;
    const handle = this.handle;
    if (handle) {
      if (this.paused && handle.reading !== false) {
        handle.reading = false;
        handle.readStop();
      } else if (!this.paused && handle.reading === false) {
        handle.reading = true;
        handle.readStart();
      }
    } else if (this.onData) {
      if (this.paused) this.socket.pause();
      else this.socket.resume();
    }
  }

  /**
   * After the socket closed or was handed over. The native object is deleted on a later turn:
   * this may run while llhttp is still inside a callback of the same parser.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopped = true;
    const parser = this.parser;
    if (this.handle) parser.unconsume();
    this.handle = undefined;
    if (this.onData) this.socket.off('data', this.onData);
    parser.sink = undefined;
    parser.free();
    setImmediate(() => parser.close());
  }
}

/**
 * Parses a fixed set of requests that covers every callback and return value the front end
 * relies on: a chunked body with a trailer, more than 32 header fields (the early-flush path),
 * a pipelined head cut short, an upgrade that stops the parser, and errors with their codes.
 */
function selfTest(b: Binding): boolean {
  const P = b.HTTPParser;
  for (const slot of [P.REQUEST, P.kOnHeaders, P.kOnHeadersComplete, P.kOnBody, P.kOnMessageComplete, P.kOnExecute]) {
    if (typeof slot !== 'number') return false;
  }
  for (const method of ['execute', 'headersCompleted', 'free', 'close'] as const) {
    if (typeof P.prototype[method] !== 'function') return false;
  }
  const many: string[] = [];
  for (let i = 0; i < 40; i++) many.push(`X-${i}`, `${i}`);
  const chunked = 'POST /a?b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 2\r\n\r\n';
  const flushed = `GET /many HTTP/1.1\r\n${many.map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`)).join('')}\r\n`;
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n';
  const expected = [
    'head POST /a?b Host,h,Transfer-Encoding,chunked 1.1 false true', 'body abc', 'end',
    `head GET /many ${many.join(',')} 1.1 false true`, 'end',
    'head GET /ws Host,h,Connection,upgrade,Upgrade,websocket 1.1 true true', 'end',
  ];
  const seen: string[] = [];
  const sink: RequestSink = {
    onHead: (method, url, headers, major, minor, up, keepAlive) => {
      seen.push(`head ${method} ${url} ${headers.join(',')} ${major}.${minor} ${up} ${keepAlive}`);
      return up ? 2 : 0;
    },
    onBody: chunk => seen.push(`body ${Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk}`),
    onEnd: () => seen.push('end'),
    onRead: () => undefined,
  };
  const parser = new P();
  const bad = (text: string, code: string): boolean => {
    parser.initialize(P.REQUEST, {}, maxHeaderSize, 0);
    const ret = parser.execute(Buffer.from(text, 'latin1'));
    // Not `instanceof Error`: the binding makes its errors in Node's main realm, which need not be the caller's (jest).
    return typeof ret === 'object' && ret !== null && ret.code === code;
  };
  try {
    parser.initialize(P.REQUEST, {}, maxHeaderSize, 0);
    wire(parser, P, sink);
    const first = Buffer.from(`${chunked}${flushed}GET /next HT`, 'latin1');
    if (parser.execute(first) !== first.length || !seen.length || parser.headersCompleted()) return false;
    parser.initialize(P.REQUEST, {}, maxHeaderSize, 0);
    const second = Buffer.from(`${upgrade}frames`, 'latin1');
    if (parser.execute(second) !== upgrade.length) return false;
    if (seen.join('\n') !== expected.join('\n')) return false;
    return bad('GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN')
      && bad(`GET / HTTP/1.1\r\nX: ${'a'.repeat(maxHeaderSize)}\r\n\r\n`, 'HPE_HEADER_OVERFLOW');
  } catch {
    return false;
  } finally {
    parser.sink = undefined;
    parser.free();
    parser.close();
  }
}

const binding = loadBinding() as Binding | undefined;

function probe(): ParseMode | undefined {
  if (!binding || !selfTest(binding)) return undefined;
  const proto = binding.HTTPParser.prototype;
  const consumes = typeof proto.consume === 'function' && typeof proto.unconsume === 'function' && typeof proto.getCurrentBuffer === 'function';
  return consumes ? 'consume' : 'data';
}

/** How this Node can parse requests with llhttp, or undefined when its parser is not the shape this file knows. */
export const PARSE_MODE: ParseMode | undefined = probe();

/**
 * The mode for a new front end: PARSE_MODE, unless CDK8S_GATEWAY_HTTP1 rules out the faster
 * paths (`data`: no consume(); `node`: node:http), an escape hatch should a Node upgrade break
 * them in a way the self-test does not catch.
 */
export function parseMode(): ParseMode | undefined {
  const forced = process.env.CDK8S_GATEWAY_HTTP1;
  if (forced === 'node' || PARSE_MODE === undefined) return undefined;
  return forced === 'data' ? 'data' : PARSE_MODE;
}
