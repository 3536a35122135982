/**
 * Connections to backends: one undici Pool per endpoint and protocol, kept across config
 * reloads so an endpoint that stays keeps its warm connections, plus passive ejection of
 * endpoints that refuse connections.
 */
import { Pool } from 'undici';
import { BackendIR } from '../../engine/translate';
import { Endpoint, EndpointSet } from '../endpoints';
import { upstreamTlsOptions } from '../tls';

/** How long an endpoint that failed to connect is skipped while others remain. */
const EJECTION_MS = 5_000;

/** Below the 5 s keep-alive that Node and Go servers default to, so we close first and rarely reuse a dying socket. */
const IDLE_KEEP_ALIVE_MS = 4_000;

export type UpstreamProtocol = 'http1' | 'h2c';

/** appProtocol values that mean HTTP/2 without TLS, with prior knowledge. */
export function protocolOf(appProtocol: string | undefined): UpstreamProtocol {
  return appProtocol === 'kubernetes.io/h2c' ? 'h2c' : 'http1';
}

export class Upstreams {
  /** Endpoint origin → pools to it, one per way of speaking to it (protocol, TLS settings). */
  private readonly pools = new Map<string, Map<string, Pool>>();
  private readonly ejectedUntil = new Map<string, number>();

  /** The pool for requests to `endpoint` of `backend`, speaking the backend's protocol. */
  pool(endpoint: Endpoint, backend: BackendIR): Pool {
    const protocol = protocolOf(backend.appProtocol);
    const tls = backend.tls ? upstreamTlsOptions(backend) : undefined;
    const variant = tls ? `${protocol} tls ${backendTlsKey(backend)}` : protocol;
    let pools = this.pools.get(endpoint.origin);
    if (!pools) this.pools.set(endpoint.origin, pools = new Map());
    let pool = pools.get(variant);
    if (!pool) {
      pool = new Pool(tls ? endpoint.origin.replace(/^http:/, 'https:') : endpoint.origin, {
        keepAliveTimeout: IDLE_KEEP_ALIVE_MS,
        keepAliveMaxTimeout: IDLE_KEEP_ALIVE_MS,
        // Timeouts are the route's business (HTTPRoute timeouts, enforced by the proxy's sweep).
        headersTimeout: 0,
        bodyTimeout: 0,
        // Pool hands `connect` options to its connector, the only place useH2c and TLS take effect.
        connect: { timeout: 5_000, ...(protocol === 'h2c' && !tls ? { useH2c: true } : {}), ...(tls ?? {}) },
        ...(protocol === 'h2c' ? { allowH2: true } : {}),
      });
      // A pool with no request in flight has nothing to report to; its errors are the requests'.
      pool.on('connectionError', () => undefined);
      pools.set(variant, pool);
    }
    return pool;
  }

  /**
   * Round-robin over endpoints not recently ejected; when every endpoint is ejected the
   * plain round-robin choice is tried anyway, since refusing outright helps nobody.
   */
  pick(set: EndpointSet, avoid?: Endpoint): Endpoint | undefined {
    const { endpoints } = set;
    const n = endpoints.length;
    if (n === 0) return undefined;
    const start = set.next;
    set.next = (start + 1) % n;
    if (this.ejectedUntil.size === 0 && avoid === undefined) return endpoints[start % n];
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const candidate = endpoints[(start + i) % n];
      if (candidate === avoid) continue;
      const until = this.ejectedUntil.get(candidate.origin);
      if (until === undefined) return candidate;
      if (until <= now) {
        this.ejectedUntil.delete(candidate.origin);
        return candidate;
      }
    }
    return avoid === undefined || n > 1 ? endpoints[start % n] : undefined;
  }

  eject(endpoint: Endpoint): void {
    this.ejectedUntil.set(endpoint.origin, Date.now() + EJECTION_MS);
  }

  /** Closes pools of endpoints that left the config; close() lets their in-flight requests finish. */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, pools] of this.pools) {
      if (origins.has(origin)) continue;
      this.pools.delete(origin);
      this.ejectedUntil.delete(origin);
      for (const pool of pools.values()) void pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()].flatMap(p => [...p.values()]);
    this.pools.clear();
    await Promise.all(pools.map(p => p.destroy().catch(() => undefined)));
  }
}

/** What tells two TLS setups for the same endpoint apart: a policy's settings, not its identity. */
function backendTlsKey(backend: BackendIR): string {
  return JSON.stringify(backend.tls);
}
