/**
 * The URL computations of RequestRedirect and URLRewrite, shared by the data plane and
 * `explain` so both say the same thing about one request.
 */
import { HttpMatchIR, PathModifierIR, RedirectIR } from '../translate';

/** What a redirect needs to know about the request it answers. */
export interface RedirectRequest {
  /** The scheme the client used: `https` on an HTTPS listener. */
  readonly scheme: 'http' | 'https';
  /** Host without port. */
  readonly host: string;
  readonly path: string;
  /** The raw query string without `?`, kept in the Location; empty or undefined for none. */
  readonly query?: string;
}

const WELL_KNOWN_PORTS: Record<string, number> = { http: 80, https: 443 };

/**
 * The Location of a RequestRedirect. Scheme and hostname default to the request's; the port is
 * the filter's, else the well-known port of a scheme the filter sets, else the port of the
 * listener as declared in the Gateway; a port that is the scheme's default is left out.
 */
export function redirectLocation(redirect: RedirectIR, request: RedirectRequest, listenerPort: number, match: HttpMatchIR): string {
  const scheme = redirect.scheme ?? request.scheme;
  const host = redirect.hostname ?? request.host;
  const port = redirect.port ?? (redirect.scheme !== undefined ? WELL_KNOWN_PORTS[redirect.scheme] ?? listenerPort : listenerPort);
  const authority = port === WELL_KNOWN_PORTS[scheme] ? hostForUrl(host) : `${hostForUrl(host)}:${port}`;
  const path = redirect.path ? modifiedPath(redirect.path, request.path, match) : request.path;
  return `${scheme}://${authority}${path}${request.query ? `?${request.query}` : ''}`;
}

/** The path a URLRewrite (or redirect) path modifier makes of the request path. */
export function modifiedPath(modifier: PathModifierIR, path: string, match: HttpMatchIR): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value;
  // The API only allows ReplacePrefixMatch with a PathPrefix match; an Exact match is its own prefix.
  if (match.path.type === 'RegularExpression') return path;
  return replacePrefix(path, match.path.value, modifier.value);
}

/**
 * ReplacePrefixMatch, element-wise: the matched prefix (trailing `/` ignored) is replaced and
 * the rest of the path kept, so `/foo/bar` with prefix `/foo` and replacement `/xyz` becomes
 * `/xyz/bar`, and an empty replacement of the whole path leaves `/`.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const matched = prefix.replace(/\/+$/, '');
  const rest = path.slice(matched.length);
  const result = replacement.replace(/\/+$/, '') + rest;
  if (result === '') return '/';
  return result.startsWith('/') ? result : `/${result}`;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
