/**
 * HTTPRoute filters, turned once per rule (or backend) into a plan the request path only reads.
 * Headers travel as flat `[name, value, ...]` arrays, as Node and undici hand them over, so
 * modifying them never builds a header object.
 */
import { CorsIR, HeaderModifierIR, HttpFilterIR, MirrorIR, RedirectIR, RewriteIR } from '../../engine/translate';

/** A header modifier with lower-cased names, ready to apply to a flat header list. */
export interface HeaderPlan {
  /** Names whose existing values are dropped: `set` and `remove` names. */
  readonly drop: ReadonlySet<string>;
  /** Name/value pairs appended after dropping: `set` values, then `add` values. */
  readonly append: readonly string[];
  /** `add` names, which keep existing values and gain one more. */
  readonly addNames: ReadonlySet<string>;
}

export interface FilterPlan {
  readonly redirect?: RedirectIR;
  readonly rewrite?: RewriteIR;
  readonly request: HeaderPlan[];
  readonly response: HeaderPlan[];
  readonly mirrors: MirrorIR[];
  readonly cors?: CorsIR;
}

const EMPTY_PLAN: FilterPlan = { request: [], response: [], mirrors: [] };
const plans = new WeakMap<readonly HttpFilterIR[], FilterPlan>();

/** The plan of a filter list, computed on first use and kept as long as the IR lives. */
export function filterPlan(filters: readonly HttpFilterIR[]): FilterPlan {
  if (filters.length === 0) return EMPTY_PLAN;
  let plan = plans.get(filters);
  if (!plan) {
    plan = buildPlan(filters);
    plans.set(filters, plan);
  }
  return plan;
}

function buildPlan(filters: readonly HttpFilterIR[]): FilterPlan {
  let redirect: RedirectIR | undefined;
  let rewrite: RewriteIR | undefined;
  let cors: CorsIR | undefined;
  const request: HeaderPlan[] = [];
  const response: HeaderPlan[] = [];
  const mirrors: MirrorIR[] = [];
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier': request.push(headerPlan(f.requestHeaderModifier)); break;
      case 'ResponseHeaderModifier': response.push(headerPlan(f.responseHeaderModifier)); break;
      case 'RequestRedirect': redirect = f.requestRedirect; break;
      case 'URLRewrite': rewrite = f.urlRewrite; break;
      case 'RequestMirror': mirrors.push(f.requestMirror); break;
      case 'CORS': cors = f.cors; break;
    }
  }
  return { redirect, rewrite, cors, request, response, mirrors };
}

export function headerPlan(modifier: HeaderModifierIR): HeaderPlan {
  const drop = new Set<string>();
  const append: string[] = [];
  for (const { name, value } of modifier.set) {
    drop.add(name.toLowerCase());
    append.push(name, safeValue(value));
  }
  for (const name of modifier.remove) drop.add(name.toLowerCase());
  const addNames = new Set<string>();
  for (const { name, value } of modifier.add) {
    addNames.add(name.toLowerCase());
    append.push(name, safeValue(value));
  }
  return { drop, append, addNames };
}

/** CR, LF and NUL would split or end a header line: never let a configured value carry them. */
function safeValue(value: string): string {
  return /[\r\n\0]/.test(value) ? value.replace(/[\r\n\0]/g, '') : value;
}

/** A new flat list with the plan applied; `add` joins an existing value with a comma, as the API specifies. */
export function applyHeaderPlan(headers: string[], plan: HeaderPlan): string[] {
  const out: string[] = [];
  const existing = new Map<string, number>();
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i].toLowerCase();
    if (plan.drop.has(lower)) continue;
    if (plan.addNames.has(lower) && !existing.has(lower)) existing.set(lower, out.length + 1);
    out.push(headers[i], headers[i + 1]);
  }
  for (let i = 0; i < plan.append.length; i += 2) {
    const lower = plan.append[i].toLowerCase();
    const at = plan.addNames.has(lower) && !plan.drop.has(lower) ? existing.get(lower) : undefined;
    if (at !== undefined) out[at] = `${out[at]},${plan.append[i + 1]}`;
    else out.push(plan.append[i], plan.append[i + 1]);
  }
  return out;
}

/** Whether an Origin is allowed: exact, `*`, or a pattern with `*` standing for any characters. */
export function originAllowed(cors: CorsIR, origin: string): boolean {
  for (const allowed of cors.allowOrigins) {
    if (allowed === '*' || allowed === origin) return true;
    if (allowed.includes('*') && wildcardPattern(allowed).test(origin)) return true;
  }
  return false;
}

const patterns = new Map<string, RegExp>();

function wildcardPattern(allowed: string): RegExp {
  let re = patterns.get(allowed);
  if (!re) {
    re = new RegExp(`^${allowed.split('*').map(escapeRegExp).join('.*')}$`);
    patterns.set(allowed, re);
  }
  return re;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The headers answering a preflight from an allowed origin. A `*` for methods or headers is
 * answered with what the preflight asks for: browsers do not honour `*` on credentialed
 * requests, and the echo means the same on the others.
 */
export function preflightHeaders(cors: CorsIR, origin: string, requestMethod: string, requestHeaders: string | undefined): string[] {
  const headers = ['access-control-allow-origin', allowOriginValue(cors, origin, false)];
  if (cors.allowCredentials) headers.push('access-control-allow-credentials', 'true');
  if (cors.allowMethods.includes('*')) headers.push('access-control-allow-methods', requestMethod);
  else if (cors.allowMethods.length > 0) headers.push('access-control-allow-methods', cors.allowMethods.join(', '));
  if (cors.allowHeaders.includes('*') && requestHeaders) headers.push('access-control-allow-headers', requestHeaders);
  else if (cors.allowHeaders.length > 0) headers.push('access-control-allow-headers', cors.allowHeaders.join(', '));
  if (cors.exposeHeaders.length > 0) headers.push('access-control-expose-headers', cors.exposeHeaders.join(', '));
  if (cors.maxAge > 0) headers.push('access-control-max-age', String(cors.maxAge));
  return headers;
}

/**
 * The headers added to an actual (not preflight) response for an allowed origin.
 * `credentialed`: the request carries credentials (Authorization or Cookie).
 */
export function responseCorsHeaders(cors: CorsIR, origin: string, credentialed: boolean): string[] {
  const headers = ['access-control-allow-origin', allowOriginValue(cors, origin, credentialed)];
  if (cors.allowCredentials) headers.push('access-control-allow-credentials', 'true');
  if (cors.exposeHeaders.length > 0) headers.push('access-control-expose-headers', cors.exposeHeaders.join(', '));
  return headers;
}

/** A response to a credentialed request may not say `*`: browsers reject it, so the origin is echoed. */
function allowOriginValue(cors: CorsIR, origin: string, credentialed: boolean): string {
  return cors.allowOrigins.includes('*') && !cors.allowCredentials && !credentialed ? '*' : origin;
}
