/**
 * Connection upgrades (WebSocket and any other `Upgrade:`): routed like any request, then the
 * client socket and the backend socket are spliced together once the backend says 101.
 */
import { Duplex } from 'stream';
import { Dispatcher } from 'undici';
import { filterPlan } from './filters';
import { ClientRequest, forwardedRequest, pickBackend, PortState, ProxyContext, routeRequest } from './http';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 404: 'Not Found', 421: 'Misdirected Request', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** An answer written straight to the socket: there is no ServerResponse for an upgrade request. */
function rawReply(socket: Duplex, code: number): void {
  socket.end(`HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}

function headLines(raw: readonly (Buffer | string)[], skip?: ReadonlySet<string>): string {
  let text = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    if (skip?.has(name.toLowerCase())) continue;
    text += `${name}: ${raw[i + 1].toString('latin1')}\r\n`;
  }
  return text;
}

/** Framing of a relayed non-101 answer is redone: its body is sent close-delimited. */
const REFRAMED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** `socket` is the client's, paused, with `head` the bytes already read after the request head. */
export function handleUpgrade(ctx: ProxyContext, state: PortState, req: ClientRequest, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const routed = routeRequest(state, req);
  if (typeof routed === 'number') return rawReply(socket, routed);
  const { plan, result } = routed;
  if (result.rule.invalid || plan.filters.redirect) return rawReply(socket, result.rule.invalid ? 500 : 400);
  const backend = pickBackend(plan);
  if (!backend || backend.invalid) return rawReply(socket, 500);
  const endpoint = ctx.upstreams.pick(state.endpoints.resolve(backend));
  if (!endpoint) return rawReply(socket, 503);
  const forwarded = forwardedRequest(state, req, routed, plan.filters, filterPlan(backend.filters));

  let answered = false;
  const handler: Dispatcher.DispatchHandler = {
    onConnect: () => undefined,
    onUpgrade: (statusCode, rawHeaders, upstream) => {
      answered = true;
      socket.write(`HTTP/1.1 ${statusCode} Switching Protocols\r\n${headLines(rawHeaders ?? [])}\r\n`);
      if (head.length > 0) upstream.write(head);
      // Either side closing ends the tunnel; pipe() alone would leave the other socket open.
      upstream.on('error', () => socket.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
    },
    onHeaders: (statusCode, rawHeaders, _resume, statusText) => {
      answered = true;
      socket.write(`HTTP/1.1 ${statusCode} ${statusText}\r\n${headLines(rawHeaders, REFRAMED)}connection: close\r\n\r\n`);
      return true;
    },
    onData: chunk => socket.write(chunk),
    onComplete: () => socket.end(),
    onError: () => (answered ? socket.destroy() : rawReply(socket, 502)),
  };
  ctx.upstreams.pool(endpoint, backend).dispatch({
    method: forwarded.method,
    path: forwarded.path,
    headers: forwarded.headers,
    upgrade: routed.head.upgrade ?? 'websocket',
    body: null,
  }, handler);
}
