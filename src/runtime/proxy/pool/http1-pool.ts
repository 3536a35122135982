/**
 * A keep-alive pool of plain HTTP/1.1 connections to one backend endpoint, driven by Node's own
 * llhttp: the data plane's hot path, where undici's client costs about 11 µs a request more
 * than this (see the proxy ceiling research). It speaks the part of undici's Dispatcher
 * contract the proxy uses: `dispatch(options, handler)` with a legacy handler (onConnect,
 * onHeaders, onData, onComplete, onError), so it stands in for an undici Pool. What it does not
 * speak itself (upgrades, CONNECT, other body or header shapes) goes to a fallback dispatcher.
 *
 * Concurrency is unbounded, as with undici's Pool default: each request in flight has its own
 * connection, because queueing behind a slow response would add head-of-line waits and need its
 * own timeouts, and the number of client requests in flight already bounds it. Idle connections
 * are reused last-in first-out, so under steady load the same few stay warm while the surplus of
 * a burst ages out at the cold end of the stack after the idle timeout.
 */
import { Readable } from 'stream';
import { Dispatcher } from 'undici';
import { Connection, ConnectionOwner } from './connection';
import { connectionLost, UpstreamError } from './errors';
import { BodyKind, flatHeaders, requestHead } from './head';
import { READ_MODE, ReadMode } from './llhttp';
import { PoolRequest } from './request';

/** What requests the pool cannot write themselves are handed to. */
export interface FallbackDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
}

export interface Http1PoolOptions {
  /**
   * How long a connection stays parked without a request. A backend's `Keep-Alive: timeout`
   * shortens it for that connection.
   * @default 4000
   */
  readonly idleTimeoutMs?: number;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Where requests go that this pool does not write itself; without one they fail with UND_ERR_NOT_SUPPORTED. */
  readonly fallback?: () => FallbackDispatcher;
  /**
   * How llhttp reads sockets.
   * @default the mode the self-test of ./llhttp chose
   */
  readonly readMode?: ReadMode;
}

export class Http1Pool implements ConnectionOwner {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly readMode: ReadMode;
  private readonly host: string;
  private readonly port: number;
  /** The Host header for requests that carry none. */
  private readonly authority: string;
  private readonly fallback: (() => FallbackDispatcher) | undefined;
  /** Parked connections, most recently parked last. */
  private readonly idle: Connection[] = [];
  private readonly live = new Set<Connection>();
  private closing = false;
  private destroyed = false;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;

  constructor(origin: string, options: Http1PoolOptions = {}) {
    const url = new URL(origin);
    if (url.protocol !== 'http:') throw new Error(`Http1Pool speaks plain http, not ${url.protocol} (${origin})`);
    const mode = options.readMode ?? READ_MODE;
    if (mode === undefined) throw new Error('this Node has no llhttp parser of the shape Http1Pool knows: use undici');
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port === '' ? 80 : Number(url.port);
    this.authority = url.host;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.fallback = options.fallback;
    this.readMode = mode;
  }

