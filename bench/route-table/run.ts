// Benchmark: compile 10,000 HTTPRoutes into a route table, then time 100,000 lookups, then
// time compiling the table again after one route changed (from the previous table, as `serve`
// does on a reload).
//
// The routes spread over 2,000 hostnames (exact and wildcard) on one listener without
// hostname; each has a path prefix under /svc-N, half of them also an Exact path, and a third
// a header match, so every lookup meets several hostname tiers and prefix candidates. Requests
// mix hits, header misses, unknown paths and unknown hosts. Each lookup is timed on its own
// with process.hrtime.bigint (whose own cost, ~40 ns, is included). Memory is what the table
// keeps alive after a forced GC, so it needs --expose-gc.
//
// Run: node --expose-gc -r ts-node/register/transpile-only bench/route-table/run.ts [--routes N] [--requests N]
import { compile, compileGateway, describedRequest, RequestFacts } from '../../src/engine/compile';
import { GatewayIR, HttpRouteIR, translate } from '../../src/engine/translate';
import { sortByPrecedence } from '../../src/engine/translate/precedence';
import { KubeObject } from '../../src/engine/types';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const ROUTES = option('routes', 10_000);
const REQUESTS = option('requests', 100_000);
const HOSTS = Math.max(1, Math.floor(ROUTES / 5));

function random(seed: number): () => number {
  let state = seed % 2 ** 32;
  return () => {
    // Below 2^53 before the modulo, so the arithmetic stays exact in doubles.
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

function hostOf(i: number): string {
  return i % 4 === 0 ? `*.team-${i}.example.com` : `app-${i}.team-${i % 50}.example.com`;
}

function objects(): KubeObject[] {
  const list: KubeObject[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'bench' }, spec: { controllerName: 'example.com/bench' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'infra' },
      spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'infra' }, spec: { ports: [{ port: 8080 }] } },
  ];
  for (let i = 0; i < ROUTES; i++) {
    const matches: any[] = [{ path: { type: 'PathPrefix', value: `/svc-${i % 97}/v${i % 7}` } }];
    if (i % 2 === 0) matches.push({ path: { type: 'Exact', value: `/svc-${i % 97}/exact` } });
    if (i % 3 === 0) matches.push({ path: { type: 'PathPrefix', value: `/svc-${i % 97}` }, headers: [{ name: 'x-canary', value: 'true' }] });
    list.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: `route-${i}`, namespace: 'infra', creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace('.000Z', 'Z') },
      spec: {
        parentRefs: [{ name: 'edge' }],
        hostnames: [hostOf(i % HOSTS)],
        rules: [{ matches, backendRefs: [{ name: 'svc', port: 8080 }] }],
      },
    });
  }
  return list;
}

function requests(): RequestFacts[] {
  const next = random(42);
  const pick = (n: number) => Math.floor(next() * n);
  const result: RequestFacts[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const r = pick(ROUTES);
    const host = pick(10) === 0 ? `unknown-${i}.org` : hostOf(r % HOSTS).replace('*', `w${pick(3)}`);
    const svc = r % 97;
    const path = [`/svc-${svc}/v${r % 7}/items/${i}`, `/svc-${svc}/exact`, `/svc-${svc}/other`, `/nothing/${i}`][pick(4)];
    result.push(describedRequest({ url: `http://${host}${path}`, headers: pick(2) === 0 ? [['x-canary', 'true']] : [] }));
  }
  return result;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function percentile(sorted: BigInt64Array, p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const input = objects();
  let started = process.hrtime.bigint();
  const gateways = translate(input, { controllerName: 'example.com/bench' }).gateways;
  const translateMs = Number(process.hrtime.bigint() - started) / 1e6;

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  started = process.hrtime.bigint();
  const table = compile(gateways);
  const compileMs = Number(process.hrtime.bigint() - started) / 1e6;
  gc();
  const heapTable = process.memoryUsage().heapUsed - heapBefore;
  const rssGrowth = process.memoryUsage().rss - rssBefore;

  const port = table.gateways.get('infra/edge')!.httpPorts.get(80)!;
  const load = requests();
  for (let i = 0; i < 20_000; i++) port.match(load[i % load.length]);
  const times = new BigInt64Array(load.length);
  let hits = 0;
  for (let i = 0; i < load.length; i++) {
    const t0 = process.hrtime.bigint();
    const found = port.match(load[i]);
    times[i] = process.hrtime.bigint() - t0;
    if (found) hits++;
  }
  times.sort();

  // One route at a time gets a new path; the other routes stay the same objects, as the engine
  // hands them over.
  let gateway: GatewayIR = gateways[0];
  let compiled = table.gateways.get('infra/edge')!;
  const updates: number[] = [];
  for (let i = 0; i < 21; i++) {
    const listener = gateway.listeners[0];
    const at = (i * 7919) % listener.routes.length;
    const before = listener.routes[at] as HttpRouteIR;
    const changed: HttpRouteIR = { ...before, rules: before.rules.map((rule) => ({ ...rule, matches: [{ ...rule.matches[0], path: { type: 'PathPrefix', value: `/changed-${i}` } }] })) };
    const routes = sortByPrecedence(listener.routes.map((r) => r === before ? changed : r));
    gateway = { ...gateway, listeners: [{ ...listener, routes }] };
    const t0 = process.hrtime.bigint();
    compiled = compileGateway(gateway, compiled);
    updates.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  updates.sort((a, b) => a - b);

  const rows: [string, string][] = [
    ['routes (matches)', `${ROUTES} (${gateways[0].listeners[0].routes.reduce((n, r) => n + r.rules.reduce((m, rule) => m + (rule as any).matches.length, 0), 0)})`],
    ['translate', `${translateMs.toFixed(0)} ms`],
    ['compile', `${compileMs.toFixed(0)} ms`],
    ['compile after one route changed (median)', `${updates[Math.floor(updates.length / 2)].toFixed(2)} ms`],
    ['table heap (after GC)', mb(heapTable)],
    ['RSS growth during compile', mb(rssGrowth)],
    ['RSS total', mb(process.memoryUsage().rss)],
    ['lookups (hits)', `${load.length} (${hits})`],
    ['lookup p50', `${(percentile(times, 0.5) / 1000).toFixed(2)} µs`],
    ['lookup p99', `${(percentile(times, 0.99) / 1000).toFixed(2)} µs`],
    ['lookup p99.9', `${(percentile(times, 0.999) / 1000).toFixed(2)} µs`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main();
