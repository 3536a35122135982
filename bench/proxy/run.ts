// Benchmark: requests/s and latency through `cdk8s-gateway serve` and through nginx (Debian's,
// a reverse proxy with keep-alive upstreams and the same worker count) to the same fast backend
// (nginx `return 200`, 1 worker), with wrk on loopback. Rounds run nginx, ours, nginx, and each
// ratio is ours over the mean of the two nginx runs of its round, so machine noise cancels.
//
// Needs nginx and wrk (apt-get install -y nginx wrk). Run: npx projen bench:proxy [-- --rounds N]
// Every process it starts listens on 127.0.0.1 only and is stopped by PID.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { benchGateway, freePort, numberArg } from '../util';

const ROOT = path.resolve(__dirname, '..', '..');
const DURATION = '8s';
const CONNECTIONS = 50;

interface WrkResult { rps: number; p50ms: number; p99ms: number; requests: number; cpuUsPerRequest: number }

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
function treeCpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name, which may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICKS);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function nginxConfig(dir: string, listen: number, workers: number, body: string, httpBlocks = ''): string {
  const file = path.join(dir, `nginx-${listen}.conf`);
  fs.writeFileSync(file, `
worker_processes ${workers};
daemon off;
pid ${dir}/nginx-${listen}.pid;
error_log ${dir}/nginx-${listen}.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body-${listen};
  proxy_temp_path ${dir}/proxy-${listen};
  fastcgi_temp_path ${dir}/fcgi-${listen};
  uwsgi_temp_path ${dir}/uwsgi-${listen};
  scgi_temp_path ${dir}/scgi-${listen};
  ${httpBlocks}
  server {
    listen 127.0.0.1:${listen};
    ${body}
  }
}`);
  return file;
}

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  child.stderr?.on('data', (d) => { if (process.env.BENCH_VERBOSE) process.stderr.write(d); });
  return child;
}

/** The wrk script for `--body N`: POST with an N-byte body. */
let wrkScript: string | undefined;

function wrk(port: number, proxyPid?: number): WrkResult {
  const cpuBefore = proxyPid ? treeCpuSeconds(proxyPid) : 0;
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency',
    ...(wrkScript ? ['-s', wrkScript] : []), `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const cpu = proxyPid ? treeCpuSeconds(proxyPid) - cpuBefore : 0;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const toMs = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const pct = (p: string) => {
    const m = new RegExp(`${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (errors) throw new Error(`wrk saw ${errors[1]} error responses on port ${port}`);
  return { rps, p50ms: pct('50'), p99ms: pct('99'), requests, cpuUsPerRequest: requests > 0 ? (cpu * 1e6) / requests : NaN };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function manifests(backendPort: number): string {
  return `${benchGateway(backendPort)}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bench, namespace: bench }
spec:
  parentRefs: [{ name: bench }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: / } }], backendRefs: [{ name: backend, port: 80 }] }]
`;
}

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 3);
  const workers = numberArg('--workers', 1);
  const body = numberArg('--body', 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-bench-proxy-'));
  if (body > 0) {
    wrkScript = path.join(dir, 'post.lua');
    fs.writeFileSync(wrkScript, `wrk.method = "POST"\nwrk.body = string.rep("x", ${body})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);
  }
  const children: ChildProcess[] = [];
  const stopAll = () => { for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGTERM'); };
  process.on('exit', stopAll);
  try {
    const backendPort = await freePort();
    children.push(start('nginx', ['-c', nginxConfig(dir, backendPort, 1, 'location / { return 200 "hello world\\n"; }')]));

    const nginxPort = await freePort();
    const nginxProxy = start('nginx', ['-c', nginxConfig(dir, nginxPort, workers,
      'location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }',
      `upstream be { server 127.0.0.1:${backendPort}; keepalive 128; }`)]);
    children.push(nginxProxy);

    fs.writeFileSync(path.join(dir, 'bench.yaml'), manifests(backendPort));
    const offset = (await freePort()) - 80;
    const adminPort = await freePort();
    const serveArgs = [path.join(ROOT, 'bin', 'cdk8s-gateway'), 'serve', path.join(dir, 'bench.yaml'),
      '--listen-offset', String(offset), '--bind', '127.0.0.1', '--admin-port', String(adminPort)];
    if (workers > 1) serveArgs.push('--workers', String(workers));
    const ours = start(process.execPath, serveArgs);
    children.push(ours);
    const oursPort = 80 + offset;

    await Promise.all([waitForPort(backendPort), waitForPort(nginxPort), waitForPort(oursPort)]);
    // Warm-up: JIT, connection pools.
    for (const port of [backendPort, nginxPort, oursPort]) execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, '-d2s', `http://127.0.0.1:${port}/`]);

    const direct = wrk(backendPort);
    const rows: { nginx: WrkResult[]; ours: WrkResult; ratio: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = wrk(nginxPort, nginxProxy.pid);
      const result = wrk(oursPort, ours.pid);
      const after = wrk(nginxPort, nginxProxy.pid);
      rows.push({ nginx: [before, after], ours: result, ratio: result.rps / ((before.rps + after.rps) / 2) });
      console.error(`round ${r + 1}: nginx ${before.rps.toFixed(0)}/${after.rps.toFixed(0)} req/s, ours ${result.rps.toFixed(0)} req/s, ratio ${rows[r].ratio.toFixed(2)}`);
    }
    const nginxAll = rows.flatMap((r) => r.nginx);
    const oursAll = rows.map((r) => r.ours);
    const ratio = median(rows.map((r) => r.ratio));
    const addedP99 = (x: number) => x - direct.p99ms;
    console.log(`wrk -t1 -c${CONNECTIONS} -d${DURATION}, ${rounds} rounds, ${workers} worker(s) each, ${body > 0 ? `POST ${body} B` : 'GET'}, backend nginx return 200 (node ${process.version}, ${os.cpus().length} cores)`);
    console.log('| target | req/s (median) | p50 ms | p99 ms | added p99 ms over direct | proxy CPU µs/request |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| direct to backend | ${direct.rps.toFixed(0)} | ${direct.p50ms.toFixed(2)} | ${direct.p99ms.toFixed(2)} | - | - |`);
    const line = (name: string, rs: WrkResult[]) => {
      const p99 = median(rs.map((x) => x.p99ms));
      console.log(`| ${name} | ${median(rs.map((x) => x.rps)).toFixed(0)} | ${median(rs.map((x) => x.p50ms)).toFixed(2)} | ${p99.toFixed(2)} | ${addedP99(p99).toFixed(2)} | ${median(rs.map((x) => x.cpuUsPerRequest)).toFixed(1)} |`);
    };
    line(`nginx proxy, ${workers} worker(s), keep-alive upstream`, nginxAll);
    line(`cdk8s-gateway serve${workers > 1 ? `, ${workers} processes` : ''}`, oursAll);
    const oursAdded = addedP99(median(oursAll.map((x) => x.p99ms)));
    const nginxAdded = addedP99(median(nginxAll.map((x) => x.p99ms)));
    console.log(`ratio ours/nginx req/s: ${ratio.toFixed(2)} (per round: ${rows.map((r) => r.ratio.toFixed(2)).join(', ')}); added p99 ours/nginx: ${(oursAdded / nginxAdded).toFixed(2)}`);
  } finally {
    stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
