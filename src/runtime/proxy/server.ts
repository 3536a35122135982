/**
 * The listening sockets. One server per bound address:port, opened or closed only when the set
 * of bindings changes; a reload otherwise just replaces the state each server reads, so
 * connections survive it. HTTP ports speak HTTP/1.1 and h2c (prior knowledge) on the same
 * socket: HTTP/1 goes to the front end in h1/ (llhttp on a plain net socket), HTTP/2 to
 * node:http2. HTTPS ports offer h2 and http/1.1 by ALPN, both on node:http2's secure server.
 * Every protocol reaches one request handler; HTTP/2 through node:http2's compatibility objects.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import type * as tls from 'tls';
import { PREFACE } from './h1/connection';
import { Http1Connections } from './h1/connections';
import { parseMode } from './h1/parser';
import { ClientRequest, ClientResponse, handleRequest, PortState, ProxyContext } from './http';
import { handleUpgrade } from './upgrade';
import { Binding } from '../config';
import { EndpointIndex } from '../endpoints';
import { contextForServerName, secureServerOptions, TlsCertificates, updateSecureServer } from '../tls';

export interface ClientTimeouts {
  /** Slowloris bound: a client has this long to send a whole request head (or finish a TLS handshake). */
  readonly headersMs: number;
  /** Idle keep-alive connections and HTTP/2 sessions from clients are closed after this. */
  readonly idleMs: number;
}

export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = { headersMs: 10_000, idleMs: 60_000 };

/** Node sweeps header and request timeouts with one interval per server; this is its longest period. */
const CONNECTIONS_CHECK_MS = 1_000;

/** What node:http reads from whichever server object carries HTTP/1.1 connections. */
function http1Settings(timeouts: ClientTimeouts) {
  return {
    headersTimeout: timeouts.headersMs,
    keepAliveTimeout: timeouts.idleMs,
    // Route timeouts bound requests; a global one would cut long downloads and WebSockets.
    requestTimeout: 0,
    // A stalled head is only noticed at a sweep, so short bounds need sweeps as frequent.
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, timeouts.headersMs),
    requireHostHeader: true,
  };
}

const HTTP2_OPTIONS: http2.ServerOptions = {
  // Node's default is unbounded; 250 is what Go's server and Envoy allow, plenty for browsers.
  settings: { maxConcurrentStreams: 250 },
};

/** node:http2's secure server has closeIdleConnections for its HTTP/1.1 fallback; @types/node 20 omits it. */
type NodeHttp1 = (http.Server | http2.Http2SecureServer) & { closeIdleConnections(): void };

/** Whichever object carries a port's HTTP/1.1 connections: what closing needs of it. */
interface Http1Carrier {
  /** Stops taking requests: idle connections close at once, busy ones after their answer. */
  close(): void;
  /** Closes the connections that became idle since. */
  closeIdle(): void;
}

/** node:http's server (or the secure server's HTTP/1.1 fallback) as a carrier; `own` when it is not the listener. */
function nodeCarrier(server: NodeHttp1, own: boolean): Http1Carrier {
  return {
    close: () => {
      if (own) server.close();
      server.closeIdleConnections();
    },
    closeIdle: () => server.closeIdleConnections(),
  };
}

interface ListeningState extends PortState {
  readonly tls?: TlsCertificates;
}

class Frontend {
  state: ListeningState;
  /** The accepting server: a plain net.Server that sniffs for h2c, or the TLS server that negotiates by ALPN. */
  readonly listener: net.Server;
  /** Holds the HTTP/1.1 connections, for their timeouts and idle closing. */
  private readonly http1: Http1Carrier;
  private readonly http2: http2.Http2Server | http2.Http2SecureServer;
  /** node:http's server fed by `sniff`, when llhttp cannot be used directly (see h1/parser.ts). */
  private readonly nodeHttp1: http.Server | undefined;
  /** Every accepted socket (raw, under any TLS), so that a drain can cut what is left at its bound. */
  private readonly sockets = new Set<net.Socket>();
  /** Cleartext sockets whose first bytes have not yet told their protocol (node:http fallback only). */
  private readonly sniffing = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private closing = false;

