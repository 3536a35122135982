/**
 * One HTTP exchange: normalize, match against the compiled table the listener held when the
 * request arrived, run the rule's filters, pick a backend and an endpoint, forward with undici
 * and stream the answer back. Everything the proxy answers itself (400, 404, 500, 502, 503,
 * 504, redirects, CORS preflights) is decided here.
 */
import { IncomingMessage } from 'http';
import { Http2ServerRequest } from 'http2';
import { Socket } from 'net';
import { PassThrough, Readable } from 'stream';
import { TLSSocket } from 'tls';
import { Dispatcher } from 'undici';
import { Deadlines, Expirable, parseDuration } from './deadlines';
import { applyHeaderPlan, filterPlan, FilterPlan, HeaderPlan, originAllowed, preflightHeaders, responseCorsHeaders } from './filters';
import { connectionTokens, isHopByHop, responseHeaders, withoutNamed } from './headers';
import { normalizeHost, normalizePath } from './normalize';
import { Upstreams } from './upstream';
import { modifiedPath, redirectLocation } from '../../engine/compile/filters';
import { HttpMatchResult, HttpPortTable, RequestFacts } from '../../engine/compile/types';
import { BackendIR, HttpRuleIR, MirrorIR } from '../../engine/translate';
import { Endpoint, EndpointIndex } from '../endpoints';
import { Metrics } from '../metrics';

/**
 * A request from the HTTP/1 front end (h1/): the fields routing reads, and its body as a stream
 * made only when asked for, so that a request without one costs none.
 */
export interface StreamedRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly httpVersionMajor: number;
  readonly socket: Socket;
  body(): Readable;
}

/** A request from the HTTP/1 front end, node:http, or node:http2's compatibility layer, which mirrors node:http's surface. */
export type ClientRequest = IncomingMessage | Http2ServerRequest | StreamedRequest;

function bodyOf(req: ClientRequest): Readable {
  return req instanceof Readable ? req : req.body();
}

/**
 * What the proxy uses of a response: node:http's ServerResponse has it, and so has node:http2's
 * compatibility response, which also takes a flat header list although @types/node 20 types
 * only the object form.
 */
export interface ClientResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(statusCode: number, headers: string[]): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: string): unknown;
  destroy(): unknown;
  getHeaderNames(): string[];
  removeHeader(name: string): void;
  on(event: 'drain', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** What a listener serves at one moment; a reload replaces the whole object. */
export interface PortState {
  readonly table: HttpPortTable;
  readonly endpoints: EndpointIndex;
  readonly scheme: 'http' | 'https';
  /** The listener port as declared in the Gateway, for redirects. */
  readonly declaredPort: number;
}

/** Long-lived parts shared by every listener. */
export interface ProxyContext {
  readonly upstreams: Upstreams;
  readonly deadlines: Deadlines;
  readonly metrics: Metrics;
}

/** Per rule: its filters as a plan, its weighted backends, its timeout. */
export interface RulePlan {
  readonly filters: FilterPlan;
  readonly backends: readonly BackendIR[];
  /** Each backend's weight (negative ones as 0). */
  readonly weights: readonly number[];
  /** The smooth weighted round robin's running scores, one per backend (the only mutable part of a plan). */
  readonly scores: Float64Array;
  readonly totalWeight: number;
  readonly timeoutMs: number;
  readonly routeLabel: string;
}

const rulePlans = new WeakMap<HttpRuleIR, RulePlan>();

export function rulePlan(result: HttpMatchResult): RulePlan {
  let plan = rulePlans.get(result.rule);
  if (plan) return plan;
  const { rule, route: routeIR } = result;
  const weights = rule.backends.map((b) => Math.max(0, b.weight));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const limits = [parseDuration(rule.timeouts?.request), parseDuration(rule.timeouts?.backendRequest)].filter(ms => ms > 0);
  plan = {
    filters: filterPlan(rule.filters),
    backends: rule.backends,
    weights,
    scores: new Float64Array(weights.length),
    totalWeight: total,
    // One attempt per request, so the backendRequest limit and the request limit bound the same span.
    timeoutMs: limits.length > 0 ? Math.min(...limits) : 0,
    routeLabel: `${routeIR.namespace}/${routeIR.name}`,
  };
  rulePlans.set(rule, plan);
  return plan;
}

/**
 * The next backend by smooth weighted round robin (as nginx weighs upstreams): each pick adds
 * every backend's weight to its score and takes the highest score, which then gives back the
 * total. Every `totalWeight` picks take each backend exactly `weight` times, interleaved (70/30
 * gives 7 and 3 in every 10, not a random draw that drifts by a few points over hundreds), and a
 * backend of weight 0 is never taken. The scores live with the rule's plan, so a reload starts
 * them afresh.
 */
export function pickBackend(plan: RulePlan): BackendIR | undefined {
  if (plan.totalWeight === 0) return undefined;
  const { weights, scores } = plan;
  let best = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    scores[i] += weights[i];
    if (best < 0 || scores[i] > scores[best]) best = i;
  }
  scores[best] -= plan.totalWeight;
  return plan.backends[best];
}

