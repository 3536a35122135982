/**
 * The request line and header block, built as one latin1 string, and the body framing that goes
 * with it. Names, values, the method and the target are checked the way undici checks them, so a
 * CR or LF from a filter or a rewrite can never split the request.
 */
import { UpstreamError } from './errors';

/** How the body is delimited on the wire: no body bytes, exactly `length` bytes, or re-chunked as it streams. */
export type Framing = 'none' | 'length' | 'chunked';

export interface RequestHead {
  readonly text: string;
  readonly framing: Framing;
  /** The Content-Length, when `framing` is Length. */
  readonly length: number;
}

/** The kinds of body the pool writes itself. */
export type BodyKind = 'none' | 'bytes' | 'stream';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values may hold visible ASCII, SP, HTAB and obs-text; never CR, LF or NUL. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** undici's rule for the request target: no control characters, no space, nothing past latin1. */
const BAD_TARGET = /[^\u0021-\u00ff]/;

/**
 * Headers that describe the connection, which the pool owns: it frames the body itself and keeps
 * connections alive by its own rules, and upgrades never take this path.
 */
const CONNECTION_LEVEL = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'proxy-connection']);

/** Lengths of the names the head treats specially: most names skip the lower-casing by their length alone. */
const SPECIAL_LENGTHS = new Set(['host', 'content-length', ...CONNECTION_LEVEL].map(name => name.length));

/** Methods whose requests carry a body by definition; without one they get `content-length: 0`, as undici and node:http do. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function invalid(message: string): UpstreamError {
  return new UpstreamError(message, 'UND_ERR_INVALID_ARG');
}

/** Header pairs as a flat list; `headers` is a flat list or an object (values may be lists). */
export function flatHeaders(headers: unknown): string[] | undefined {
  if (headers == null) return [];
  if (Array.isArray(headers)) return headers.length % 2 === 0 ? headers as string[] : undefined;
  if (typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype && Object.getPrototypeOf(headers) !== null) return undefined;
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) flat.push(name, String(v));
    else flat.push(name, String(value));
  }
  return flat;
}

/**
 * The head for `method target` with `headers` (a flat list), adding Host when absent and the
 * framing header the body needs. A caller's Content-Length is kept and held to; without one a
 * stream is chunked and bytes get their length.
 */
export function requestHead(
  method: string, target: string, headers: readonly string[], host: string, body: BodyKind, bodyBytes: number,
): RequestHead | UpstreamError {
  if (!TOKEN.test(method)) return invalid(`invalid request method ${JSON.stringify(method)}`);
  if (target.length === 0 || BAD_TARGET.test(target)) return invalid(`invalid request target ${JSON.stringify(target)}`);
  let text = `${method} ${target} HTTP/1.1\r\n`;
  let hasHost = false;
  let declared = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string') return invalid('header names and values must be strings');
    if (!TOKEN.test(name)) return invalid(`invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) return invalid(`invalid value for header ${name}`);
    if (SPECIAL_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (lower === 'host') {
        hasHost = true;
      } else if (lower === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) return invalid(`invalid content-length ${JSON.stringify(value)}`);
        const length = Number(value);
        if (declared >= 0 && declared !== length) return invalid('conflicting content-length headers');
        if (declared >= 0) continue;
        declared = length;
      } else if (CONNECTION_LEVEL.has(lower)) {
        continue;
      }
    }
    text += `${name}: ${value}\r\n`;
  }
  if (!hasHost) text += `host: ${host}\r\n`;
  let framing: Framing;
  let length = declared;
  if (body === 'none') {
    if (declared > 0) return new UpstreamError(`content-length ${declared} but no body`, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
    if (declared < 0 && PAYLOAD_METHODS.has(method)) text += 'content-length: 0\r\n';
    framing = 'none';
    length = 0;
  } else if (body === 'bytes') {
    if (declared >= 0 && declared !== bodyBytes) {
      return new UpstreamError(`content-length ${declared} but a body of ${bodyBytes} bytes`, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
    }
    if (declared < 0) text += `content-length: ${bodyBytes}\r\n`;
    framing = bodyBytes > 0 ? 'length' : 'none';
    length = bodyBytes;
  } else if (declared >= 0) {
    // Even a declared 0 is held to: a stream that then yields bytes is refused, not sent.
    framing = 'length';
  } else {
    text += 'transfer-encoding: chunked\r\n';
    framing = 'chunked';
  }
  return { text: `${text}\r\n`, framing, length };
}
