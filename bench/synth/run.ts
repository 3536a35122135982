// Benchmark: synthesize and validate 1,000 HttpRoutes across 100 namespaces, each with a
// backend in another namespace (so 1,000 ReferenceGrants are inferred), beside a plain cdk8s
// ApiObject synth of the very same manifests (no constructs, no validation).
//
// Both variants build the same charts (one per namespace) and run what `cdk8s synth` runs:
// app.synth(), which validates once and writes one YAML file per chart. Each variant runs in a
// fresh child process (peak RSS is per process), several times; the parent prints the
// medians. Run: npx projen bench:synth  [--runs N]
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
// The compiled library, as users load it (the task compiles first).
import { Backend, GatewayClass, HttpRoute, Listener, NamespaceAdmission, PathMatch, SharedGateway } from '../../lib';

const NAMESPACES = 100;
const ROUTES_PER_NAMESPACE = 10;

function buildOurs(outdir: string): App {
  const app = new App({ outdir });
  const infra = new Chart(app, 'infra', { namespace: 'infra' });
  const gc = new GatewayClass(infra, 'Class', { metadata: { name: 'bench' }, controllerName: 'example.com/bench' });
  const gw = new SharedGateway(infra, 'Edge', {
    metadata: { name: 'edge' },
    gatewayClass: gc,
    admission: NamespaceAdmission.allNamespaces(),
    listeners: [Listener.http()],
  });
  for (let n = 0; n < NAMESPACES; n++) {
    const chart = new Chart(app, `team-${n}`, { namespace: `team-${n}` });
    for (let r = 0; r < ROUTES_PER_NAMESPACE; r++) {
      new HttpRoute(chart, `Route${r}`, {
        metadata: { name: `route-${r}` },
        parents: [{ parent: gw }],
        hostnames: [`r${r}.team-${n}.example.com`],
        rules: [{
          matches: [{ path: PathMatch.prefix(`/api/v${r}`) }],
          backends: [
            Backend.fromServiceName(`svc-${r}`, { port: 8080, weight: 90 }),
            Backend.fromServiceName(`shared-${r}`, { namespace: `backends-${n % 10}`, port: 8080, weight: 10 }),
          ],
        }],
      });
    }
  }
  return app;
}

/** The same charts (one per namespace) holding the same manifests as plain ApiObjects. */
function buildPlain(outdir: string, charts: PlainChart[]): App {
  const app = new App({ outdir });
  for (const c of charts) {
    const chart = new Chart(app, c.id, { namespace: c.namespace });
    c.manifests.forEach((m, i) => new ApiObject(chart, `o${i}`, m));
  }
  return app;
}

interface PlainChart {
  readonly id: string;
  readonly namespace?: string;
  readonly manifests: any[];
}

function measureChild(variant: string, manifestsFile: string): void {
  // The plain variant synthesizes the manifests ours produced, read outside the measured section.
  const charts: PlainChart[] = variant === 'plain' ? JSON.parse(fs.readFileSync(manifestsFile, 'utf8')) : [];
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-gateway-bench-${variant}-`));
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  // What `cdk8s synth` runs: build the app, validate it once, write one YAML file per chart.
  const t0 = performance.now();
  const app = variant === 'ours' ? buildOurs(outdir) : buildPlain(outdir, charts);
  app.synth();
  const ms = performance.now() - t0;
  const yaml = fs.readdirSync(outdir).map((f) => fs.readFileSync(path.join(outdir, f), 'utf8')).join('\n');
  fs.rmSync(outdir, { recursive: true, force: true });
  const objects = (yaml.match(/^kind: /gm) ?? []).length;
  const grants = (yaml.match(/^kind: ReferenceGrant$/gm) ?? []).length;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ variant, ms, objects, grants, maxRssMb, baseRssMb: before / 1024 / 1024 }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function parent(): void {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-bench-'));
  const manifestsFile = path.join(dir, 'manifests.json');
  const reference = buildOurs(dir);
  const charts: PlainChart[] = reference.charts.map((c) => ({ id: c.node.id, namespace: c.namespace, manifests: c.toJson() }));
  fs.writeFileSync(manifestsFile, JSON.stringify(charts));
  const results: Record<string, any[]> = { ours: [], plain: [] };
  try {
    for (let i = 0; i < runs; i++) {
      for (const variant of ['plain', 'ours']) {
        const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', variant, manifestsFile], { encoding: 'utf8' });
        results[variant].push(JSON.parse(out.trim().split('\n').pop()!));
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const row = (v: string) => {
    const r = results[v];
    return { ms: median(r.map((x) => x.ms)), min: Math.min(...r.map((x) => x.ms)), max: Math.max(...r.map((x) => x.ms)), rss: median(r.map((x) => x.maxRssMb)), objects: r[0].objects, grants: r[0].grants };
  };
  const ours = row('ours');
  const plain = row('plain');
  console.log(`synth of ${NAMESPACES * ROUTES_PER_NAMESPACE} HttpRoutes in ${NAMESPACES} namespaces, ${runs} runs each, medians (node ${process.version})`);
  console.log('| variant | objects | grants inferred | time ms (min-max) | peak RSS MB |');
  console.log('|---|---|---|---|---|');
  console.log(`| plain cdk8s ApiObjects, no validation | ${plain.objects} | - | ${plain.ms.toFixed(0)} (${plain.min.toFixed(0)}-${plain.max.toFixed(0)}) | ${plain.rss.toFixed(0)} |`);
  console.log(`| cdk8s-gateway constructs + synth-time validation | ${ours.objects} | ${ours.grants} | ${ours.ms.toFixed(0)} (${ours.min.toFixed(0)}-${ours.max.toFixed(0)}) | ${ours.rss.toFixed(0)} |`);
  console.log(`ratio time ${(ours.ms / plain.ms).toFixed(2)}x, peak RSS ${(ours.rss / plain.rss).toFixed(2)}x`);
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  measureChild(process.argv[i + 1], process.argv[i + 2]);
} else {
  parent();
}
