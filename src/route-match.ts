/** HTTP methods a route can match. */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  DELETE = 'DELETE',
  CONNECT = 'CONNECT',
  OPTIONS = 'OPTIONS',
  TRACE = 'TRACE',
  PATCH = 'PATCH',
}

/** How a request path is matched. */
export class PathMatch {
  /** The whole path, case-sensitive (`/abc` does not match `/abc/`). */
  public static exact(path: string): PathMatch {
    assertAbsolute(path, 'exact');
    return new PathMatch('Exact', path);
  }

  /**
   * A path prefix on `/`-separated elements: `/api` matches `/api`, `/api/` and `/api/v1`,
   * not `/apis`.
   */
  public static prefix(path: string): PathMatch {
    assertAbsolute(path, 'prefix');
    return new PathMatch('PathPrefix', path);
  }

  /** A regular expression over the path (dialect and precedence are implementation-specific). */
  public static regularExpression(pattern: string): PathMatch {
    if (pattern.length === 0) throw new Error('PathMatch.regularExpression() needs a pattern');
    return new PathMatch('RegularExpression', pattern);
  }

  private constructor(
    /** `Exact`, `PathPrefix` or `RegularExpression`. */
    public readonly type: string,
    public readonly value: string,
  ) {}
}

/** A match on one request header (names compare case-insensitively). */
export class HeaderMatch {
  public static exact(name: string, value: string): HeaderMatch {
    return new HeaderMatch('Exact', name, value);
  }

  /** A regular expression over the header value (dialect is implementation-specific). */
  public static regularExpression(name: string, pattern: string): HeaderMatch {
    return new HeaderMatch('RegularExpression', name, pattern);
  }

  private constructor(public readonly type: string, public readonly name: string, public readonly value: string) {
    if (name.length === 0) throw new Error('a header match needs a header name');
  }
}

/** A match on one query parameter (names compare exactly). */
export class QueryParamMatch {
  public static exact(name: string, value: string): QueryParamMatch {
    return new QueryParamMatch('Exact', name, value);
  }

  /** A regular expression over the parameter value (dialect is implementation-specific). */
  public static regularExpression(name: string, pattern: string): QueryParamMatch {
    return new QueryParamMatch('RegularExpression', name, pattern);
  }

  private constructor(public readonly type: string, public readonly name: string, public readonly value: string) {
    if (name.length === 0) throw new Error('a query parameter match needs a parameter name');
  }
}

/**
 * Conditions a request must meet, all of them (path, method, every header and every query
 * parameter). A rule matches when any of its matches does.
 */
export interface HttpRouteMatch {
  /** @default - PathMatch.prefix('/') */
  readonly path?: PathMatch;
  /** @default - any headers */
  readonly headers?: HeaderMatch[];
  /** @default - any query */
  readonly queryParams?: QueryParamMatch[];
  /** @default - any method */
  readonly method?: HttpMethod;
}

function assertAbsolute(path: string, factory: string): void {
  if (!path.startsWith('/')) {
    throw new Error(`PathMatch.${factory}("${path}"): the path must start with "/"; did you mean "/${path}"?`);
  }
}
