/**
 * Responses parsed by Node's own llhttp binding, `require('_http_common').HTTPParser`, the parser
 * node:http uses. It is internal and outside semver: the callback slot numbers, the arguments of
 * `initialize()`, the body callback's shape and `consume()` have all changed between Node majors.
 * Everything that touches it is in this file. A self-test at load decides whether the pool may
 * use it at all (`READ_MODE` undefined: no), and whether llhttp may read the socket itself in C++
 * (`consume`, no Buffer or stream machinery per read) or gets fed from 'data' events (`execute`).
 */
import type { Socket } from 'net';
import { LlhttpParser, LlhttpParserClass, loadBinding, StreamHandle } from '../llhttp-binding';

/** `consume`: llhttp reads the libuv stream directly. `execute`: 'data' events feed it. */
export type ReadMode = 'consume' | 'execute';

/**
 * What a response parser reports. Handlers must not throw: an exception inside llhttp's
 * callbacks escapes as uncaught. (Errors from the binding are told apart by shape, never with
 * `instanceof Error`: they come from the main realm, which is not the caller's under a test VM.)
 */
export interface ResponseSink {
  /** The head of a response. Returns 0 to read the body its framing announces, 1 when none follows (a HEAD answer), -1 to stop. */
  onHead(statusCode: number, statusText: string, headers: string[], keepAlive: boolean, upgrade: boolean): number;
  onBody(chunk: Buffer): void;
  /** A message is complete; `trailers` is a flat list, empty when none came. */
  onEnd(trailers: string[]): void;
  /** One read from the socket was parsed, with the parse error if the bytes were not HTTP. */
  onRead(error: Error | undefined): void;
}

type NativeParser = LlhttpParser;
type NativeParserClass = LlhttpParserClass;

const HTTPParser = loadBinding()?.HTTPParser;

/**
 * Hooks llhttp's callbacks to a sink. llhttp hands over at most 32 header fields at once: past
 * that it flushes them early through kOnHeaders and, from then on for the parser's whole life,
 * passes no list to kOnHeadersComplete. Trailers come through kOnHeaders as well, after the
 * head. So kOnHeaders collects into `pending`, which the head takes or the message end reports.
 */
function wire(parser: NativeParser, P: NativeParserClass, sink: ResponseSink): void {
  let pending: string[] = [];
  parser[P.kOnHeaders] = (headers: string[]) => {
    for (let i = 0; i < headers.length; i++) pending.push(headers[i]);
  };
  parser[P.kOnHeadersComplete] = (
    _major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown,
    statusCode: number, statusText: string, upgrade: boolean, keepAlive: boolean,
  ): number => {
    let all = headers;
    if (all === undefined) {
      all = pending;
      pending = [];
    } else if (pending.length > 0) {
      pending = [];
    }
    return sink.onHead(statusCode, statusText, all, keepAlive, upgrade);
  };
  parser[P.kOnBody] = (chunk: Buffer) => sink.onBody(chunk);
  parser[P.kOnMessageComplete] = () => {
    const trailers = pending;
    if (trailers.length > 0) pending = [];
    sink.onEnd(trailers);
  };
  parser[P.kOnExecute] = (ret: number | Error) => sink.onRead(typeof ret === 'number' ? undefined : ret);
}

/** One socket's response parser: reads, pauses and resumes it, and releases the native parser when the socket is gone. */
export class ResponseReader {
  private readonly parser: NativeParser;
  /** Set when llhttp reads the stream itself: then only readStop() stops reads, socket.pause() does not. */
  private readonly handle: StreamHandle | undefined;
  private disposed = false;

  /** `mode` is a preference: a socket whose handle cannot be consumed is fed from 'data' events. Call once the socket is connected. */
  constructor(private readonly socket: Socket, sink: ResponseSink, mode: ReadMode) {
    const P = HTTPParser!;
    const parser = new P();
    // Default header size limit (16 KiB, --max-http-header-size), strict parsing.
    parser.initialize(P.RESPONSE, {}, 0, 0);
    wire(parser, P, sink);
    this.parser = parser;
    const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
    if (mode === 'consume' && handle && typeof handle.readStop === 'function') {
      try {
        parser.consume(handle);
        this.handle = handle;
        return;
      } catch {
        // A handle that is no StreamBase (Node-version drift): fall through to 'data' events.
      }
    }
    socket.on('data', (chunk: Buffer) => {
      const ret = parser.execute(chunk);
      sink.onRead(typeof ret === 'number' ? undefined : ret);
    });
  }

