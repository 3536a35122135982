/**
 * One client connection of the HTTP/1 front end, from its first byte to its close. The first
 * bytes tell HTTP/2 with prior knowledge (handed to node:http2) from HTTP/1; for HTTP/1 an
 * llhttp parser takes over the socket's reads. Requests are answered strictly in order: heads
 * that arrive while an answer is in progress (pipelining) wait in a queue, and only the request
 * at its front reaches the proxy. Timeouts are not timers: the connection keeps the time its
 * current wait began and the front end's sweep compares it with the bounds.
 */
import { STATUS_CODES } from 'http';
import type { Socket } from 'net';
import { ParseError, ParseMode, RequestParser, RequestSink } from './parser';
import { BodySource, H1Request } from './request';
import { H1Response, ResponseOutput } from './response';

/** The client connection preface of RFC 9113 §3.4, which no HTTP/1 request line can start like. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Heads parsed ahead of the answer in progress; past this, reading stops until the queue shrinks. */
const MAX_QUEUED = 16;

/** What the connection needs of the front end that accepted it. */
export interface ConnectionHost {
  readonly mode: ParseMode;
  /** Set once the front end stops: every answer then closes its connection. */
  readonly closing: boolean;
  readonly keepAliveTail: string;
  /** Takes connections that open with the HTTP/2 preface; undefined when ALPN already chose HTTP/1. */
  readonly h2c: ((socket: Socket, seen: Buffer) => void) | undefined;
  request(req: H1Request, res: H1Response): void;
  upgrade(req: H1Request, socket: Socket, head: Buffer): void;
  forget(connection: Connection): void;
}

/** What the sweep enforces on a connection, by what it is waiting for. */
export type Wait = 'first-bytes' | 'head' | 'idle' | 'closing' | 'busy';

export class Connection implements RequestSink, BodySource, ResponseOutput {
  /**
   * `performance.now()` when the current wait began; 0 means "not stamped yet": the sweep
   * stamps it on first sight, so that a request costs no clock read, and a bound is never
   * enforced early, at worst one sweep late.
   */
  since: number;
  private parser: RequestParser | undefined;
  private seen: Buffer | undefined;
  /** Requests whose head is complete and that have not been answered, oldest first; the first may be active. */
  private readonly queue: H1Request[] = [];
  private active: H1Response | undefined;
  /** The request whose message llhttp is parsing (its body goes there), if it was taken. */
  private parsing: H1Request | undefined;
  /** Bytes of a head that is not complete yet have arrived. */
  private headPending = false;
  /** No more requests are taken (one failed, an upgrade took the rest of the stream, or the connection ends): llhttp's reports are ignored. */
  private refusing = false;
  /** The status to answer, then close, once the requests before the failure are answered. */
  private failure = 0;
  private shutting = false;
  private clientEnded = false;
  private bodyFullFor: H1Request | undefined;
  private queueFull = false;
  private corked = false;
  private detached = false;