  constructor(readonly binding: Binding, state: ListeningState, private readonly ctx: ProxyContext, private readonly timeouts: ClientTimeouts) {
    this.state = state;
    const onRequest = (req: ClientRequest, res: ClientResponse) => handleRequest(this.ctx, this.state, req, res);
    const onUpgrade = (req: ClientRequest, socket: net.Socket, head: Buffer) => handleUpgrade(this.ctx, this.state, req, socket, head);
    if (binding.protocol === 'HTTPS') {
      const secure = http2.createSecureServer({
        ...HTTP2_OPTIONS,
        ...secureServerOptions(state.tls),
        allowHTTP1: true,
        noDelay: true,
        handshakeTimeout: timeouts.headersMs,
        SNICallback: (name, cb) => cb(null, this.state.tls ? contextForServerName(this.state.tls, name) : undefined),
      });
      secure.on('connection', (socket: net.Socket) => this.accepted(socket));
      this.listener = this.http2 = secure;
      const mode = parseMode();
      // node:http2 takes every TLS connection in one 'secureConnection' listener and passes those
      // that chose http/1.1 to node:http; with the listener put behind an ALPN switch, they come
      // here instead. Should node:http2 be built differently, its own HTTP/1.1 fallback serves.
      const [forHttp2, ...others] = secure.listeners('secureConnection') as ((socket: tls.TLSSocket) => void)[];
      if (mode && forHttp2 && others.length === 0) {
        const h1 = new Http1Connections({ mode, headersMs: timeouts.headersMs, idleMs: timeouts.idleMs, onRequest, onUpgrade });
        secure.removeListener('secureConnection', forHttp2);
        secure.on('secureConnection', (socket: tls.TLSSocket) => {
          if (socket.alpnProtocol === 'h2') forHttp2.call(secure, socket);
          else h1.accept(socket);
        });
        this.http1 = h1;
      } else {
        // The HTTP/1.1 fallback reads these from the server object; node:http2 takes no option for them.
        Object.assign(secure, http1Settings(timeouts));
        secure.on('upgrade', onUpgrade);
        this.http1 = nodeCarrier(secure as NodeHttp1, false);
      }
    } else {
      this.http2 = http2.createServer(HTTP2_OPTIONS);
      const mode = parseMode();
      if (mode) {
        const h1 = new Http1Connections({
          mode,
          headersMs: timeouts.headersMs,
          idleMs: timeouts.idleMs,
          onRequest,
          onUpgrade,
          onH2c: (socket, seen) => this.toHttp2(socket, seen),
        });
        // Half-open: a client may send its request and shut its side; the answer still goes out.
        this.listener = net.createServer({ noDelay: true, allowHalfOpen: true }, socket => {
          this.accepted(socket);
          h1.accept(socket);
        });
        this.http1 = h1;
      } else {
        const server = this.nodeHttp1 = http.createServer({ ...http1Settings(timeouts), noDelay: true });
        server.on('upgrade', onUpgrade);
        this.listener = net.createServer({ noDelay: true }, socket => {
          this.accepted(socket);
          this.sniff(socket, server);
        });
        this.http1 = nodeCarrier(server as NodeHttp1, true);
      }
    }
    this.http2.on('request', onRequest);
    this.nodeHttp1?.on('request', onRequest);
    this.http2.on('session', (session: http2.ServerHttp2Session) => this.track(session));
  }

  private accepted(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** An h2c connection, with the bytes read while telling its protocol put back for node:http2. */
  private toHttp2(socket: net.Socket, seen: Buffer): void {
    socket.pause();
    socket.unshift(seen);
    this.http2.emit('connection', socket);
  }

  /**
   * Reads until the bytes either are the HTTP/2 preface or cannot be, then hands the socket to
   * the matching server with those bytes put back, once per connection.
   */
  private sniff(socket: net.Socket, server: http.Server): void {
    let seen: Buffer | undefined;
    const drop = () => socket.destroy();
    const forget = () => this.sniffing.delete(socket);
    const onData = (chunk: Buffer) => {
      seen = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, PREFACE.length);
      const h2 = seen.compare(PREFACE, 0, compared, 0, compared) === 0;
      if (h2 && compared < PREFACE.length) return;
      socket.off('data', onData);
      socket.off('error', drop);
      socket.off('timeout', drop);
      socket.off('close', forget);
      socket.setTimeout(0);
      forget();
      if (h2) return this.toHttp2(socket, seen);
      socket.pause();
      socket.unshift(seen);
      server.emit('connection', socket);
      // node:http parses what was put back as the stream flows again.
      socket.resume();
    };
    this.sniffing.add(socket);
    socket.on('data', onData);
    socket.on('error', drop);
    socket.on('close', forget);
    socket.setTimeout(this.timeouts.headersMs, drop);
  }

