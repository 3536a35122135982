/**
 * RequestFacts from a URL and a header list, for the tools that describe a request instead of
 * receiving one (`explain`, tests, benchmarks). Query values are decoded and the first value
 * of a repeated name or header counts, as the RequestFacts contract says.
 */
import { RequestFacts } from './types';

export interface RequestDescription {
  readonly method?: string;
  /** An absolute URL; its host is the Host unless a `host` header is given. */
  readonly url: string;
  readonly headers?: readonly (readonly [string, string])[];
}

export function describedRequest(description: RequestDescription): RequestFacts & { readonly url: URL } {
  const url = new URL(description.url);
  const headers = new Map<string, string>();
  for (const [name, value] of description.headers ?? []) {
    const key = name.toLowerCase();
    if (!headers.has(key)) headers.set(key, value);
  }
  const hostHeader = headers.get('host');
  const host = hostHeader !== undefined ? stripPort(hostHeader.toLowerCase()) : url.hostname;
  return {
    url,
    host: host.replace(/\.$/, ''),
    path: url.pathname,
    method: (description.method ?? 'GET').toUpperCase(),
    header: (name) => headers.get(name),
    query: (name) => url.searchParams.get(name) ?? undefined,
  };
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