/** The request as routing sees it. Header lookups scan the raw list, so no header object is built. */
class Facts implements RequestFacts {
  private params: URLSearchParams | undefined;
  constructor(
    readonly host: string,
    readonly path: string,
    readonly method: string,
    private readonly raw: readonly string[],
    private readonly rawQuery: string,
  ) {}

  header(name: string): string | undefined {
    const raw = this.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i];
      if (n.length === name.length && n.toLowerCase() === name) return raw[i + 1];
    }
    return undefined;
  }

  query(name: string): string | undefined {
    this.params ??= new URLSearchParams(this.rawQuery);
    return this.params.get(name) ?? undefined;
  }
}

/** What the front end learns from one pass over the request headers. */
export interface RequestHead {
  /** Headers to forward: hop-by-hop, Host and X-Forwarded-* already removed. */
  readonly headers: string[];
  readonly authority: string | undefined;
  readonly forwardedFor: string | undefined;
  readonly origin: string | undefined;
  readonly upgrade: string | undefined;
  readonly hasBody: boolean;
}

export function readHead(raw: readonly string[]): RequestHead {
  const headers: string[] = [];
  let authority: string | undefined;
  let forwardedFor: string | undefined;
  let origin: string | undefined;
  let upgrade: string | undefined;
  let named: Set<string> | undefined;
  let hasBody = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
      case ':authority':
        authority ??= value;
        continue;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
      case 'expect':
        continue;
      case 'content-length':
        if (value !== '0') hasBody = true;
        break;
      case 'transfer-encoding':
        hasBody = true;
        continue;
      case 'origin':
        origin = value;
        break;
      case 'upgrade':
        upgrade = value;
        continue;
      case 'connection':
        named = connectionTokens(value);
        continue;
    }
    if (lower.charCodeAt(0) === 0x3a || isHopByHop(lower)) continue;
    headers.push(name, value);
  }
  return {
    headers: named && named.size > 0 ? withoutNamed(headers, named) : headers,
    authority,
    forwardedFor,
    origin,
    upgrade,
    hasBody,
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  404: 'no route matches this request',
  421: 'this connection is for another host: open a new one for this host',
  500: 'no usable backend for this request',
  502: 'the backend could not be reached',
  503: 'the backend has no ready endpoints',
  504: 'the backend did not answer in time',
};

/** Error codes after which nothing reached the backend, so trying again cannot do harm twice. */
const RETRYABLE = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET', 'EHOSTUNREACH']);
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

class Timeout extends Error {}

/**
 * One forwarded request and its undici handler. A class rather than closures: one object per
 * request carries every callback.
 */
