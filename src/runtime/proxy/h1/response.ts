/**
 * A response written by the HTTP/1 front end: the ClientResponse surface the proxy uses, over
 * the client socket directly. The head is one string; the body goes out as it comes, framed by
 * the Content-Length the backend sent, else chunked (HTTP/1.1) or delimited by closing the
 * connection (HTTP/1.0). Nothing is added to the head but framing and connection headers: no
 * Date, no X-Powered-By. Writes return the socket's backpressure and 'drain' follows it.
 */
import { STATUS_CODES } from 'http';
import type { Socket } from 'net';
import type { H1Request } from './request';
import type { ClientResponse } from '../http';

/** What a response needs of its connection. */
export interface ResponseOutput {
  readonly socket: Socket;
  /** The connection ends after this response: the server is closing, or the client half-closed. */
  readonly ending: boolean;
  /** `Connection: keep-alive` and `Keep-Alive: timeout=N`, ending the head. */
  readonly keepAliveTail: string;
  /** Corks the socket until the current tick ends, so a head and the body parts of one upstream read leave in one write. */
  corkTick(): void;
  /** The last byte of `response` was handed to the socket. */
  responseDone(response: H1Response): void;
}

/** RFC 9110 §5.1 token: what a header name may consist of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a field value may not contain (RFC 9110 §5.5): controls other than HTAB, which include CR, LF and NUL. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';

export class H1Response implements ClientResponse {
  headersSent = false;
  writableFinished = false;
  /** Decided by writeHead: the connection closes once this response is out. */
  closesConnection = false;
  private chunked = false;
  private bodiless = false;
  /** The client is gone, or the connection gave up on this exchange: writes go nowhere. */
  private dead = false;
  private drainListeners: (() => void)[] | undefined;
  private closeListeners: (() => void)[] | undefined;

  constructor(private readonly output: ResponseOutput, readonly request: H1Request) {}

  /**
   * Throws, before anything is written, on a header Node would refuse too (a name that is no
   * token, a value with CR, LF or NUL): the caller answers 502 instead.
   */
  writeHead(statusCode: number, headers: string[]): this {
    if (this.headersSent) throw new Error('response head already sent');
    const request = this.request;
    let head = `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Unknown'}\r\n`;
    let length = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      const value = headers[i + 1];
      if (!TOKEN.test(name) || INVALID_VALUE.test(value)) throw new Error(`invalid response header ${JSON.stringify(name)}`);
      // Framing and the connection are this hop's; the lengths compared first keep the common case free of lower-casing.
      const n = name.length;
      if (n === 10 || n === 14 || n === 17) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') length = true;
        else if (lower === 'connection' || lower === 'keep-alive' || lower === 'transfer-encoding') continue;
      }
      head += `${name}: ${value}\r\n`;
    }
    this.bodiless = request.method === 'HEAD' || statusCode === 204 || statusCode === 304 || statusCode < 200;
    let close = !request.keepAlive || this.output.ending;
    if (!this.bodiless && !length) {
      if (request.httpVersionMinor >= 1) {
        this.chunked = true;
        head += 'Transfer-Encoding: chunked\r\n';
      } else {
        // An HTTP/1.0 client knows no chunked coding: the body ends where the connection does.
        close = true;
      }
    }
    this.closesConnection = close;
    head += close ? 'Connection: close\r\n\r\n' : this.output.keepAliveTail;
    this.headersSent = true;
    if (this.dead) return this;
    this.output.corkTick();
    this.output.socket.write(head, 'latin1');
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.dead || this.bodiless || chunk.length === 0) return true;
    const socket = this.output.socket;
    if (!this.chunked) return socket.write(chunk);
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const more = socket.write(CRLF, 'latin1');
    socket.uncork();
    return more;
  }

  end(chunk?: string): this {
    if (this.writableFinished) return this;
    if (!this.headersSent) this.writeHead(200, []);
    if (!this.dead) {
      const socket = this.output.socket;
      if (chunk && !this.bodiless) {
        if (this.chunked) socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n${LAST_CHUNK}`);
        else socket.write(chunk);
      } else if (this.chunked) {
        socket.write(LAST_CHUNK, 'latin1');
      }
    }
    this.writableFinished = true;
    if (!this.dead) this.output.responseDone(this);
    this.emit(this.closeListeners);
    this.closeListeners = undefined;
    this.drainListeners = undefined;
    return this;
  }

  /** Cuts the connection: mid-body, the only way to tell the client its answer is incomplete. */
  destroy(): this {
    if (!this.writableFinished) this.output.socket.destroy();
    return this;
  }

  /** Headers are validated before any is kept, so a refused head leaves none behind. */
  getHeaderNames(): string[] {
    return [];
  }

  removeHeader(): void {}

  on(event: 'drain' | 'close', listener: () => void): this {
    if (event === 'drain') (this.drainListeners ??= []).push(listener);
    else (this.closeListeners ??= []).push(listener);
    return this;
  }

  once(event: 'close', listener: () => void): this {
    return this.on(event, listener);
  }

  /** The socket can take more. */
  drained(): void {
    this.emit(this.drainListeners);
  }

  /** The connection gave up on this exchange (its socket closed, or its request broke): 'close' before the end. */
  abandon(): void {
    if (this.writableFinished || this.dead) return;
    this.dead = true;
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    this.drainListeners = undefined;
    this.emit(listeners);
  }

  private emit(listeners: (() => void)[] | undefined): void {
    if (!listeners) return;
    for (const listener of listeners) listener();
  }
}
