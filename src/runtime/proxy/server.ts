/**
 * The listening sockets. One server per bound address:port, opened or closed only when the set
 * of bindings changes; a reload otherwise just replaces the state each server reads, so
 * connections survive it. HTTP ports speak HTTP/1.1 and h2c (prior knowledge) on the same
 * socket, HTTPS ports offer h2 and http/1.1 by ALPN; both protocols reach one request handler,
 * through node:http2's compatibility objects for HTTP/2. The front end sits behind `Frontend`
 * so a faster one can replace it without touching routing.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
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

/** The client connection preface of RFC 9113 §3.4, which no HTTP/1 request line can start like. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** node:http2's secure server has closeIdleConnections for its HTTP/1.1 fallback; @types/node 20 omits it. */
type Http1Carrier = (http.Server | http2.Http2SecureServer) & { closeIdleConnections(): void };

interface ListeningState extends PortState {
  readonly tls?: TlsCertificates;
}

class Frontend {
  state: ListeningState;
  /** The accepting server: a plain net.Server that sniffs for h2c, or the TLS server that negotiates by ALPN. */
  readonly listener: net.Server;
  /** Holds the HTTP/1.1 connections node:http tracks for its timeouts and idle closing. */
  private readonly http1: Http1Carrier;
  private readonly http2: http2.Http2Server | http2.Http2SecureServer;
  /** Every accepted socket (raw, under any TLS), so that a drain can cut what is left at its bound. */
  private readonly sockets = new Set<net.Socket>();
  /** Cleartext sockets whose first bytes have not yet told their protocol. */
  private readonly sniffing = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private closing = false;

  constructor(readonly binding: Binding, state: ListeningState, private readonly ctx: ProxyContext, private readonly timeouts: ClientTimeouts) {
    this.state = state;
    if (binding.protocol === 'HTTPS') {
      const secure = http2.createSecureServer({
        ...HTTP2_OPTIONS,
        ...secureServerOptions(state.tls),
        allowHTTP1: true,
        noDelay: true,
        handshakeTimeout: timeouts.headersMs,
        SNICallback: (name, cb) => cb(null, this.state.tls ? contextForServerName(this.state.tls, name) : undefined),
      });
      // The HTTP/1.1 fallback reads these from the server object; node:http2 takes no option for them.
      Object.assign(secure, http1Settings(timeouts));
      secure.on('connection', (socket: net.Socket) => this.accepted(socket));
      this.listener = this.http2 = secure;
      this.http1 = secure as Http1Carrier;
    } else {
      this.http1 = http.createServer({ ...http1Settings(timeouts), noDelay: true });
      this.http2 = http2.createServer(HTTP2_OPTIONS);
      this.listener = net.createServer({ noDelay: true }, socket => {
        this.accepted(socket);
        this.sniff(socket);
      });
    }
    const onRequest = (req: ClientRequest, res: ClientResponse) => handleRequest(this.ctx, this.state, req, res);
    this.http1.on('request', onRequest);
    if (this.http2 !== this.http1) this.http2.on('request', onRequest);
    this.http1.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => handleUpgrade(this.ctx, this.state, req, socket, head));
    this.http2.on('session', (session: http2.ServerHttp2Session) => this.track(session));
  }

  private accepted(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /**
   * Reads until the bytes either are the HTTP/2 preface or cannot be, then hands the socket to
   * the matching server with those bytes put back, once per connection.
   */
  private sniff(socket: net.Socket): void {
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
      socket.pause();
      socket.unshift(seen);
      (h2 ? this.http2 : this.http1).emit('connection', socket);
      // node:http2 reads what was put back by itself; node:http parses it as the stream flows again.
      if (!h2) socket.resume();
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
        if (this.http1 !== this.listener) this.http1.emit('listening');
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
      if (this.http1 !== this.listener) this.http1.close();
      this.closeIdle();
      this.sessions.forEach(s => s.close());
      this.sniffing.forEach(s => s.destroy());
    });
  }

  /** A connection that was busy when close() began becomes idle later; node does not recheck it. */
  closeIdle(): void {
    this.http1.closeIdleConnections();
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
