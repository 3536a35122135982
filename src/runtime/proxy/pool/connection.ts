/**
 * One keep-alive TCP connection to a backend: at most one request at a time (no pipelining),
 * its response parsed by llhttp, handed back to the pool when the exchange ended cleanly.
 */
import * as net from 'net';
import { malformedResponse, UpstreamError } from './errors';
import { ReadMode, ResponseReader, ResponseSink } from './llhttp';
import type { PoolRequest } from './request';

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly readMode: ReadMode;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** The response ended and the read that carried it was parsed: park the connection, or close it. */
  release(conn: Connection): void;
  /** The connection closed; it is in no list any more. */
  forget(conn: Connection, wasIdle: boolean): void;
  /** The connection closed under `call`, which is not done: send it again or fail it. */
  lost(call: PoolRequest, conn: Connection, err: Error | undefined): void;
}

/**
 * `busy`: a request is on it (connecting counts). `releasing`: its response ended within the
 * current read; it is parked once that read is fully parsed, so bytes that trail the response
 * in the same read are seen before any other request could own them. `idle`: parked.
 */
export type ConnectionState = 'busy' | 'releasing' | 'idle' | 'closed';

/** undici's margin below a backend's announced `Keep-Alive: timeout`, so we close first. */
const KEEP_ALIVE_MARGIN_MS = 2_000;

export class Connection implements ResponseSink {
  readonly socket: net.Socket;
  state: ConnectionState = 'busy';
  /** The request it serves, null between requests. */
  call: PoolRequest | null = null;
  /** It served a request before the current one: the backend may have closed it meanwhile. */
  reused = false;
  /** When parked, the time (ms since epoch) after which it is closed. */
  idleUntil = 0;
  /** The last response allows another request on this connection. */
  keepAlive = false;
  /** How long it may stay parked, the pool's limit or less when the backend announced less. */
  idleMs: number;
  private reader: ResponseReader | undefined;
  private readPaused = false;
  /** The current message is a 1xx, whose end is not the response's end. */
  private interim = false;
  private error: Error | undefined;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly owner: ConnectionOwner, host: string, port: number) {
    this.idleMs = owner.idleTimeoutMs;
    const socket = net.connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });
    this.socket = socket;
    this.connectTimer = setTimeout(() => {
      this.close(new UpstreamError(`connecting to ${host}:${port} timed out after ${owner.connectTimeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT'));
    }, owner.connectTimeoutMs);
    socket.once('connect', this.socketConnect);
    socket.on('error', this.socketError);
    socket.on('end', this.socketEnd);
    socket.on('close', this.socketClose);
    socket.on('drain', this.socketDrain);
  }

  /** Gives it `call` and writes the request. */
  take(call: PoolRequest): void {
    if (this.state === 'idle') {
      this.socket.ref();
      // A connection parked paused would never see its response (nor the backend's close).
      this.resumeReading();
    }
    this.state = 'busy';
    this.call = call;
    this.interim = false;
    call.send(this);
  }

  /** Parks it: it keeps reading, so a close by the backend is noticed while it waits. */
  park(now: number): void {
    this.state = 'idle';
    this.reused = true;
    this.idleUntil = now + this.idleMs;
    this.resumeReading();
    // Idle keep-alive connections do not hold the process open, as undici's do not.
    this.socket.unref();
  }

  pauseReading(): void {
    if (this.readPaused || this.state === 'closed') return;
    this.readPaused = true;
    this.reader?.pause();
  }

  resumeReading(): void {
    if (!this.readPaused || this.state === 'closed') return;
    this.readPaused = false;
    this.reader?.resume();
  }

  /**
   * Closes the socket, at once and for good. The request on it, if any, is reported lost to the
   * pool with `err` (undefined: the backend closed it).
   */
  close(err?: Error): void {
    if (this.state === 'closed') return;
    const wasIdle = this.state === 'idle';
    this.state = 'closed';
    this.error ??= err;
    clearTimeout(this.connectTimer);
    this.owner.forget(this, wasIdle);
    if (!this.socket.destroyed) this.socket.destroy();
    const call = this.call;
    if (call !== null) {
      this.call = null;
      this.owner.lost(call, this, err);
    }
  }

  onHead(statusCode: number, statusText: string, headers: string[], keepAlive: boolean, upgrade: boolean): number {
    const call = this.call;
    if (call === null) {
      this.close(new UpstreamError('the backend answered a request it was not sent', 'UND_ERR_SOCKET'));
      return -1;
    }
    call.received = true;
    if (upgrade || statusCode === 101) {
      // Upgrades never take this path, so a switch of protocols is one nobody asked for.
      call.fail(new UpstreamError('the backend switched protocols unasked', 'UND_ERR_SOCKET'));
      return -1;
    }
    if (statusCode < 200) {
      this.interim = true;
      call.informational(statusCode, headers, statusText);
      return this.call === call ? 1 : -1;
    }
    this.keepAlive = keepAlive && !call.reset;
    if (this.keepAlive) this.keepAliveFor(headers);
    const go = call.headers(statusCode, headers, statusText);
    // The handler may have aborted the request from its callback.
    if (this.call !== call) return -1;
    if (!go) this.pauseReading();
    // An answer to HEAD announces a body it does not carry.
    return call.isHead ? 1 : 0;
  }

  onBody(chunk: Buffer): void {
    const call = this.call;
    if (call !== null && !call.data(chunk)) this.pauseReading();
  }

  onEnd(trailers: string[]): void {
    if (this.interim) {
      this.interim = false;
      return;
    }
    const call = this.call;
    if (call === null) return;
    this.call = null;
    this.state = 'releasing';
    // A request whose body is still going out cannot be followed by another on this connection.
    if (!call.written) this.keepAlive = false;
    call.complete(trailers);
  }

  onRead(error: Error | undefined): void {
    if (this.state === 'closed') return;
    if (error !== undefined) {
      this.close(malformedResponse(error));
      return;
    }
    const call = this.call;
    if (call !== null) {
      call.received = true;
    } else if (this.state === 'releasing') {
      this.owner.release(this);
    } else if (this.state === 'idle') {
      // Bytes nobody asked for: the connection is out of step with its backend.
      this.close();
    }
  }

  /** `Keep-Alive: timeout=N` from the backend shortens how long the connection may stay parked. */
  private keepAliveFor(headers: string[]): void {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
      const timeout = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(headers[i + 1]);
      if (!timeout) return;
      const ms = Number(timeout[1]) * 1000 - KEEP_ALIVE_MARGIN_MS;
      if (ms <= 0) this.keepAlive = false;
      else this.idleMs = Math.min(this.owner.idleTimeoutMs, ms);
      return;
    }
  }

  private readonly socketConnect = (): void => {
    clearTimeout(this.connectTimer);
    if (this.state === 'closed') return;
    this.reader = new ResponseReader(this.socket, this, this.owner.readMode);
    if (this.readPaused) this.reader.pause();
  };

  private readonly socketError = (err: Error): void => {
    this.close(err);
  };

  /** The backend ended its side: that completes a close-delimited body, or cuts the response short. */
  private readonly socketEnd = (): void => {
    if (this.state === 'closed') return;
    if (this.call !== null) this.reader?.finish();
    this.close();
  };

  private readonly socketClose = (): void => {
    this.close(this.error);
    this.reader?.dispose();
  };

  private readonly socketDrain = (): void => {
    this.call?.drained();
  };
}