  private track(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    // Streams in flight finish; the session then ends with a GOAWAY instead of a cut.
    session.setTimeout(this.timeouts.idleMs, () => session.close());
    if (this.closing) session.close();
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.listener.once('error', onError);
      this.listener.listen(this.binding.port, this.binding.address, () => {
        this.listener.off('error', onError);
        // node:http starts its timeout sweeps and connection tracking on 'listening', which a
        // server fed sockets through 'connection' events never emits of its own accord.
        this.nodeHttp1?.emit('listening');
        resolve();
      });
    });
  }

  update(state: ListeningState): void {
    const before = this.state.tls;
    this.state = state;
    if (this.binding.protocol === 'HTTPS') updateSecureServer(this.listener as http2.Http2SecureServer, before, state.tls);
  }

  /** Stops accepting; in-flight requests finish, idle connections close at once. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise(resolve => {
      this.listener.close(() => resolve());
      this.http1.close();
      this.sessions.forEach(s => s.close());
      this.sniffing.forEach(s => s.destroy());
    });
  }

  /** A connection that was busy when close() began becomes idle later; node:http does not recheck it. */
  closeIdle(): void {
    this.http1.closeIdle();
  }

  /** Ends every connection still open, mid-request or not. */
  cut(): void {
    this.sockets.forEach(s => s.destroy());
  }
}

function stateOf(binding: Binding, endpoints: EndpointIndex): ListeningState {
  return {
    table: binding.table,
    endpoints,
    scheme: binding.protocol === 'HTTPS' ? 'https' : 'http',
    declaredPort: binding.declaredPort,
    tls: binding.tls,
  };
}

export class Frontends {
  private readonly open = new Map<string, Frontend>();

  constructor(private readonly ctx: ProxyContext, private readonly timeouts: ClientTimeouts) {}

  /** Bound address:port → the port actually bound (differs from the request only with port 0). */
  ports(): Map<string, number> {
    const ports = new Map<string, number>();
    for (const [key, f] of this.open) {
      const address = f.listener.address();
      ports.set(key, typeof address === 'object' && address ? address.port : f.binding.port);
    }
    return ports;
  }

  /**
   * Makes the open servers match `bindings`. Failures to bind are returned, not thrown: the
   * other listeners keep serving.
   */
  async apply(bindings: readonly Binding[], endpoints: EndpointIndex): Promise<string[]> {
    const errors: string[] = [];
    const wanted = new Map(bindings.map(b => [b.key, b]));
    const closing: Promise<void>[] = [];
    for (const [key, frontend] of this.open) {
      const next = wanted.get(key);
      if (next && next.protocol === frontend.binding.protocol) continue;
      this.open.delete(key);
      closing.push(frontend.close());
    }
    await Promise.all(closing);
    for (const binding of bindings) {
      const state = stateOf(binding, endpoints);
      const existing = this.open.get(binding.key);
      if (existing) {
        existing.update(state);
        continue;
      }
      const frontend = new Frontend(binding, state, this.ctx, this.timeouts);
      try {
        await frontend.listen();
        this.open.set(binding.key, frontend);
      } catch (err) {
        errors.push(`cannot listen on ${binding.key} for Gateway ${binding.gateway}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return errors;
  }

  /**
   * Stops accepting everywhere and waits for in-flight requests, at most `boundMs`; keep-alive
   * connections are closed as soon as they go idle, whatever is left at the bound is cut.
   */
  async drain(boundMs: number): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    const closed = Promise.all(all.map(f => f.close()));
    const sweep = setInterval(() => all.forEach(f => f.closeIdle()), 100);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>(resolve => {
      timer = setTimeout(() => {
        all.forEach(f => f.cut());
        resolve();
      }, boundMs);
    });
    await Promise.race([closed, bound]);
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