  constructor(private readonly host: ConnectionHost, readonly socket: Socket) {
    this.since = performance.now();
    socket.on('data', this.onSniff);
    socket.on('end', this.onClientEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
  }

  /** Whether the connection has nothing to do: no request, whole or partial, in progress. */
  get idle(): boolean {
    return this.parser !== undefined && !this.shutting && !this.active && this.queue.length === 0 && !this.headPending && this.parsing === undefined;
  }

  /** Whether the answer in progress is the connection's last: the front end is closing, or the client half-closed after it. */
  get ending(): boolean {
    return this.host.closing || (this.clientEnded && this.queue.length <= 1);
  }

  get keepAliveTail(): string {
    return this.host.keepAliveTail;
  }

  /** What the sweep should hold this connection to. */
  get wait(): Wait {
    if (this.detached) return 'busy';
    if (this.shutting) return 'closing';
    if (!this.parser) return 'first-bytes';
    if (this.active || this.queue.length > 0 || this.parsing) return 'busy';
    return this.headPending ? 'head' : 'idle';
  }

  /** The head did not arrive in time: 408 when part of it came, otherwise just close. */
  timedOut(): void {
    if (this.headPending) this.answerAndClose(408);
    else this.socket.destroy();
  }

  /** Closes at once if nothing is in progress; a busy connection closes after its answer (see `ending`). */
  closeIfIdle(): void {
    if (!this.parser || this.idle) this.socket.destroy();
  }

  // ---- sniffing

  private readonly onSniff = (chunk: Buffer): void => {
    const seen = this.seen = this.seen === undefined ? chunk : Buffer.concat([this.seen, chunk]);
    const h2c = this.host.h2c;
    const compared = Math.min(seen.length, PREFACE.length);
    const h2 = h2c !== undefined && seen.compare(PREFACE, 0, compared, 0, compared) === 0;
    if (h2 && compared < PREFACE.length) return;
    this.socket.off('data', this.onSniff);
    this.seen = undefined;
    if (h2) {
      this.release();
      h2c(this.socket, seen);
      return;
    }
    // The first head is bounded from the accept, as node:http does, not from its first byte.
    this.headPending = true;
    this.parser = new RequestParser(this.socket, this);
    this.parser.start(seen, this.host.mode);
  };

  // ---- llhttp's reports (RequestSink)

  onHead(method: string, url: string, headers: string[], major: number, minor: number, upgrade: boolean, keepAlive: boolean): number {
    this.headPending = false;
    if (this.refusing) return 0;
    let hosts = 0;
    let expect: string | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const n = headers[i].length;
      if (n === 4 && headers[i].toLowerCase() === 'host') hosts++;
      else if (n === 6 && headers[i].toLowerCase() === 'expect') expect = headers[i + 1];
    }
    // node:http's requireHostHeader for HTTP/1.1, and RFC 9112 §3.2: exactly one Host.
    let refused = 0;
    if (major !== 1) refused = 505;
    else if (hosts > 1 || (hosts === 0 && minor === 1)) refused = 400;
    else if (method === 'CONNECT') refused = 405;
    else if (expect !== undefined && expect.toLowerCase() !== '100-continue') refused = 417;
    if (refused) {
      this.refuse(refused);
      return 0;
    }
    const request = new H1Request(method, url, headers, major, minor, this.socket, keepAlive, upgrade, expect !== undefined && minor === 1, this);
    this.queue.push(request);
    if (!upgrade) this.parsing = request;
    if (this.queue.length > MAX_QUEUED) {
      this.queueFull = true;
      this.parser!.pause();
    }
    // The bytes after an upgrade's head are the other protocol's, whatever its framing says.
    return upgrade ? 2 : 0;
  }

  onBody(chunk: Buffer): void {
    this.parsing?.pushBody(chunk);
  }

  onEnd(): void {
    const request = this.parsing;
    if (!request) return;
    this.parsing = undefined;
    request.finish();
    if (this.bodyFullFor === request) {
      this.bodyFullFor = undefined;
      this.updateReading();
    }
  }

  onRead(result: number | ParseError, read: Buffer | undefined): void {
    if (this.refusing) {
      if (!this.active) this.next();
      return;
    }
    if (typeof result !== 'number') {
      this.parseFailed(result);
      return;
    }
    const last = this.queue[this.queue.length - 1];
    if (last?.upgrade && last.upgradeHead === undefined) {
      const bytes = read ?? this.parser!.currentRead();
      last.upgradeHead = bytes.subarray(result);
      this.parser!.detach();
      this.refusing = true;
    } else if (!this.headPending && this.parsing === undefined && this.parser!.midMessage) {
      this.headPending = true;
      this.since = 0;
    }
    // Requests start only after the whole read is parsed: an error llhttp finds right after a
    // head (an invalid Transfer-Encoding) then refuses the request before any byte went upstream.
    if (!this.active) this.next();
  }

  // ---- bodies (BodySource)

  bodyFull(request: H1Request): void {
    if (request !== this.parsing) return;
    this.bodyFullFor = request;
    this.parser?.pause();
  }

  bodyWanted(request: H1Request): void {
    if (this.bodyFullFor !== request) return;
    this.bodyFullFor = undefined;
    this.updateReading();
  }

  // ---- answers (ResponseOutput)

  corkTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.uncork);
  }

  responseDone(response: H1Response): void {
    if (this.corked) this.uncork();
    if (this.active !== response) return;
    this.active = undefined;
    const request = response.request;
    this.queue.shift();
    if (response.closesConnection) {
      this.shutdown();
      return;
    }
    request.drop();
    if (this.queueFull && this.queue.length <= MAX_QUEUED) {
      this.queueFull = false;
      this.updateReading();
    }
    this.since = 0;
    // The next request starts on a later tick: this may run inside the upstream's callbacks.
    if (this.queue.length > 0 || this.failure || this.clientEnded) process.nextTick(this.next);
  }

  // ---- the queue

  private readonly next = (): void => {
    if (this.active || this.shutting || this.detached) return;
    const request = this.queue[0];
    if (!request) {
      if (this.failure) this.answerAndClose(this.failure);
      else if (this.clientEnded && !this.parsing) this.shutdown();
      return;
    }
    if (request.upgrade) {
      if (request.upgradeHead !== undefined) this.handOver(request);
      return;
    }
    const response = new H1Response(this, request);
    this.active = response;
    if (request.expectsContinue && !request.complete) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    this.host.request(request, response);
  };

  private handOver(request: H1Request): void {
    this.queue.shift();
    this.release();
    this.parser?.detach();
    this.parser?.dispose();
    this.host.upgrade(request, this.socket, request.upgradeHead!);
  }

  /**
   * llhttp refused the bytes. The request whose body it was parsing gets the error status in
   * place of its answer if none started (else the connection is cut); a bad head gets it after
   * the answers to the requests before it.
   */
  private parseFailed(error: ParseError): void {
    const code = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
    const broken = this.parsing;
    this.parsing = undefined;
    if (broken) {
      broken.abort();
      this.queue.splice(this.queue.indexOf(broken), 1);
      if (this.active?.request === broken) {
        const response = this.active;
        this.active = undefined;
        if (response.headersSent) {
          this.socket.destroy();
          return;
        }
        response.abandon();
      }
    }
    this.refuse(code);
    if (!this.active) this.next();
  }

  /** Takes no more requests; `code` is answered once the ones before are. Reading stops until then. */
  private refuse(code: number): void {
    this.refusing = true;
    this.failure = code;
    this.headPending = false;
    this.parser?.pause();
  }

  // ---- the socket

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    // A head or a body cut short by the client: nothing can be answered.
    if (!this.parser || this.headPending || this.parsing) {
      this.socket.destroy();
      return;
    }
    if (!this.active && this.queue.length === 0) this.shutdown();
  };

  private readonly onDrain = (): void => {
    this.active?.drained();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.host.forget(this);
    this.active?.abandon();
    this.active = undefined;
    for (const request of this.queue) request.abort();
    this.queue.length = 0;
    this.parsing?.abort();
    this.parsing = undefined;
    this.parser?.dispose();
  };

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  /** Answers with a bare status and closes, as node:http answers what it cannot parse. */
  private answerAndClose(code: number): void {
    if (this.shutting) return;
    this.socket.write(`HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nConnection: close\r\n\r\n`, 'latin1');
    this.shutdown();
  }

  /**
   * Ends the connection once what was written is out. Whatever the client still sends is read
   * and dropped, so that no unread bytes turn the close into a reset that could destroy the
   * answer in flight; the sweep cuts a client that never closes its side.
   */
  private shutdown(): void {
    if (this.shutting) return;
    this.shutting = true;
    this.refusing = true;
    this.since = 0;
    for (const request of this.queue) request.abort();
    this.queue.length = 0;
    this.parsing?.abort();
    this.parsing = undefined;
    this.bodyFullFor = undefined;
    this.queueFull = false;
    this.parser?.resume();
    this.socket.end();
  }

  private updateReading(): void {
    if (!this.parser || this.detached) return;
    if (this.shutting || (!this.refusing && !this.bodyFullFor && !this.queueFull)) this.parser.resume();
  }

  /** The socket is no longer this front end's to track (HTTP/2, an upgrade). */
  private release(): void {
    if (this.detached) return;
    this.detached = true;
    this.host.forget(this);
    // Half-closing is this front end's business; whoever takes the socket over gets Node's default.
    this.socket.allowHalfOpen = false;
    this.socket.off('end', this.onClientEnd);
    this.socket.off('close', this.onClose);
    this.socket.off('drain', this.onDrain);
    this.socket.off('error', this.onError);
  }
}
