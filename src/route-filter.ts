import { Duration } from 'cdk8s';
import { Backend } from './backend';
import { compact } from './private/util';

/** Header changes: `set` overwrites, `add` appends, `remove` deletes (names are case-insensitive). */
export interface HeaderModifications {
  /** @default - none */
  readonly set?: { [name: string]: string };
  /** @default - none */
  readonly add?: { [name: string]: string };
  /** @default - none */
  readonly remove?: string[];
}

/** How a redirect or rewrite changes the path. */
export class PathModifier {
  /** Replaces the whole path. */
  public static replaceFullPath(path: string): PathModifier {
    return new PathModifier('ReplaceFullPath', path);
  }

  /**
   * Replaces the prefix the rule matched (`/foo/bar` matched by `/foo` becomes `/xyz/bar`).
   * The rule must have exactly one PathPrefix match.
   */
  public static replacePrefixMatch(prefix: string): PathModifier {
    return new PathModifier('ReplacePrefixMatch', prefix);
  }

  private constructor(public readonly type: string, public readonly value: string) {}

  /** @internal */
  public _toKube(): any {
    return this.type === 'ReplaceFullPath'
      ? { type: this.type, replaceFullPath: this.value }
      : { type: this.type, replacePrefixMatch: this.value };
  }
}

/** Schemes a redirect can switch to. */
export enum HttpScheme {
  HTTP = 'http',
  HTTPS = 'https',
}

export interface RedirectOptions {
  /** @default - the request's scheme */
  readonly scheme?: HttpScheme;
  /** @default - the request's host */
  readonly hostname?: string;
  /** @default - the well-known port of the scheme, or the listener's port */
  readonly port?: number;
  /** @default - the request's path */
  readonly path?: PathModifier;
  /**
   * 301, 302, 303, 307 or 308.
   *
   * @default 302
   */
  readonly statusCode?: number;
}

export interface RewriteOptions {
  /** @default - the Host header is kept */
  readonly hostname?: string;
  /** @default - the path is kept */
  readonly path?: PathModifier;
}

export interface MirrorOptions {
  /**
   * Share of requests mirrored, in percent.
   *
   * @default - every request (unless `fraction` is set)
   */
  readonly percent?: number;
  /**
   * Share of requests mirrored, as numerator/denominator (denominator 100 when omitted).
   *
   * @default - none
   */
  readonly fractionNumerator?: number;
  /** @default 100 */
  readonly fractionDenominator?: number;
}

export interface CorsOptions {
  /** Origins allowed (`https://app.example.com`, `https://*.example.com`, or `*`). */
  readonly allowOrigins?: string[];
  /** @default - none; use `*` for every method */
  readonly allowMethods?: string[];
  /** @default - none */
  readonly allowHeaders?: string[];
  /** @default - none */
  readonly exposeHeaders?: string[];
  /** @default - credentials are not allowed */
  readonly allowCredentials?: boolean;
  /** @default Duration.seconds(5) */
  readonly maxAge?: Duration;
}

/** A reference to an implementation-specific filter object in the route's namespace. */
export interface ExtensionReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** A filter: what a rule (or one backend of it) does to a request or its response. */
export class HttpRouteFilter {
  /** Changes request headers before the request reaches the backend. */
  public static requestHeaders(changes: HeaderModifications): HttpRouteFilter {
    return new HttpRouteFilter('RequestHeaderModifier', 'requestHeaderModifier', headersToKube(changes, 'requestHeaders'));
  }

  /** Changes response headers before the response reaches the client. */
  public static responseHeaders(changes: HeaderModifications): HttpRouteFilter {
    return new HttpRouteFilter('ResponseHeaderModifier', 'responseHeaderModifier', headersToKube(changes, 'responseHeaders'));
  }

  /** Answers with a redirect instead of forwarding (a rule with a redirect has no backends). */
  public static redirect(options: RedirectOptions): HttpRouteFilter {
    if (options.statusCode !== undefined && ![301, 302, 303, 307, 308].includes(options.statusCode)) {
      throw new Error(`redirect status code ${options.statusCode} is not allowed; use 301, 302, 303, 307 or 308`);
    }
    assertPort(options.port, 'redirect');
    return new HttpRouteFilter('RequestRedirect', 'requestRedirect', compact({
      scheme: options.scheme,
      hostname: options.hostname,
      path: options.path?._toKube(),
      port: options.port,
      statusCode: options.statusCode,
    }) ?? {});
  }

