/**
 * Errors the pool reports to a request's handler. Their codes are undici's, so a caller that
 * reacts to undici's failures (retry, ejection, 502 vs 504) reacts the same way to this pool's.
 */

export type UpstreamErrorCode =
  /** The connection closed or broke before the response was complete. */
  | 'UND_ERR_SOCKET'
  | 'UND_ERR_CONNECT_TIMEOUT'
  /** The handler aborted the request. */
  | 'UND_ERR_ABORTED'
  | 'UND_ERR_CLOSED'
  | 'UND_ERR_DESTROYED'
  | 'UND_ERR_INVALID_ARG'
  | 'UND_ERR_NOT_SUPPORTED'
  /** The request body was longer or shorter than its Content-Length. */
  | 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH';

export class UpstreamError extends Error {
  constructor(message: string, readonly code: UpstreamErrorCode) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/**
 * The error a request gets when its connection ended under it. System errors keep their code
 * (ECONNREFUSED, ECONNRESET, EHOSTUNREACH...), except a broken pipe, which is the same event as
 * a close seen from the writing side.
 */
export function connectionLost(err: Error | undefined): Error {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (err && typeof code === 'string' && code !== 'EPIPE') return err;
  const lost = new UpstreamError(err ? `connection to the backend broke: ${err.message}` : 'the backend closed the connection', 'UND_ERR_SOCKET');
  if (err) lost.cause = err;
  return lost;
}

/** A response that is not HTTP/1.1 as llhttp reads it; the code stays llhttp's (HPE_...). */
export function malformedResponse(err: Error): Error {
  const { code, reason } = err as { code?: unknown; reason?: unknown };
  const malformed = new Error(`the backend's answer is not valid HTTP/1.1: ${typeof reason === 'string' ? reason : err.message}`, { cause: err });
  return Object.assign(malformed, { code: typeof code === 'string' ? code : 'HPE_INVALID' });
}
