/**
 * The listening sockets. One server per bound address:port, opened or closed only when the set
 * of bindings changes; a reload otherwise just replaces the state each server reads, so
 * connections survive it. The front end (node:http / node:https today) sits behind `Frontend`
 * so a faster one can replace it without touching routing.
 */
import * as http from 'http';
import * as https from 'https';
import { Duplex } from 'stream';
import { handleRequest, PortState, ProxyContext } from './http';
import { handleUpgrade } from './upgrade';
import { Binding, contextForServerName, TlsCertificates } from '../config';
import { EndpointIndex } from '../endpoints';

/** Slowloris bound: a client has this long to send a whole request head. */
const HEADERS_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections from clients are closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Node sweeps header and request timeouts with one interval per server; this is its period. */
const CONNECTIONS_CHECK_MS = 1_000;

interface ListeningState extends PortState {
  readonly tls?: TlsCertificates;
}

class Frontend {
  state: ListeningState;
  readonly server: http.Server;
  /** Upgraded connections, which node:http no longer tracks, so that a drain can still end them. */
  readonly tunnels = new Set<Duplex>();

  constructor(readonly binding: Binding, state: ListeningState, private readonly ctx: ProxyContext) {
    this.state = state;
    const options: http.ServerOptions = {
      headersTimeout: HEADERS_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // Route timeouts bound requests; a global one would cut long downloads and WebSockets.
      requestTimeout: 0,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
      noDelay: true,
    };
    this.server = binding.protocol === 'HTTPS'
      ? https.createServer({
        ...options,
        ...(state.tls?.defaultPem ?? {}),
        SNICallback: (name, cb) => cb(null, this.state.tls ? contextForServerName(this.state.tls, name) : undefined),
      })
      : http.createServer(options);
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => handleRequest(this.ctx, this.state, req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.tunnels.add(socket);
      socket.once('close', () => this.tunnels.delete(socket));
      handleUpgrade(this.ctx, this.state, req, socket, head);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.binding.port, this.binding.address, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  update(state: ListeningState): void {
    const before = this.state.tls?.defaultPem;
    this.state = state;
    const after = state.tls?.defaultPem;
    if (after && (after.cert !== before?.cert || after.key !== before?.key)) (this.server as https.Server).setSecureContext(after);
  }

  /** Stops accepting; in-flight requests finish, idle keep-alive connections close at once. */
  close(): Promise<void> {
    return new Promise(resolve => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
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

  constructor(private readonly ctx: ProxyContext) {}

  /** Bound address:port → the port actually bound (differs from the request only with port 0). */
  ports(): Map<string, number> {
    const ports = new Map<string, number>();
    for (const [key, f] of this.open) {
      const address = f.server.address();
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
      const frontend = new Frontend(binding, state, this.ctx);
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
    // A connection that was busy when close() began becomes idle later; node does not recheck it.
    const sweep = setInterval(() => all.forEach(f => f.server.closeIdleConnections()), 100);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>(resolve => {
      timer = setTimeout(() => {
        for (const f of all) {
          f.server.closeAllConnections();
          f.tunnels.forEach(t => t.destroy());
        }
        resolve();
      }, boundMs);
    });
    await Promise.race([closed, bound]);
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
