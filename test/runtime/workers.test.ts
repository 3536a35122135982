/**
 * `serve --workers 2` as a process: connections spread over both workers, the primary's admin
 * port speaks for them, and SIGTERM leaves no process behind.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { backend, CONTROLLER, destroyAgent, Echo, freePort, get, httpRoute, manifests, startEcho, tempDir, writeManifests } from './support';

const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'cdk8s-gateway');

let echo: Echo;

beforeAll(async () => {
  echo = await startEcho('a');
});

afterAll(async () => {
  await echo.close();
  destroyAgent();
});

/** One request on a connection of its own, so that the primary hands each to the next worker. */
function fresh(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: 'example.com' } }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('spreads fresh connections over two workers, replaces one that dies and stops them all on SIGTERM', async () => {
  if (!fs.existsSync(path.join(REPO, 'lib', 'runtime', 'workers.js'))) {
    throw new Error('lib/runtime/workers.js is missing: compile first (npx jsii --silence-warnings=reserved-word)');
  }
  const dir = tempDir();
  const file = path.join(dir, 'manifests.yaml');
  writeManifests(file, manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [{ name: 'svc', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc')] }], { name: 'route' })],
  }));
  const offset = (await freePort()) - 80;
  const adminPort = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', file, '--workers', '2', '--controller-name', CONTROLLER, '--listen-offset', String(offset),
    '--bind', '127.0.0.1', '--admin-port', String(adminPort)], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', d => stderr += d);
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  const end = Date.now() + 20_000;
  while (!(await get(adminPort, '/readyz').then(r => r.status === 200, () => false))) {
    if (Date.now() > end) throw new Error(`serve did not become ready: ${stderr}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const pids = [...stderr.matchAll(/worker \d started \(pid (\d+)\)/g)].map(m => Number(m[1]));
  expect(pids).toHaveLength(2);

  const statuses: number[] = [];
  for (let batch = 0; batch < 20; batch++) statuses.push(...await Promise.all(Array.from({ length: 10 }, () => fresh(offset + 80))));
  expect(statuses.filter(s => s !== 200)).toEqual([]);
  expect(statuses).toHaveLength(200);

  const metrics = (await get(adminPort, '/metrics')).body;
  const perWorker = [1, 2].map(w => Number(new RegExp(`^gateway_http_requests_total\\{worker="${w}",route="default/route",backend="default/svc",code="200"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0));
  expect(perWorker[0] + perWorker[1]).toBe(200);
  expect(perWorker[0]).toBeGreaterThan(0);
  expect(perWorker[1]).toBeGreaterThan(0);
  expect(metrics).toContain('gateway_config_generation{worker="2"} 1');

  process.kill(pids[0], 'SIGKILL');
  const restarted = Date.now() + 10_000;
  let replacement: number | undefined;
  while (replacement === undefined || !(await get(adminPort, '/readyz').then(r => r.status === 200, () => false))) {
    if (Date.now() > restarted) throw new Error(`worker 1 was not replaced: ${stderr}`);
    await new Promise(resolve => setTimeout(resolve, 50));
    replacement = [...stderr.matchAll(/worker 1 started \(pid (\d+)\)/g)].map(m => Number(m[1])).find(pid => pid !== pids[0]);
  }
  expect(stderr).toContain(`worker 1 (pid ${pids[0]}) exited (SIGKILL), restarting`);
  expect(await fresh(offset + 80)).toBe(200);
  pids.push(replacement);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr).toContain('SIGTERM received, draining 2 workers');
  expect(pids.filter(alive)).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
}, 40_000);