  get mode(): ReadMode {
    return this.handle ? 'consume' : 'execute';
  }

  pause(): void {
    const handle = this.handle;
    if (!handle) {
      this.socket.pause();
    } else if (!this.socket.destroyed && handle.reading !== false) {
      handle.reading = false;
      handle.readStop();
    }
  }

  resume(): void {
    const handle = this.handle;
    if (!handle) {
      this.socket.resume();
    } else if (!this.socket.destroyed && handle.reading === false) {
      handle.reading = true;
      handle.readStart();
    }
  }

  /** The peer ended the stream: completes a close-delimited body, or says what was cut short. */
  finish(): Error | undefined {
    if (this.disposed) return undefined;
    return this.parser.finish() ?? undefined;
  }

  /**
   * After the socket closed. The native object is deleted on a later turn: this may run while
   * llhttp is still inside a callback of the same parser (ticks drain after each body callback).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const parser = this.parser;
    if (this.handle) parser.unconsume();
    parser.free();
    setImmediate(() => parser.close());
  }
}

/**
 * Parses a fixed set of responses that covers every callback the pool relies on: an interim
 * answer, a chunked body with a trailer, a head-only answer, more than 32 header fields (the
 * early-flush path) after the trailer flush, and a close-delimited HTTP/1.0 body; then an error.
 */
function selfTest(P: NativeParserClass): boolean {
  for (const slot of [P.RESPONSE, P.kOnHeaders, P.kOnHeadersComplete, P.kOnBody, P.kOnMessageComplete, P.kOnExecute]) {
    if (typeof slot !== 'number') return false;
  }
  const many: string[] = [];
  for (let i = 0; i < 40; i++) many.push(`X-${i}`, `${i}`);
  const sample = 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'
    + 'HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 2\r\n\r\n'
    + 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'
    + `HTTP/1.1 204 No Content\r\n${many.map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`)).join('')}\r\n`
    + 'HTTP/1.0 200 OK\r\n\r\nxyz';
  const expected = [
    'head 103 Early Hints Link,</a> true false', 'end ',
    'head 200 OK X-A,1,Transfer-Encoding,chunked true false', 'body abc', 'end X-T,2',
    'head 200 OK Content-Length,5 true false', 'end ',
    `head 204 No Content ${many.join(',')} true false`, 'end ',
    'head 200 OK  false false', 'body xyz', 'read', 'end ',
  ];
  const seen: string[] = [];
  const sink: ResponseSink = {
    onHead: (status, text, headers, keepAlive, upgrade) => {
      seen.push(`head ${status} ${text} ${headers.join(',')} ${keepAlive} ${upgrade}`);
      // The third answer stands for one to HEAD: its Content-Length announces no body here.
      return seen.length === 6 ? 1 : 0;
    },
    onBody: chunk => seen.push(`body ${Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk}`),
    onEnd: trailers => seen.push(`end ${trailers.join(',')}`),
    onRead: error => seen.push(error ? 'error' : 'read'),
  };
  const parser = new P();
  try {
    parser.initialize(P.RESPONSE, {}, 0, 0);
    wire(parser, P, sink);
    const bytes = Buffer.from(sample, 'latin1');
    const ret = parser.execute(bytes);
    if (ret !== bytes.length) return false;
    seen.push('read');
    if (parser.finish() !== undefined) return false;
    if (seen.join('\n') !== expected.join('\n')) return false;
    parser.initialize(P.RESPONSE, {}, 0, 0);
    const bad = parser.execute(Buffer.from('XTTP/1.1 200 OK\r\n\r\n', 'latin1'));
    return typeof bad === 'object' && typeof (bad as { code?: unknown }).code === 'string';
  } catch {
    return false;
  } finally {
    parser.free();
    parser.close();
  }
}

function probe(): ReadMode | undefined {
  if (!HTTPParser || !selfTest(HTTPParser)) return undefined;
  const proto = HTTPParser.prototype as Partial<NativeParser>;
  return typeof proto.consume === 'function' && typeof proto.unconsume === 'function' ? 'consume' : 'execute';
}

/** How this Node can parse responses with llhttp, or undefined when its parser is not the shape this file knows. */
export const READ_MODE: ReadMode | undefined = probe();
