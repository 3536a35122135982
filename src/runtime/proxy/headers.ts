/**
 * Hop-by-hop headers, removed in both directions the way Go's httputil.ReverseProxy does:
 * they describe one connection, not the message, and forwarding them lets a client steer the
 * proxy's connection to the backend (smuggling, pinned keep-alive, forged upgrades). Also
 * HTTP2-Settings, which belongs to one connection's h2c upgrade and which node:http2 refuses
 * to send on a response.
 */

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
]);

/** Whether a lower-case header name never crosses the proxy. */
export function isHopByHop(lower: string): boolean {
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-');
}

/** Header names listed in a Connection value, lower case; they are hop-by-hop for that message. */
export function connectionTokens(value: string): Set<string> {
  const tokens = new Set<string>();
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '' && token !== 'close' && token !== 'keep-alive') tokens.add(token);
  }
  return tokens;
}

/** Drops the headers a Connection header named, from a flat list. */
export function withoutNamed(headers: string[], named: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!named.has(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
  }
  return out;
}

/**
 * The response headers a backend sent, minus hop-by-hop ones, as strings. undici hands them over
 * as Buffers, the native pool as the latin1 strings llhttp decoded, which are kept as they are.
 * Values with CR, LF or NUL cannot come through either parser, so none is checked here again.
 */
export function responseHeaders(raw: readonly (Buffer | string)[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    const name = typeof n === 'string' ? n : n.toString('latin1');
    const lower = name.toLowerCase();
    const v = raw[i + 1];
    if (isHopByHop(lower)) {
      if (lower === 'connection') named = connectionTokens(typeof v === 'string' ? v : v.toString('latin1'));
      continue;
    }
    out.push(name, typeof v === 'string' ? v : v.toString('latin1'));
  }
  return named && named.size > 0 ? withoutNamed(out, named) : out;
}