class Exchange implements Dispatcher.DispatchHandler, Expirable {
  deadline = 0;
  private abortUpstream: ((err?: Error) => void) | undefined;
  private responded = false;
  private timedOut = false;
  private attempts = 0;
  private endpoint: Endpoint | undefined;
  private code = 0;
  private done = false;
  private clientGone = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly state: PortState,
    private readonly res: ClientResponse,
    private readonly backend: BackendIR,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly responsePlans: readonly HeaderPlan[],
    private readonly extraResponse: readonly string[] | undefined,
    private readonly routeLabel: string,
    private readonly started: number,
  ) {}

  start(timeoutMs: number): void {
    if (timeoutMs > 0) {
      this.deadline = this.started + timeoutMs;
      this.ctx.deadlines.add(this);
    }
    this.res.once('close', this.onClientClose);
    this.send(undefined);
  }

  private send(avoid: Endpoint | undefined): void {
    const set = this.state.endpoints.resolve(this.backend);
    const endpoint = this.ctx.upstreams.pick(set, avoid);
    if (!endpoint) {
      // Without an alternative, a retry that avoided the failed endpoint ends with that failure.
      this.fail(avoid ? 502 : 503);
      return;
    }
    this.endpoint = endpoint;
    this.attempts++;
    this.ctx.upstreams.pool(endpoint, this.backend).dispatch(this.options, this);
  }

  private readonly onClientClose = () => {
    this.ctx.deadlines.delete(this);
    if (this.res.writableFinished) return;
    this.clientGone = true;
    this.abortUpstream?.(new Error('client went away'));
  };

  expire(): void {
    this.timedOut = true;
    if (this.abortUpstream) this.abortUpstream(new Timeout('route timeout'));
    else this.fail(504);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.timedOut) abort(new Timeout('route timeout'));
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.done) return false;
    // 1xx answers other than an upgrade are the backend's business with this hop only.
    if (statusCode < 200) return true;
    this.responded = true;
    this.code = statusCode;
    let headers = responseHeaders(rawHeaders);
    for (const plan of this.responsePlans) headers = applyHeaderPlan(headers, plan);
    if (this.extraResponse) headers.push(...this.extraResponse);
    try {
      this.res.writeHead(statusCode, headers);
    } catch {
      // Node refuses some header a backend may send (an invalid name, or over HTTP/2 a repeated
      // single-value one); the answer cannot be relayed. node:http2 keeps the headers it took
      // before refusing, and they must not leak into the 502.
      for (const name of this.res.getHeaderNames()) this.res.removeHeader(name);
      this.responded = false;
      this.abortUpstream?.();
      this.fail(502);
      return false;
    }
    this.res.on('drain', resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onComplete(): void {
    if (this.done) return;
    this.ctx.deadlines.delete(this);
    this.res.end();
    this.record();
  }

  onError(err: Error): void {
    if (this.done) return;
    this.ctx.deadlines.delete(this);
    if (this.clientGone) {
      // The client left first: nobody reads a status now; 499 is the customary label for it.
      this.code = 499;
      this.record();
      return;
    }
    if (this.responded) {
      // Mid-body: the status line is gone, so the only honest signal is a cut connection.
      this.res.destroy();
      this.record();
      return;
    }
    if (this.timedOut || err instanceof Timeout) {
      this.fail(504);
      return;
    }
    const code = (err as { code?: string }).code ?? '';
    if (this.endpoint && CONNECT_FAILURES.has(code)) this.ctx.upstreams.eject(this.endpoint);
    if (this.attempts === 1 && this.options.body == null && RETRYABLE.has(code) && !this.clientGone) {
      this.abortUpstream = undefined;
      this.send(CONNECT_FAILURES.has(code) ? this.endpoint : undefined);
      return;
    }
    this.fail(502);
  }

  private fail(code: number): void {
    if (this.done) return;
    this.ctx.deadlines.delete(this);
    if (this.responded || this.res.headersSent) {
      this.res.destroy();
    } else {
      this.responded = true;
      this.code = code;
      reply(this.res, code);
    }
    this.record();
  }

  private record(): void {
    this.done = true;
    this.ctx.metrics.observe(this.routeLabel, `${this.backend.namespace}/${this.backend.name}`, this.code,
      (performance.now() - this.started) / 1000);
  }
}

