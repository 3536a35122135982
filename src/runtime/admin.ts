/**
 * The admin port: liveness, readiness and Prometheus metrics, on a server of its own so that
 * probes and scrapes never queue behind proxied traffic.
 */
import * as http from 'http';

export interface AdminStatus {
  /** True once the first configuration is live (listeners bound); with workers, in every one of them. */
  ready(): boolean | Promise<boolean>;
  /** True from SIGTERM on, so a load balancer stops sending new traffic while requests drain. */
  draining(): boolean;
  /** The Prometheus text exposition. */
  metrics(): string | Promise<string>;
}

export function startAdmin(address: string, port: number, status: AdminStatus): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return send(res, 200, 'ok\n');
    if (path === '/readyz') {
      if (status.draining()) return send(res, 503, 'draining\n');
      return void Promise.resolve(status.ready()).then(ready => ready ? send(res, 200, 'ok\n') : send(res, 503, 'no configuration loaded yet\n'));
    }
    if (path === '/metrics') return void Promise.resolve(status.metrics()).then(text => send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8'));
    return send(res, 404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function send(res: http.ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
