// Benchmark: one HTTPRoute changed among 10,000 → how long until `cdk8s-gateway serve` serves it.
// The routes live in 100 files of 100; the changing route has a file of its own, rewritten
// with a new path each time; the clock runs from the write until a request for the new path
// answers 200 (polled every 2 ms over a kept-alive connection).
// Run: npx projen bench:propagation [-- --changes N]
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { benchGateway, freePort, numberArg } from '../util';

const ROOT = path.resolve(__dirname, '..', '..');
const FILES = 100;
const ROUTES_PER_FILE = 100;

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number, host: string, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

function route(name: string, host: string, pathPrefix: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: bench }
spec:
  parentRefs: [{ name: bench }]
  hostnames: [${host}]
  rules: [{ matches: [{ path: { type: PathPrefix, value: ${pathPrefix} } }], backendRefs: [{ name: backend, port: 80 }] }]
`;
}

async function main(): Promise<void> {
  const changes = numberArg('--changes', 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-bench-propagation-'));
  const backend = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await new Promise((r) => backend.once('listening', r));
  const backendPort = (backend.address() as net.AddressInfo).port;
  let serve: ChildProcess | undefined;
  try {
    fs.writeFileSync(path.join(dir, '000-base.yaml'), benchGateway(backendPort));
    for (let f = 0; f < FILES; f++) {
      let text = '';
      for (let r = 0; r < ROUTES_PER_FILE; r++) text += route(`r-${f}-${r}`, `h${f}-${r}.example.com`, `/p${r}`);
      fs.writeFileSync(path.join(dir, `routes-${String(f).padStart(3, '0')}.yaml`), text);
    }
    const changing = path.join(dir, 'zz-changing.yaml');
    fs.writeFileSync(changing, route('changing', 'changing.example.com', '/v0'));

    const offset = (await freePort()) - 80;
    const adminPort = await freePort();
    serve = spawn(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-gateway'), 'serve', dir,
      '--listen-offset', String(offset), '--bind', '127.0.0.1', '--admin-port', String(adminPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
    const port = 80 + offset;
    const t0 = performance.now();
    while ((await get(adminPort, 'admin', '/readyz')) !== 200) await new Promise((r) => setTimeout(r, 50));
    const startupMs = performance.now() - t0;
    if ((await get(port, 'changing.example.com', '/v0')) !== 200) throw new Error('the initial route is not served');

    const times: number[] = [];
    for (let i = 1; i <= changes; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      fs.writeFileSync(changing, route('changing', 'changing.example.com', `/v${i}`));
      for (;;) {
        if ((await get(port, 'changing.example.com', `/v${i}`)) === 200) break;
        if (performance.now() - started > 30_000) throw new Error(`change ${i} not live after 30 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`${FILES * ROUTES_PER_FILE + 1} HTTPRoutes in ${FILES + 2} files; serve ready after ${startupMs.toFixed(0)} ms (node ${process.version})`);
    console.log(`one route changed → live: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms over ${changes} changes`);
  } finally {
    if (serve?.pid && serve.exitCode === null) serve.kill('SIGTERM');
    agent.destroy();
    backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