function reply(res: ClientResponse, code: number, headers: string[] = []): void {
  const body = STATUS_TEXT[code] ?? '';
  headers.push('content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body) + 1));
  res.writeHead(code, headers);
  res.end(`${body}\n`);
}

function answer(ctx: ProxyContext, res: ClientResponse, code: number, routeLabel: string, started: number, headers?: string[]): void {
  reply(res, code, headers);
  ctx.metrics.observe(routeLabel, '', code, (performance.now() - started) / 1000);
}

/** The route decision shared by plain requests and upgrades. */
export interface Routed {
  readonly result: HttpMatchResult;
  readonly plan: RulePlan;
  readonly head: RequestHead;
  readonly host: string;
  readonly path: string;
  readonly query: string;
}

/** A status to answer with, or the routing decision. */
export function routeRequest(state: PortState, req: ClientRequest): Routed | number {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  let head = readHead(req.rawHeaders);
  // HTTP/2 frames a body by its stream, where Content-Length is optional.
  if (req.httpVersionMajor === 2 && !head.hasBody && !(req as Http2ServerRequest).stream.endAfterHeaders) head = { ...head, hasBody: true };
  let authority = head.authority;
  if (rawPath.charCodeAt(0) !== 0x2f) {
    // Absolute form (`GET http://host/path`): the authority in the target wins over Host (RFC 9112 §3.2.2).
    const absolute = /^https?:\/\/([^/]*)(\/.*)?$/i.exec(rawPath);
    if (!absolute) return 400;
    authority = absolute[1];
    rawPath = absolute[2] ?? '/';
  }
  const path = normalizePath(rawPath);
  if (path === undefined) return 400;
  const host = normalizeHost(authority);
  if (state.scheme === 'https' && misdirected(state.table, host, (req.socket as TLSSocket).servername)) return 421;
  const facts = new Facts(host, path, req.method ?? 'GET', req.rawHeaders, query.length > 1 ? query.slice(1) : '');
  const result = state.table.match(facts);
  if (!result) return 404;
  return { result, plan: rulePlan(result), head: authority === head.authority ? head : { ...head, authority }, host, path, query };
}

/**
 * Whether the connection's SNI chose another listener of this port than the one serving the
 * Host, which listener isolation forbids answering on this connection (RFC 9110 §15.5.20). A
 * Host no listener serves is left to routing, which answers 404.
 */
function misdirected(table: HttpPortTable, host: string, serverName: string | false | null | undefined): boolean {
  if (!serverName) return false;
  const forHost = table.listenerFor(host);
  return forHost !== undefined && forHost !== table.listenerFor(normalizeHost(serverName));
}

/** The request handler of an HTTP listener; `state` is read once, so a reload never splits a request. */
export function handleRequest(ctx: ProxyContext, state: PortState, req: ClientRequest, res: ClientResponse): void {
  const started = performance.now();
  const routed = routeRequest(state, req);
  if (typeof routed === 'number') {
    answer(ctx, res, routed, '', started);
    return;
  }
  const { result, plan, head } = routed;
  const filters = plan.filters;
  if (result.rule.invalid) {
    answer(ctx, res, 500, plan.routeLabel, started);
    return;
  }
  if (filters.redirect) {
    const location = redirectLocation(filters.redirect, {
      scheme: state.scheme, host: routed.host, path: routed.path, query: routed.query.slice(1),
    }, state.declaredPort, result.match);
    res.writeHead(filters.redirect.statusCode, ['location', location, 'content-length', '0']);
    res.end();
    ctx.metrics.observe(plan.routeLabel, '', filters.redirect.statusCode, (performance.now() - started) / 1000);
    return;
  }

  let extraResponse: string[] | undefined;
  if (filters.cors && head.origin !== undefined) {
    const allowed = originAllowed(filters.cors, head.origin);
    const requestMethod = req.method === 'OPTIONS' ? header(req.rawHeaders, 'access-control-request-method') : undefined;
    if (requestMethod !== undefined) {
      const headers = allowed ? preflightHeaders(filters.cors, head.origin, requestMethod, header(req.rawHeaders, 'access-control-request-headers')) : [];
      res.writeHead(200, [...headers, 'content-length', '0']);
      res.end();
      ctx.metrics.observe(plan.routeLabel, '', 200, (performance.now() - started) / 1000);
      return;
    }
    if (allowed) {
      const credentialed = header(req.rawHeaders, 'authorization') !== undefined || header(req.rawHeaders, 'cookie') !== undefined;
      extraResponse = responseCorsHeaders(filters.cors, head.origin, credentialed);
    }
  }

  const backend = pickBackend(plan);
  if (!backend || backend.invalid) {
    answer(ctx, res, 500, plan.routeLabel, started);
    return;
  }
  const backendFilters = filterPlan(backend.filters);
  const forwarded = forwardedRequest(state, req, routed, filters, backendFilters);
  const body = head.hasBody ? requestBody(ctx, state, req, forwarded, filters.mirrors, backendFilters.mirrors) : null;
  if (!head.hasBody) mirror(ctx, state, forwarded, null, filters.mirrors, backendFilters.mirrors);

  const responsePlans = backendFilters.response.length === 0 ? filters.response : [...filters.response, ...backendFilters.response];
  const options: Dispatcher.DispatchOptions = { method: forwarded.method, path: forwarded.path, headers: forwarded.headers, body };
  new Exchange(ctx, state, res, backend, options, responsePlans, extraResponse, plan.routeLabel, started).start(plan.timeoutMs);
}

export interface Forwarded {
  readonly method: string;
  readonly path: string;
  readonly headers: string[];
}

/** Method, path and headers as the backend gets them, after rule- then backend-level filters. */
export function forwardedRequest(state: PortState, req: ClientRequest, routed: Routed, rule: FilterPlan, backend: FilterPlan): Forwarded {
  const { head, result } = routed;
  let headers = head.headers;
  for (const plan of rule.request) headers = applyHeaderPlan(headers, plan);
  for (const plan of backend.request) headers = applyHeaderPlan(headers, plan);
  const rewrite = backend.rewrite ?? rule.rewrite;
  const path = rewrite?.path ? modifiedPath(rewrite.path, routed.path, result.match) : routed.path;
  const authority = rewrite?.hostname ?? head.authority;
  const client = req.socket.remoteAddress ?? '';
  headers.push(
    'x-forwarded-for', head.forwardedFor === undefined ? client : `${head.forwardedFor}, ${client}`,
    'x-forwarded-proto', state.scheme,
  );
  if (head.authority !== undefined) headers.push('x-forwarded-host', head.authority);
  if (authority !== undefined) headers.push('host', authority);
  return { method: req.method ?? 'GET', path: path + routed.query, headers };
}

/** The body for undici: the request itself, or a tee when mirrors want a copy too. */
function requestBody(
  ctx: ProxyContext, state: PortState, req: ClientRequest, forwarded: Forwarded, rule: readonly MirrorIR[], backend: readonly MirrorIR[],
): Readable {
  const body = bodyOf(req);
  if (rule.length === 0 && backend.length === 0) return body;
  const main = new PassThrough();
  body.pipe(main);
  mirror(ctx, state, forwarded, body, rule, backend);
  return main;
}

/** Fire-and-forget copies: their answers and failures never reach the client. */
function mirror(
  ctx: ProxyContext, state: PortState, forwarded: Forwarded, body: Readable | null, rule: readonly MirrorIR[], backend: readonly MirrorIR[],
): void {
  for (const list of [rule, backend]) {
    for (const m of list) {
      if (m.backend.invalid || (m.percent < 100 && Math.random() * 100 >= m.percent)) continue;
      const endpoint = ctx.upstreams.pick(state.endpoints.resolve(m.backend));
      if (!endpoint) continue;
      let copy: PassThrough | null = null;
      if (body) {
        copy = new PassThrough();
        body.pipe(copy);
        copy.on('error', () => body.unpipe(copy!));
      }
      ctx.upstreams.pool(endpoint, m.backend).dispatch(
        { method: forwarded.method, path: forwarded.path, headers: forwarded.headers, body: copy },
        DISCARD,
      );
    }
  }
}

const DISCARD: Dispatcher.DispatchHandler = {
  onConnect: () => undefined,
  onHeaders: () => true,
  onData: () => true,
  onComplete: () => undefined,
  onError: () => undefined,
};

function header(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === lower) return raw[i + 1];
  return undefined;
}
