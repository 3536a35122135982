/**
 * One request dispatched to an Http1Pool, from dispatch() to its one final callback
 * (onComplete or onError): writes itself on a connection, streams its body with backpressure,
 * relays the response to the handler, and knows whether it may be sent again.
 */
import type { Socket } from 'net';
import { Readable } from 'stream';
import { Dispatcher } from 'undici';
import type { Connection } from './connection';
import { UpstreamError } from './errors';
import { RequestHead } from './head';

/** RFC 9110 §9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export type RequestBody = null | Buffer | Readable;

export class PoolRequest {
  /** The connection it is written on, once it has one. */
  conn: Connection | undefined;
  /** onComplete or onError was called (or is being called); nothing else reaches the handler. */
  done = false;
  retried = false;
  /** Some byte of a response to it arrived: the backend saw it, so it is never sent again. */
  received = false;
  /** The whole request, body included, was handed to the socket. */
  written = false;
  readonly isHead: boolean;
  private readonly idempotent: boolean;
  /** Only for a streamed body, so that requests without one allocate none of its listeners. */
  private readonly stream: StreamedBody | undefined;

  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    readonly head: RequestHead,
    private readonly body: RequestBody,
    method: string,
    idempotent: boolean | undefined,
    /** The caller asked for a connection that is not reused afterwards. */
    readonly reset: boolean,
  ) {
    this.isHead = method === 'HEAD';
    this.idempotent = idempotent ?? IDEMPOTENT.has(method);
    if (body instanceof Readable) this.stream = new StreamedBody(this, body);
  }

  /** Given to the handler's onConnect: ends the request, and its connection with it. */
  readonly abort = (err?: Error): void => {
    this.fail(err ?? new UpstreamError('request aborted', 'UND_ERR_ABORTED'));
  };

  /** Given to the handler's onHeaders: reading resumes after onData returned false. Harmless once the request is over. */
  readonly resume = (): void => {
    const conn = this.conn;
    if (!this.done && conn !== undefined && conn.call === this) conn.resumeReading();
  };

  /**
   * Whether a connection failure before any response byte may be answered by sending it again
   * on a fresh connection: when nothing of its body was consumed (there is none, or none of the
   * stream was read), or when it is idempotent and its body is still at hand (bytes).
   */
  mayResend(): boolean {
    if (this.stream) return !this.stream.touched;
    return this.body === null || this.idempotent;
  }

  /** Writes the request on `conn`, which the caller made its connection. */
  send(conn: Connection): void {
    this.conn = conn;
    const socket = conn.socket;
    if (this.stream) {
      this.stream.start(socket);
      return;
    }
    const body = this.body as Buffer | null;
    if (body === null || body.length === 0) {
      socket.write(this.head.text, 'latin1');
    } else {
      socket.cork();
      socket.write(this.head.text, 'latin1');
      socket.write(body);
      socket.uncork();
    }
    this.written = true;
  }

  /** Undoes send() on a connection that failed, so the request can go out on another. */
  rewind(): void {
    this.stream?.stop(false);
    this.conn = undefined;
    this.written = false;
  }

  /** The socket took what it had queued: a paused body may stream again. */
  drained(): void {
    this.stream?.drained();
  }

  /** An interim (1xx) answer, reported like undici does; its return value means nothing. */
  informational(statusCode: number, headers: string[], statusText: string): void {
    try {
      this.handler.onHeaders?.(statusCode, headers as unknown as Buffer[], this.resume, statusText);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /**
   * The response head. The raw headers are latin1 strings as llhttp decoded them, not Buffers as
   * undici's type says; this proxy's handlers take both. False asks for a pause.
   */
  headers(statusCode: number, headers: string[], statusText: string): boolean {
    try {
      return this.handler.onHeaders?.(statusCode, headers as unknown as Buffer[], this.resume, statusText) !== false;
    } catch (err) {
      this.fail(err as Error);
      return true;
    }
  }

  data(chunk: Buffer): boolean {
    try {
      return this.handler.onData?.(chunk) !== false;
    } catch (err) {
      this.fail(err as Error);
      return true;
    }
  }

  /** The response ended. A request still sending its body then stops, and its connection is not reused. */
  complete(trailers: string[]): void {
    if (this.done) return;
    this.done = true;
    if (!this.written) this.stream?.stop(true);
    try {
      this.handler.onComplete?.(trailers);
    } catch {
      // The exchange is over: there is nobody left to tell.
    }
  }

  /** Ends the request with `err`; its connection, if any, is closed, never reused. */
  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.stream?.stop(true);
    const conn = this.conn;
    if (conn !== undefined && conn.call === this) {
      conn.call = null;
      conn.close(err);
    }
    try {
      this.handler.onError?.(err);
    } catch {
      // As above: a handler failing at its last callback has nobody to report to.
    }
  }
}