  /** A permanent (301) redirect to HTTPS on the same host and path. */
  public static httpsRedirect(): HttpRouteFilter {
    return HttpRouteFilter.redirect({ scheme: HttpScheme.HTTPS, statusCode: 301 });
  }

  /** Rewrites the host and/or path seen by the backend. */
  public static rewrite(options: RewriteOptions): HttpRouteFilter {
    if (!options.hostname && !options.path) {
      throw new Error('HttpRouteFilter.rewrite() needs a hostname or a path');
    }
    return new HttpRouteFilter('URLRewrite', 'urlRewrite', compact({ hostname: options.hostname, path: options.path?._toKube() }) ?? {});
  }

  /**
   * Sends a copy of requests to another backend; its responses are ignored. A backend in
   * another namespace gets its ReferenceGrant inferred.
   */
  public static mirror(backend: Backend, options: MirrorOptions = {}): HttpRouteFilter {
    if (backend.weight !== undefined || backend.filters.length > 0) {
      throw new Error('a mirror backend takes no weight or filters');
    }
    if (options.percent !== undefined && options.fractionNumerator !== undefined) {
      throw new Error('HttpRouteFilter.mirror(): set percent or fraction, not both');
    }
    if (options.percent !== undefined && (options.percent < 0 || options.percent > 100)) {
      throw new Error(`mirror percent ${options.percent} is out of range; use 0-100`);
    }
    const fraction = options.fractionNumerator === undefined ? undefined : compact({
      numerator: options.fractionNumerator,
      denominator: options.fractionDenominator,
    });
    const filter = new HttpRouteFilter('RequestMirror', 'requestMirror', {});
    filter.mirrorBackend = backend;
    filter.mirrorPercent = options.percent;
    filter.mirrorFraction = fraction;
    return filter;
  }

  /** Answers CORS preflight requests and adds CORS headers to responses. */
  public static cors(options: CorsOptions): HttpRouteFilter {
    return new HttpRouteFilter('CORS', 'cors', compact({
      allowOrigins: options.allowOrigins,
      allowMethods: options.allowMethods,
      allowHeaders: options.allowHeaders,
      exposeHeaders: options.exposeHeaders,
      allowCredentials: options.allowCredentials,
      maxAge: options.maxAge?.toSeconds(),
    }) ?? {});
  }

  /** An implementation-specific filter defined by another object. */
  public static extension(ref: ExtensionReference): HttpRouteFilter {
    return new HttpRouteFilter('ExtensionRef', 'extensionRef', { group: ref.group, kind: ref.kind, name: ref.name });
  }

  private mirrorBackend?: Backend;
  private mirrorPercent?: number;
  private mirrorFraction?: any;

  private constructor(
    /** The filter type (`RequestHeaderModifier`, `RequestRedirect`, ...). */
    public readonly type: string,
    private readonly field: string,
    private readonly config: any,
  ) {}

  /** The backend a mirror filter copies requests to. */
  public get mirrorTarget(): Backend | undefined {
    return this.mirrorBackend;
  }

  /** @internal */
  public _toKube(routeNamespace: string | undefined): any {
    const config = this.mirrorBackend
      ? compact({ backendRef: this.mirrorBackend._toRef(routeNamespace), percent: this.mirrorPercent, fraction: this.mirrorFraction })
      : this.config;
    return { type: this.type, [this.field]: config };
  }
}

function headersToKube(changes: HeaderModifications, factory: string): any {
  const toList = (m?: { [name: string]: string }) => Object.entries(m ?? {}).map(([name, value]) => ({ name, value }));
  const out = compact({ set: toList(changes.set), add: toList(changes.add), remove: changes.remove ? [...changes.remove] : undefined });
  if (!out) throw new Error(`HttpRouteFilter.${factory}() needs at least one of set, add or remove`);
  return out;
}

function assertPort(port: number | undefined, what: string): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${what} port ${port} is out of range; use 1-65535`);
  }
}