  /** Like undici's: errors reach the handler, never the caller, and they may arrive before this returns. */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.closing) {
      handler.onError?.(this.destroyed
        ? new UpstreamError('the pool was destroyed', 'UND_ERR_DESTROYED')
        : new UpstreamError('the pool is closed', 'UND_ERR_CLOSED'));
      return false;
    }
    const body = options.body;
    const kind = bodyKind(body);
    const headers = flatHeaders(options.headers);
    if (kind === undefined || headers === undefined || options.upgrade || options.method === 'CONNECT'
      || options.query != null || options.expectContinue) {
      if (this.fallback) return this.fallback().dispatch(options, handler);
      handler.onError?.(new UpstreamError('Http1Pool cannot send this request (upgrade, CONNECT, query or an unsupported body or header shape)', 'UND_ERR_NOT_SUPPORTED'));
      return false;
    }
    const bytes = kind === 'bytes' ? toBuffer(body) : null;
    const head = requestHead(options.method, options.path, headers, this.authority, kind, bytes ? bytes.length : 0);
    if (head instanceof UpstreamError) {
      handler.onError?.(head);
      return false;
    }
    const request = new PoolRequest(handler, head, bytes ?? (kind === 'stream' ? body as Readable : null), options.method,
      options.idempotent, options.reset === true);
    try {
      handler.onConnect?.(request.abort);
    } catch (err) {
      request.fail(err as Error);
    }
    if (request.done) return true;
    let conn = this.idle.pop();
    // A socket net destroyed on a read error is closed here already, before its 'error' event.
    while (conn !== undefined && conn.socket.destroyed) {
      conn.close();
      conn = this.idle.pop();
    }
    if (conn !== undefined) conn.take(request);
    else this.open(request);
    return true;
  }

  /** Refuses new requests, closes idle connections, and resolves once those in flight ended. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      for (const conn of this.idle.slice()) conn.close();
    }
    return this.whenDrained();
  }

  /** Closes every connection now; requests in flight fail with UND_ERR_DESTROYED. */
  destroy(): Promise<void> {
    this.closing = true;
    this.destroyed = true;
    const err = new UpstreamError('the pool was destroyed', 'UND_ERR_DESTROYED');
    for (const conn of [...this.live]) conn.close(err);
    return this.whenDrained();
  }

  release(conn: Connection): void {
    if (!conn.keepAlive || this.closing) {
      conn.close();
      return;
    }
    const now = Date.now();
    conn.park(now);
    this.idle.push(conn);
    this.sweepBy(conn.idleUntil);
  }

  forget(conn: Connection, wasIdle: boolean): void {
    this.live.delete(conn);
    if (wasIdle) {
      const i = this.idle.lastIndexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
    }
    if (this.live.size === 0) {
      if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
      this.sweepTimer = undefined;
      this.sweepAt = Infinity;
      if (this.resolveDrained) this.resolveDrained();
    }
  }

  /**
   * A request whose connection failed before any byte of its answer is sent once more on a fresh
   * connection, if the failed one had been idle (the keep-alive race: the backend closed it just
   * as the request went out) and sending it again is safe. Anything else fails.
   */
  lost(call: PoolRequest, conn: Connection, err: Error | undefined): void {
    if (!this.destroyed && conn.reused && !call.received && !call.retried && !call.done && call.mayResend()) {
      call.retried = true;
      call.rewind();
      this.open(call);
      return;
    }
    call.fail(connectionLost(err));
  }

  private open(call: PoolRequest): void {
    const conn = new Connection(this, this.host, this.port);
    this.live.add(conn);
    conn.take(call);
  }

  private whenDrained(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    this.drained ??= new Promise<void>(resolve => {
      this.resolveDrained = resolve;
    });
    return this.drained;
  }

  /** One timer for all parked connections, due when the earliest of them expires. */
  private sweepBy(at: number): void {
    if (this.sweepTimer !== undefined) {
      if (this.sweepAt <= at) return;
      clearTimeout(this.sweepTimer);
    }
    this.sweepAt = at;
    this.sweepTimer = setTimeout(this.sweep, Math.max(0, at - Date.now()));
    this.sweepTimer.unref();
  }

  private readonly sweep = (): void => {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const conn of this.idle.slice()) {
      if (conn.idleUntil <= now) conn.close();
      else if (conn.idleUntil < next) next = conn.idleUntil;
    }
    if (next !== Infinity) this.sweepBy(next);
  };
}

function bodyKind(body: Dispatcher.DispatchOptions['body']): BodyKind | undefined {
  if (body == null) return 'none';
  if (typeof body === 'string' || ArrayBuffer.isView(body)) return 'bytes';
  if (body instanceof Readable) return 'stream';
  return undefined;
}

function toBuffer(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const view = body as Uint8Array;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
