/**
 * Request-target normalization. Routing decisions are made on the normalized path and the
 * backend receives that same path, so a request cannot be matched as one path and served as
 * another (`/public/../admin`, `/%61dmin`, `//admin`).
 */

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;

/** Characters RFC 3986 calls unreserved: decoding them never changes what a path means. */
function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)
    || code === 0x2d || code === DOT || code === 0x5f || code === 0x7e;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * The normalized form of an origin-form path (no query), or undefined when the path must be
 * refused with 400: not starting with `/`, a NUL, a malformed escape, or an encoded `/` or `\`
 * (which backends disagree on, so no interpretation is safe).
 */
export function normalizePath(path: string): string | undefined {
  if (path.charCodeAt(0) !== SLASH) return undefined;
  if (isClean(path)) return path;

  let decoded = '';
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 0) return undefined;
    if (code !== PERCENT) {
      decoded += path[i];
      continue;
    }
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return undefined;
    const byte = hi * 16 + lo;
    if (byte === 0 || byte === SLASH || byte === 0x5c) return undefined;
    decoded += isUnreserved(byte) ? String.fromCharCode(byte) : `%${path[i + 1].toUpperCase()}${path[i + 2].toUpperCase()}`;
    i += 2;
  }
  return resolveSegments(decoded);
}

/** The common case: no escapes, no dot segments, no empty segments, no NUL. */
function isClean(path: string): boolean {
  let previous = SLASH;
  for (let i = 1; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === PERCENT || code === 0) return false;
    if (code === SLASH && previous === SLASH) return false;
    if (code === DOT && previous === SLASH) return false;
    previous = code;
  }
  return true;
}

/** Collapses empty segments and resolves `.` and `..` (never above the root); a trailing `/` is kept. */
function resolveSegments(path: string): string {
  const input = path.split('/');
  const output: string[] = [];
  const last = input.length - 1;
  let trailingSlash = false;
  for (let i = 1; i <= last; i++) {
    const segment = input[i];
    if (segment === '' || segment === '.') {
      trailingSlash = i === last;
    } else if (segment === '..') {
      output.pop();
      trailingSlash = i === last;
    } else {
      output.push(segment);
      trailingSlash = false;
    }
  }
  const joined = `/${output.join('/')}`;
  return trailingSlash && output.length > 0 ? `${joined}/` : joined;
}

/** Host without port, lower case, no trailing dot; IPv6 literals keep their brackets. */
export function normalizeHost(authority: string | undefined): string {
  if (authority === undefined || authority === '') return '';
  let end = authority.length;
  if (authority.charCodeAt(0) === 0x5b) {
    end = authority.indexOf(']') + 1;
    if (end === 0) end = authority.length;
  } else {
    const colon = authority.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (authority.charCodeAt(end - 1) === DOT) end--;
  const host = end === authority.length ? authority : authority.slice(0, end);
  return hasUpperCase(host) ? host.toLowerCase() : host;
}

function hasUpperCase(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) return true;
  }
  return false;
}
