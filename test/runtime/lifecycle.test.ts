/**
 * Reloads, the admin port, conflicts, hostile input and the process lifecycle of `serve`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import {
  backend, CONTROLLER, destroyAgent, Echo, freePort, get, httpRoute, manifests, raw, serve, startEcho, statusOf, tempDir, writeManifests,
} from './support';

const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'cdk8s-gateway');

let a: Echo;
let b: Echo;

beforeAll(async () => {
  [a, b] = await Promise.all([startEcho('a'), startEcho('b')]);
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  destroyAgent();
});

function config(target: string, marker: string, listeners: object[] = [{ name: 'http', port: 80, protocol: 'HTTP' }]) {
  return manifests({
    listeners,
    services: [{ name: 'svc-a', endpoints: [a.port] }, { name: 'svc-b', endpoints: [b.port] }],
    routes: [httpRoute([{
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Marker', value: marker }] } }],
      backendRefs: [backend(target)],
    }], { name: 'route' })],
  });
}

describe('reloads', () => {
  test('applies 100 rewrites of the watched file under continuous load without failing a request', async () => {
    const served = await serve(config('svc-a', 'm0'));
    const port = served.port(80);
    let stop = false;
    const failures: string[] = [];
    let completed = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const answer = await get(port, '/load');
          if (answer.status !== 200) failures.push(`status ${answer.status}`);
          completed++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let i = 1; i <= 100; i++) {
      const generation = served.handle.generation();
      writeManifests(served.file, config(i % 2 === 0 ? 'svc-a' : 'svc-b', `m${i}`));
      const end = Date.now() + 5000;
      while (served.handle.generation() === generation && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 5));
      expect(served.handle.generation()).toBeGreaterThan(generation);
    }
    stop = true;
    await Promise.all(workers);
    await served.close();
    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(100);
  }, 60_000);

  test('serves a changed route and new endpoints on the same connection without reopening the listener', async () => {
    const served = await serve(config('svc-a', 'first'));
    const port = served.port(80);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ask = () => new Promise<{ pod: string; marker: string; socket: unknown }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', agent }, res => {
        let body = '';
        res.on('data', c => body += c);
        res.on('end', () => {
          const reply = JSON.parse(body);
          resolve({ pod: reply.pod, marker: reply.headers['x-marker'][0], socket: res.socket });
        });
      }).on('error', reject);
    });
    const first = await ask();
    writeManifests(served.file, config('svc-b', 'second'));
    await served.handle.reload();
    const second = await ask();
    expect([first.pod, first.marker, second.pod, second.marker]).toEqual(['a', 'first', 'b', 'second']);
    expect(second.socket).toBe(first.socket);
    agent.destroy();
    await served.close();
  });

  test('keeps the previous configuration when the file becomes unreadable', async () => {
    const served = await serve(config('svc-a', 'good'));
    fs.writeFileSync(served.file, 'kind: [unclosed');
    await served.handle.reload();
    expect((await get(served.port(80), '/')).json().headers['x-marker']).toEqual(['good']);
    await served.close();
  });

  test('opens and closes listeners when the set of ports changes', async () => {
    const served = await serve(config('svc-a', 'x'));
    writeManifests(served.file, config('svc-a', 'x', [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'extra', port: 81, protocol: 'HTTP' }]));
    await served.handle.reload();
    expect((await get(served.port(81), '/')).status).toBe(200);
    writeManifests(served.file, config('svc-a', 'x', [{ name: 'extra', port: 81, protocol: 'HTTP' }]));
    await served.handle.reload();
    await expect(get(served.port(80), '/')).rejects.toThrow(/ECONNREFUSED/);
    await served.close();
  });
});

describe('admin port', () => {
  test('answers /healthz, /readyz and /metrics with request counters and the config generation', async () => {
    const served = await serve(config('svc-a', 'x'));
    await get(served.port(80), '/');
    const admin = async (p: string) => get(served.handle.adminPort!, p);
    expect((await admin('/healthz')).status).toBe(200);
    expect((await admin('/readyz')).status).toBe(200);
    const metrics = (await admin('/metrics')).body;
    expect(metrics).toContain('gateway_config_generation 1');
    expect(metrics).toContain('gateway_http_requests_total{route="default/route",backend="default/svc-a",code="200"} 1');
    expect(metrics).toContain('gateway_http_request_duration_seconds_count{route="default/route"} 1');
    await served.close();
  });
});

describe('conflicts', () => {
  test('reports two Gateways that bind the same port, naming both', async () => {
    const objects = config('svc-a', 'x');
    const gateway = objects.find(o => (o as { kind: string }).kind === 'Gateway') as { metadata: { name: string } };
    objects.push({ ...gateway, metadata: { ...gateway.metadata, name: 'gw2' } });
    const served = await serve(objects);
    expect(served.logs.join('\n')).toMatch(/conflict: Gateways default\/gw and default\/gw2 both bind 127\.0\.0\.1:\d+/);
    expect((await get(served.port(80), '/')).status).toBe(200);
    await served.close();
  });
});

describe('hostile input', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  let port: number;
  beforeAll(async () => {
    served = await serve(config('svc-a', 'x'));
    port = served.port(80);
  });
  afterAll(() => served.close());

  test('answers 431 to oversized headers', async () => {
    expect(statusOf(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`))).toBe(431);
  });

  test('forwards a chunked request body intact', async () => {
    const response = await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(statusOf(response)).toBe(200);
    expect(response).toContain('"body":"hello"');
  });
});

describe('process', () => {
  test('exits 0 on SIGTERM after finishing the request in flight', async () => {
    if (!fs.existsSync(path.join(REPO, 'lib', 'runtime', 'serve.js'))) {
      throw new Error('lib/runtime/serve.js is missing: compile first (npx jsii --silence-warnings=reserved-word)');
    }
    const dir = tempDir();
    const file = path.join(dir, 'manifests.yaml');
    writeManifests(file, config('svc-a', 'x'));
    const offset = (await freePort()) - 80;
    const adminPort = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', file, '--controller-name', CONTROLLER, '--listen-offset', String(offset),
      '--bind', '127.0.0.1', '--admin-port', String(adminPort)], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => stderr += d);
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    const end = Date.now() + 15_000;
    while (!(await get(adminPort, '/readyz').then(r => r.status === 200, () => false))) {
      if (Date.now() > end) throw new Error(`serve did not become ready: ${stderr}`);
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    const inFlight = get(offset + 80, '/?delay=500');
    await new Promise(resolve => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM received');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