/**
 * A request body read from a stream as it comes: written as is under a Content-Length (which it
 * is held to), or re-chunked. The request head is corked until the first bytes, so that head and
 * body leave in one write.
 */
class StreamedBody {
  /** Something was read from the stream, or it ended: it cannot be sent again. */
  touched = false;
  private socket: Socket | undefined;
  private sent = 0;
  private corked = false;
  private awaitingDrain = false;
  private listening = false;

  constructor(private readonly request: PoolRequest, private readonly body: Readable) {}

  start(socket: Socket): void {
    this.socket = socket;
    this.sent = 0;
    this.awaitingDrain = false;
    socket.cork();
    this.corked = true;
    socket.write(this.request.head.text, 'latin1');
    const body = this.body;
    if (body.readableEnded) {
      this.end();
      return;
    }
    if (body.destroyed) {
      this.request.fail(new UpstreamError('the request body was destroyed before it was read', 'UND_ERR_ABORTED'));
      return;
    }
    body.on('data', this.data);
    body.on('end', this.end);
    body.on('error', this.error);
    body.on('close', this.close);
    this.listening = true;
    body.resume();
  }

  /**
   * Stops reading. `drain`: the request is over, so the rest is read and dropped, lest whatever
   * feeds the stream (the client's request, a mirror's tee) stall behind it; otherwise it is
   * left paused for another attempt.
   */
  stop(drain: boolean): void {
    this.unlisten();
    this.corked = false;
    if (drain) {
      if (!this.body.destroyed) this.body.resume();
    } else {
      this.body.pause();
    }
  }

  private unlisten(): void {
    if (!this.listening) return;
    this.listening = false;
    const body = this.body;
    body.removeListener('data', this.data);
    body.removeListener('end', this.end);
    body.removeListener('error', this.error);
    body.removeListener('close', this.close);
  }

  drained(): void {
    if (this.awaitingDrain && this.listening) {
      this.awaitingDrain = false;
      this.body.resume();
    }
  }

  private readonly data = (chunk: Buffer | string): void => {
    const socket = this.socket!;
    if (this.request.done || socket.destroyed) return;
    const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    // A zero-length chunk would read as the last chunk on the wire.
    if (n === 0) return;
    this.touched = true;
    const head = this.request.head;
    let ok: boolean;
    if (head.framing === 'chunked') {
      socket.cork();
      socket.write(`${n.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      if (this.sent + n > head.length) {
        this.request.fail(new UpstreamError(`the request body is longer than its content-length ${head.length}`, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'));
        return;
      }
      ok = socket.write(chunk);
    }
    this.sent += n;
    if (this.corked) {
      this.corked = false;
      socket.uncork();
    }
    if (!ok) {
      this.awaitingDrain = true;
      this.body.pause();
    }
  };

  private readonly end = (): void => {
    this.touched = true;
    this.unlisten();
    const request = this.request;
    const socket = this.socket!;
    if (request.done || socket.destroyed) return;
    const head = request.head;
    if (head.framing === 'length' && this.sent !== head.length) {
      request.fail(new UpstreamError(`the request body ended after ${this.sent} of its content-length ${head.length} bytes`, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'));
      return;
    }
    if (head.framing === 'chunked') socket.write('0\r\n\r\n', 'latin1');
    if (this.corked) {
      this.corked = false;
      socket.uncork();
    }
    request.written = true;
  };

  private readonly error = (err: Error): void => {
    this.request.fail(err);
  };

  private readonly close = (): void => {
    if (!this.request.written) this.request.fail(new UpstreamError('the request body closed before its end', 'UND_ERR_ABORTED'));
  };
}
