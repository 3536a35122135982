/**
 * The HTTP/1 connections of one cleartext listener: each accepted socket becomes a Connection,
 * and one interval sweeps them all for the client timeouts instead of a timer per request or
 * per socket. A stalled head gets 408, a silent new connection and an idle keep-alive one are
 * closed, and a closing connection whose client never closes its side is cut.
 */
import type { Socket } from 'net';
import { Connection, ConnectionHost } from './connection';
import { ParseMode } from './parser';
import type { H1Request } from './request';
import type { H1Response } from './response';

export interface Http1Options {
  readonly mode: ParseMode;
  /** A client has this long to send a whole request head, from its connect or its previous answer's end. */
  readonly headersMs: number;
  /** A keep-alive connection may wait this long for its next request. */
  readonly idleMs: number;
  readonly onRequest: (req: H1Request, res: H1Response) => void;
  /** `socket` is paused with the bytes after `head` unread in it. */
  readonly onUpgrade: (req: H1Request, socket: Socket, head: Buffer) => void;
  /**
   * The connection preface of HTTP/2 came: `seen` is what was read so far, preface included.
   * Without it (TLS, where ALPN chose the protocol) every connection is HTTP/1.
   */
  readonly onH2c?: (socket: Socket, seen: Buffer) => void;
}

/**
 * node:http keeps an idle connection a second past the Keep-Alive timeout it advertises, so
 * that a client that honours the advertisement closes first; so does this front end.
 */
const IDLE_GRACE_MS = 1_000;

/** How long a client may take to close its side after the answer that ended the connection. */
const LINGER_MS = 2_000;

/** The sweep's longest period; shorter bounds get proportionally finer sweeps. */
const MAX_SWEEP_MS = 1_000;
const MIN_SWEEP_MS = 10;

export class Http1Connections implements ConnectionHost {
  closing = false;
  readonly mode: ParseMode;
  readonly keepAliveTail: string;
  private readonly connections = new Set<Connection>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: Http1Options) {
    this.mode = options.mode;
    this.keepAliveTail = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(options.idleMs / 1000)}\r\n\r\n`;
    // A bound is enforced at most one period late; a quarter of the shortest keeps that small.
    const period = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, Math.floor(Math.min(options.headersMs, options.idleMs) / 4)));
    this.timer = setInterval(() => this.sweep(), period);
    this.timer.unref();
  }

  accept(socket: Socket): void {
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    if (this.closing) connection.closeIfIdle();
  }

  request(req: H1Request, res: H1Response): void {
    this.options.onRequest(req, res);
  }

  upgrade(req: H1Request, socket: Socket, head: Buffer): void {
    this.options.onUpgrade(req, socket, head);
  }

  get h2c(): ((socket: Socket, seen: Buffer) => void) | undefined {
    return this.options.onH2c;
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
    if (this.closing && this.connections.size === 0) clearInterval(this.timer);
  }

  /** Closes the connections that are idle now; the others close after their current answer. */
  closeIdle(): void {
    for (const connection of this.connections) connection.closeIfIdle();
  }

  /** Takes no new requests: idle connections close at once, busy ones after their answer. */
  close(): void {
    this.closing = true;
    this.closeIdle();
    if (this.connections.size === 0) clearInterval(this.timer);
  }

  private sweep(): void {
    const now = performance.now();
    const { headersMs, idleMs } = this.options;
    for (const connection of this.connections) {
      const wait = connection.wait;
      if (wait === 'busy') continue;
      if (connection.since === 0) {
        connection.since = now;
        continue;
      }
      const waited = now - connection.since;
      if (wait === 'first-bytes' || wait === 'head') {
        if (waited >= headersMs) connection.timedOut();
      } else if (wait === 'idle') {
        if (waited >= idleMs + IDLE_GRACE_MS) connection.socket.destroy();
      } else if (waited >= LINGER_MS) {
        connection.socket.destroy();
      }
    }
  }
}
