/**
 * Connections to backends: one pool per endpoint and way of speaking to it, kept across config
 * reloads so an endpoint that stays keeps its warm connections, plus passive ejection of
 * endpoints that refuse connections. Plain HTTP/1.1 goes through the native Http1Pool (the hot
 * path); h2c, TLS and upgrades go through undici.
 */
import { Dispatcher, Pool } from 'undici';
import { Http1Pool } from './pool/http1-pool';
import { READ_MODE } from './pool/llhttp';
import { BackendIR } from '../../engine/translate';
import { Endpoint, EndpointSet } from '../endpoints';
import { upstreamTlsOptions, withServerName } from '../tls';

/** How long an endpoint that failed to connect is skipped while others remain. */
const EJECTION_MS = 5_000;

/** Below the 5 s keep-alive that Node and Go servers default to, so we close first and rarely reuse a dying socket. */
const IDLE_KEEP_ALIVE_MS = 4_000;

/** Connect timeout for every kind of pool. */
const CONNECT_TIMEOUT_MS = 5_000;

export type UpstreamProtocol = 'http1' | 'h2c';

/**
 * Whether plain HTTP/1.1 backends get the native pool: when this Node's parser passed the
 * pool's self-test, unless CDK8S_GATEWAY_UPSTREAM=undici asks for undici everywhere (an escape
 * hatch, and the way to compare the two).
 */
function nativePool(): boolean {
  return READ_MODE !== undefined && process.env.CDK8S_GATEWAY_UPSTREAM !== 'undici';
}

/** What the proxy asks of a pool, whichever kind it is. */
export interface Upstream {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** appProtocol values that mean HTTP/2 without TLS, with prior knowledge. */
export function protocolOf(appProtocol: string | undefined): UpstreamProtocol {
  return appProtocol === 'kubernetes.io/h2c' ? 'h2c' : 'http1';
}

export class Upstreams {
  /** Endpoint origin → pools to it, one per way of speaking to it (protocol, TLS settings). */
  private readonly pools = new Map<string, Map<string, Upstream>>();
  private readonly ejectedUntil = new Map<string, number>();

  /**
   * The pool for requests to `endpoint` of `backend`, speaking the backend's protocol. Plain
   * HTTP/1.1 gets an Http1Pool, which hands upgrades to an undici pool of the same endpoint.
   */
  pool(endpoint: Endpoint, backend: BackendIR): Upstream {
    const protocol = protocolOf(backend.appProtocol);
    const tls = backend.tls ? upstreamTlsOptions(backend) : undefined;
    const variant = tls ? `${protocol} tls ${backendTlsKey(backend)}` : protocol;
    const pools = this.poolsOf(endpoint.origin);
    let pool = pools.get(variant);
    if (!pool) {
      if (protocol === 'http1' && !tls && nativePool()) {
        pool = new Http1Pool(endpoint.origin, {
          idleTimeoutMs: IDLE_KEEP_ALIVE_MS,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          fallback: () => this.undici(endpoint.origin, 'http1 undici', 'http1', undefined),
        });
        pools.set(variant, pool);
      } else {
        pool = this.undici(endpoint.origin, variant, protocol, tls);
      }
    }
    return pool;
  }

  private poolsOf(origin: string): Map<string, Upstream> {
    let pools = this.pools.get(origin);
    if (!pools) this.pools.set(origin, pools = new Map());
    return pools;
  }

  /** The undici pool for `variant` of `origin`, made on first use. */
  private undici(origin: string, variant: string, protocol: UpstreamProtocol, tls: ReturnType<typeof upstreamTlsOptions> | undefined): Upstream {
    const pools = this.poolsOf(origin);
    let pool = pools.get(variant);
    if (!pool) {
      const undici = new Pool(tls ? origin.replace(/^http:/, 'https:') : origin, {
        keepAliveTimeout: IDLE_KEEP_ALIVE_MS,
        keepAliveMaxTimeout: IDLE_KEEP_ALIVE_MS,
        // Timeouts are the route's business (HTTPRoute timeouts, enforced by the proxy's sweep).
        headersTimeout: 0,
        bodyTimeout: 0,
        // Pool hands `connect` options to its connector, the only place useH2c and TLS take effect.
        connect: { timeout: CONNECT_TIMEOUT_MS, ...(protocol === 'h2c' && !tls ? { useH2c: true } : {}), ...(tls ?? {}) },
        ...(protocol === 'h2c' ? { allowH2: true } : {}),
      });
      // A pool with no request in flight has nothing to report to; its errors are the requests'.
      undici.on('connectionError', () => undefined);
      pools.set(variant, pool = tls ? withServerName(undici, tls) : undici);
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
const tlsKeys = new WeakMap<object, string>();

function backendTlsKey(backend: BackendIR): string {
  // Once per IR object, not per request: a config's IR lives until the next reload.
  const tls = backend.tls!;
  let key = tlsKeys.get(tls);
  if (key === undefined) tlsKeys.set(tls, key = JSON.stringify(tls));
  return key;
}
