import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../examples';
import { TestApiServer } from './util/apiserver';
import { kubectl } from './util/kubectl';
import { SHARED_DIR } from './util/shared';

const CRD_DIR = path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard');
const GW = '/apis/gateway.networking.k8s.io/v1';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
/** What client-go's metadata informers send. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const GATEWAY_API_CRDS = ['backendtlspolicies', 'gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'listenersets', 'referencegrants',
  'tcproutes', 'tlsroutes', 'udproutes'].map((p) => `${p}.gateway.networking.k8s.io`);


async function call(server: TestApiServer, method: string, urlPath: string, body?: unknown, contentType = 'application/json') {
  return callAs(server, undefined, method, urlPath, body, contentType);
}

/** A request with a bearer token (none when undefined). */
async function callAs(server: TestApiServer, token: string | undefined, method: string, urlPath: string, body?: unknown,
  contentType = 'application/json') {
  const res = await fetch(server.url + urlPath, {
    method,
    headers: {
      ...body === undefined ? {} : { 'Content-Type': contentType },
      ...token === undefined ? {} : { Authorization: `Bearer ${token}` },
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any };
}

/** A GET with an Accept header. */
async function getAs(server: TestApiServer, urlPath: string, accept: string) {
  const res = await fetch(server.url + urlPath, { headers: { Accept: accept } });
  return { status: res.status, body: await res.json() as any };
}

/** A watch stream read line by line. */
class WatchStream {
  static async open(server: TestApiServer, urlPath: string, accept?: string, token?: string): Promise<WatchStream> {
    const abort = new AbortController();
    const headers = { ...accept === undefined ? {} : { Accept: accept }, ...token === undefined ? {} : { Authorization: `Bearer ${token}` } };
    const res = await fetch(server.url + urlPath, { signal: abort.signal, headers });
    return new WatchStream(res, abort);
  }

  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  private constructor(readonly response: Response, private readonly abort: AbortController) {
    this.reader = response.body!.getReader();
  }

  /** The next event, or undefined when the server ended the stream. */
  async next(): Promise<any | undefined> {
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        return JSON.parse(line);
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Events until one satisfies `pred` (included). */
  async until(pred: (e: any) => boolean): Promise<any[]> {
    const seen: any[] = [];
    for (;;) {
      const e = await this.next();
      if (e === undefined) throw new Error(`watch ended before the expected event; saw ${JSON.stringify(seen.map((x) => x.type))}`);
      seen.push(e);
      if (pred(e)) return seen;
    }
  }

  close(): void {
    this.abort.abort();
  }
}

/** The informer probe's JSON lines, awaited one condition at a time. */
class Probe {
  readonly events: any[] = [];
  private waiters: Array<() => void> = [];
  private stderr = '';
  private readonly child;

  constructor(kubeconfig: string) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'util', 'apiserver', 'informer-probe.mjs'), kubeconfig, 'gateway.networking.k8s.io', 'v1', 'httproutes', 'default'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout.on('data', (d) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        this.events.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
      this.waiters.forEach((w) => w());
    });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  async until(pred: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`informer probe: no ${what}; saw ${JSON.stringify(this.events)} ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
      this.waiters = [];
    }
  }

  added(name: string): () => boolean {
    return () => this.events.some((e) => e.event === 'add' && e.name === name);
  }

  stop(): void {
    this.child.kill();
  }
}

function route(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', ...extra },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['a.example.com'] },
  };
}

const routesUrl = `${GW}/namespaces/default/httproutes`;

describe('the test API server, raw protocol', () => {
  let server: TestApiServer;
  beforeEach(async () => { server = await TestApiServer.start({ crdDir: CRD_DIR, bookmarkIntervalMs: 200, historySize: 20 }); });
  afterEach(() => server.close());

  test('serves discovery for the core kinds and the Gateway API CRDs', async () => {
    const core = await call(server, 'GET', '/api/v1');
    expect(core.body.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['namespaces', 'services', 'secrets', 'configmaps', 'services/status']));
    const gw = await call(server, 'GET', GW);
    const gateways = gw.body.resources.find((r: any) => r.name === 'gateways');
    expect(gateways).toMatchObject({ kind: 'Gateway', namespaced: true, shortNames: ['gtw'] });
    expect(gw.body.resources.map((r: any) => r.name)).toContain('httproutes/status');
    const groups = await call(server, 'GET', '/apis');
    expect(groups.body.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(['gateway.networking.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io']));
  });

  test('stores an object with uid, creationTimestamp, resourceVersion and generation 1', async () => {
    const created = await call(server, 'POST', routesUrl, route('r1'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ generation: 1, namespace: 'default' });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(0);
    // the CRD's defaults: parentRef group and kind, a rule's default match when rules exist
    expect(created.body.spec.parentRefs[0]).toMatchObject({ group: 'gateway.networking.k8s.io', kind: 'Gateway' });
  });

  test('gives a new Gateway the CRD default status, waiting for a controller', async () => {
    const gw = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }] }, status: { conditions: [] } };
    const created = await call(server, 'POST', `${GW}/namespaces/default/gateways`, gw);
    expect(created.body.status.conditions).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller' }),
    ]));
    expect(created.body.status.conditions[0].observedGeneration).toBeUndefined();
  });

  test('rejects a duplicate create with 409 AlreadyExists', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const again = await call(server, 'POST', routesUrl, route('r1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 });
  });

  test('rejects an invalid custom resource with 422 and field causes', async () => {
    const bad = route('r1');
    bad.spec.hostnames = ['-bad'];
    const res = await call(server, 'POST', routesUrl, bad);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'Invalid', code: 422, details: { name: 'r1', kind: 'HTTPRoute', group: 'gateway.networking.k8s.io' } });
    expect(res.body.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'spec.hostnames[0]' });
    expect(res.body.message).toMatch(/^HTTPRoute.gateway.networking.k8s.io "r1" is invalid: spec.hostnames\[0\]: Invalid value: "-bad"/);
  });

  test('rejects an object in a namespace that does not exist', async () => {
    const res = await call(server, 'POST', `${GW}/namespaces/nowhere/httproutes`, { ...route('r1'), metadata: { name: 'r1' } });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('namespaces "nowhere" not found');
  });

  test('rejects a custom resource PUT without resourceVersion (422) or with a stale one (409)', async () => {
    const created = (await call(server, 'POST', routesUrl, route('r1'))).body;
    const { resourceVersion, ...meta } = created.metadata;
    const without = await call(server, 'PUT', `${routesUrl}/r1`, { ...created, metadata: meta });
    expect(without.status).toBe(422);
    expect(without.body.details.causes[0].field).toBe('metadata.resourceVersion');
    const ok = await call(server, 'PUT', `${routesUrl}/r1`, { ...created, spec: { ...created.spec, hostnames: ['b.example.com'] } });
    expect(ok.status).toBe(200);
    const stale = await call(server, 'PUT', `${routesUrl}/r1`, created);
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  test('rejects a strategic merge patch on a custom resource with 415', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const res = await call(server, 'PATCH', `${routesUrl}/r1`, { spec: { hostnames: ['b.example.com'] } }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(415);
    expect(res.body.reason).toBe('UnsupportedMediaType');
  });

  test('bumps generation on spec changes only', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const labelled = await call(server, 'PATCH', `${routesUrl}/r1`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    expect(labelled.body.metadata.generation).toBe(1);
    const status = await call(server, 'PATCH', `${routesUrl}/r1/status`, { status: { parents: [] } }, 'application/merge-patch+json');
    expect(status.status).toBe(200);
    expect(status.body.metadata.generation).toBe(1);
    const spec = await call(server, 'PATCH', `${routesUrl}/r1`, [{ op: 'replace', path: '/spec/hostnames', value: ['c.example.com'] }], 'application/json-patch+json');
    expect(spec.body.metadata.generation).toBe(2);
    expect(spec.body.spec.hostnames).toEqual(['c.example.com']);
  });

  test('writes status only through the status subresource', async () => {
    const created = (await call(server, 'POST', routesUrl, route('r1'))).body;
    const parents = [{ parentRef: { name: 'gw' }, controllerName: 'example.com/c', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }] }];
    const viaMain = await call(server, 'PUT', `${routesUrl}/r1`, { ...created, status: { parents } });
    expect(viaMain.body.status).toBeUndefined();
    const viaStatus = await call(server, 'PUT', `${routesUrl}/r1/status`, { ...viaMain.body, spec: { hostnames: ['ignored.example.com'] }, status: { parents } });
    expect(viaStatus.status).toBe(200);
    expect(viaStatus.body.status.parents[0].controllerName).toBe('example.com/c');
    expect(viaStatus.body.spec.hostnames).toEqual(['a.example.com']);
  });

  test('lists with label and field selectors and the current resourceVersion', async () => {
    await call(server, 'POST', routesUrl, route('r1', { labels: { app: 'x' } }));
    await call(server, 'POST', routesUrl, route('r2', { labels: { app: 'y' } }));
    const byLabel = await call(server, 'GET', `${routesUrl}?labelSelector=${encodeURIComponent('app in (x,z)')}`);
    expect(byLabel.body.items.map((o: any) => o.metadata.name)).toEqual(['r1']);
    const byField = await call(server, 'GET', `${GW}/httproutes?fieldSelector=metadata.name%3Dr2`);
    expect(byField.body.items.map((o: any) => o.metadata.name)).toEqual(['r2']);
    expect(byField.body.metadata.resourceVersion).toBe(server.resourceVersion);
  });

  test('streams ADDED, MODIFIED and DELETED after the given resourceVersion, and bookmarks', async () => {
    const rv = (await call(server, 'GET', routesUrl)).body.metadata.resourceVersion;
    const watch = await WatchStream.open(server, `${routesUrl}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    try {
      await call(server, 'POST', routesUrl, route('r1'));
      await call(server, 'PATCH', `${routesUrl}/r1`, { spec: { hostnames: ['b.example.com'] } }, 'application/merge-patch+json');
      await call(server, 'DELETE', `${routesUrl}/r1`);
      const events = await watch.until((e) => e.type === 'BOOKMARK');
      expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.generation}`)).toEqual(['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
      expect(events[events.length - 1].object.metadata.resourceVersion).toBe(server.resourceVersion);
    } finally {
      watch.close();
    }
  });

  test('replays the current objects as ADDED to a watch without resourceVersion', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const watch = await WatchStream.open(server, `${routesUrl}?watch=true`);
    try {
      const [first] = await watch.until(() => true);
      expect(first).toMatchObject({ type: 'ADDED', object: { kind: 'HTTPRoute', metadata: { name: 'r1' } } });
    } finally {
      watch.close();
    }
  });

  test('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    for (let i = 0; i < 30; i++) await call(server, 'POST', routesUrl, route(`r${i}`));
    const watch = await WatchStream.open(server, `${routesUrl}?watch=1&resourceVersion=2`);
    const event = await watch.next();
    expect(event).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(await watch.next()).toBeUndefined();
  });

  test('ends a watch at timeoutSeconds and when the test ends all watches', async () => {
    const timed = await WatchStream.open(server, `${routesUrl}?watch=1&timeoutSeconds=1`);
    const started = Date.now();
    expect(await timed.next()).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const open = await WatchStream.open(server, `${routesUrl}?watch=1&resourceVersion=${server.resourceVersion}`);
    server.endWatches();
    expect(await open.next()).toBeUndefined();
  });

  test('goes unreachable and comes back on the same address', async () => {
    const url = server.url;
    await server.goOffline();
    await expect(fetch(url + '/version')).rejects.toThrow();
    await server.goOnline();
    expect(server.url).toBe(url);
    expect((await call(server, 'GET', '/version')).body.gitVersion).toMatch(/^v1\.32\./);
  });

  test('keeps a client-node informer current across watch ends, 410 Expired and an outage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-informer-'));
    const probe = new Probe(server.writeKubeconfig(path.join(dir, 'kubeconfig')));
    try {
      await probe.until(() => server.openWatches === 1, 'first watch');
      await call(server, 'POST', routesUrl, route('a'));
      await probe.until(probe.added('a'), 'add of a');

      server.endWatches();
      await probe.until(() => probe.count('connect') === 2 && server.openWatches === 1, 're-watch');
      await call(server, 'POST', routesUrl, route('b'));
      await probe.until(probe.added('b'), 'add of b');
      expect(probe.count('list')).toBe(1);

      server.expireWatches();
      await probe.until(() => probe.count('list') === 2 && server.openWatches === 1, 'relist after 410');
      await call(server, 'POST', routesUrl, route('c'));
      await probe.until(probe.added('c'), 'add of c');

      await server.goOffline();
      await probe.until(() => probe.count('error') > 0, 'error while offline');
      await server.goOnline();
      await call(server, 'POST', routesUrl, route('d'));
      await probe.until(probe.added('d'), 'add of d after the outage');
      expect(probe.events.filter((e) => e.event === 'add' && e.name === 'a')).toHaveLength(1);
    } finally {
      probe.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rejects a Lease time without six fractional digits with 400', async () => {
    const lease = (renewTime: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime },
    });
    const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';
    const millis = await call(server, 'POST', leases, lease('2026-01-01T00:00:00.123Z'));
    expect(millis.status).toBe(400);
    expect(millis.body.reason).toBe('BadRequest');
    const micros = await call(server, 'POST', leases, lease('2026-01-01T00:00:00.123456Z'));
    expect(micros.status).toBe(201);
    expect(micros.body.metadata.generation).toBeUndefined();
  });

  test('pages a list with limit and continue', async () => {
    for (const n of ['r1', 'r2', 'r3']) await call(server, 'POST', routesUrl, route(n));
    const first = await call(server, 'GET', `${routesUrl}?limit=2`);
    expect(first.body.items.map((o: any) => o.metadata.name)).toEqual(['r1', 'r2']);
    expect(first.body.metadata.remainingItemCount).toBe(1);
    const rest = await call(server, 'GET', `${routesUrl}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(rest.body.items.map((o: any) => o.metadata.name)).toEqual(['r3']);
    expect(rest.body.metadata.continue).toBeUndefined();
    expect(rest.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
  });

  test('answers the continuation of a list 410 Expired once anything changed since its first page', async () => {
    for (const n of ['p1', 'p2', 'p3']) await call(server, 'POST', routesUrl, route(n));
    const first = await call(server, 'GET', `${routesUrl}?limit=2`);
    await call(server, 'POST', routesUrl, route('p4'));
    const rest = await call(server, 'GET', `${routesUrl}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(rest.status).toBe(410);
    expect(rest.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  test('answers aggregated discovery requests with the plain lists, as a server without it does', async () => {
    const res = await fetch(server.url + '/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await res.json() as any).kind).toBe('APIGroupList');
  });

  test('stores each Gateway API CRD as a CustomResourceDefinition object, generation 1', async () => {
    const discovery = await call(server, 'GET', '/apis/apiextensions.k8s.io/v1');
    expect(discovery.body.resources).toEqual([
      {
        name: 'customresourcedefinitions',
        singularName: 'customresourcedefinition',
        namespaced: false,
        kind: 'CustomResourceDefinition',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
      },
      { name: 'customresourcedefinitions/status', singularName: '', namespaced: false, kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] },
    ]);
    const list = await call(server, 'GET', CRDS);
    expect(list.body).toMatchObject({ kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1' });
    expect(list.body.items.map((o: any) => o.metadata.name)).toEqual(GATEWAY_API_CRDS);
    const crd = (await call(server, 'GET', `${CRDS}/httproutes.gateway.networking.k8s.io`)).body;
    expect(crd).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' });
    expect(crd.metadata.generation).toBe(1);
    expect(crd.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(crd.metadata.annotations).toEqual({
      'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/4530',
      'gateway.networking.k8s.io/bundle-version': 'v1.6.1',
      'gateway.networking.k8s.io/channel': 'standard',
    });
    expect(crd.spec.names).toEqual({ categories: ['gateway-api'], kind: 'HTTPRoute', listKind: 'HTTPRouteList', plural: 'httproutes', singular: 'httproute' });
    expect(crd.spec.versions.map((v: any) => `${v.name} served=${v.served} storage=${v.storage}`)).toEqual(['v1 served=true storage=true', 'v1beta1 served=true storage=false']);
    expect(crd.status.storedVersions).toEqual(['v1']);
    expect(crd.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
  });

  test('bumps a CRD\'s generation on spec changes only and requires resourceVersion on PUT', async () => {
    const url = `${CRDS}/tcproutes.gateway.networking.k8s.io`;
    const annotated = await call(server, 'PATCH', url, { metadata: { annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.5.0' } } }, 'application/merge-patch+json');
    expect(annotated.status).toBe(200);
    expect(annotated.body.metadata.generation).toBe(1);
    expect(annotated.body.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.5.0');
    const spec = await call(server, 'PATCH', url, { spec: { names: { shortNames: ['tcpr'] } } }, 'application/strategic-merge-patch+json');
    expect(spec.status).toBe(200);
    expect(spec.body.metadata.generation).toBe(2);
    expect(spec.body.spec.names.shortNames).toEqual(['tcpr']);
    const { resourceVersion, ...meta } = spec.body.metadata;
    const without = await call(server, 'PUT', url, { ...spec.body, metadata: meta });
    expect(without.status).toBe(422);
    expect(without.body.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "tcproutes.gateway.networking.k8s.io" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    // the kinds served do not follow the stored CRD
    const gw = await call(server, 'GET', GW);
    expect(gw.body.resources.find((r: any) => r.name === 'tcproutes').shortNames).toBeUndefined();
  });

  test('answers a metadata-only list with PartialObjectMetadataList', async () => {
    const res = await getAs(server, CRDS, METADATA_ONLY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: server.resourceVersion },
      items: expect.any(Array),
    });
    expect(res.body.items.map((o: any) => o.metadata.name)).toEqual(GATEWAY_API_CRDS);
    for (const item of res.body.items) {
      expect(Object.keys(item).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(item).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
      expect(item.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.1');
      expect(Object.keys(item.metadata).sort()).toEqual(['annotations', 'creationTimestamp', 'generation', 'name', 'resourceVersion', 'uid']
        .concat(item.metadata.labels ? ['labels'] : []).sort());
    }
    const paged = await getAs(server, `${CRDS}?limit=4`, METADATA_ONLY);
    expect(paged.body.items).toHaveLength(4);
    expect(paged.body.metadata.remainingItemCount).toBe(6);
    expect(typeof paged.body.metadata.continue).toBe('string');
  });

  test('answers a metadata-only get with PartialObjectMetadata', async () => {
    const full = (await call(server, 'GET', `${CRDS}/gatewayclasses.gateway.networking.k8s.io`)).body;
    const res = await getAs(server, `${CRDS}/gatewayclasses.gateway.networking.k8s.io`, METADATA_ONLY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.metadata });
    expect(res.body.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.1');
  });

  test('streams metadata-only watch events as PartialObjectMetadata, bookmarks unchanged', async () => {
    const url = `${CRDS}/httproutes.gateway.networking.k8s.io`;
    const initial = await WatchStream.open(server, `${CRDS}?watch=1`, METADATA_ONLY);
    const rv = server.resourceVersion;
    const watch = await WatchStream.open(server, `${CRDS}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, METADATA_ONLY);
    try {
      const first = await initial.until(() => true);
      expect(first[0]).toMatchObject({ type: 'ADDED', object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: GATEWAY_API_CRDS[0] } } });
      expect(first[0].object.spec).toBeUndefined();

      await call(server, 'PATCH', url, { metadata: { annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.5.0' } } }, 'application/merge-patch+json');
      await call(server, 'DELETE', url);
      const events = await watch.until((e) => e.type === 'BOOKMARK');
      expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED', 'BOOKMARK']);
      expect(events[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'httproutes.gateway.networking.k8s.io' }) });
      expect(events[0].object.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.5.0');
      expect(events[1].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'httproutes.gateway.networking.k8s.io' }) });
      expect(events[2].object).toEqual({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { resourceVersion: server.resourceVersion } });
    } finally {
      initial.close();
      watch.close();
    }
  });

  test('keeps ERROR events of a metadata-only watch as Status objects', async () => {
    for (let i = 0; i < 30; i++) await call(server, 'POST', routesUrl, route(`r${i}`));
    const watch = await WatchStream.open(server, `${routesUrl}?watch=1&resourceVersion=2`, METADATA_ONLY);
    expect(await watch.next()).toMatchObject({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired' } });
    expect(await watch.next()).toBeUndefined();
  });

  test('negotiates metadata-only answers for every kind', async () => {
    await call(server, 'POST', routesUrl, route('r1', { annotations: { a: 'b' } }));
    await call(server, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { x: 'y' } }, spec: { ports: [{ port: 80 }] } });
    const routes = await getAs(server, routesUrl, METADATA_ONLY);
    expect(routes.body.kind).toBe('PartialObjectMetadataList');
    expect(routes.body.items.map((o: any) => [o.kind, o.metadata.name, o.metadata.namespace, o.metadata.annotations, o.spec])).toEqual([
      ['PartialObjectMetadata', 'r1', 'default', { a: 'b' }, undefined],
    ]);
    const svc = await getAs(server, '/api/v1/namespaces/default/services/s', METADATA_ONLY);
    expect(svc.body).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 's', namespace: 'default', labels: { x: 'y' } }) });
    const v1beta1 = await getAs(server, '/api/v1/namespaces', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1');
    expect(v1beta1.body.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(v1beta1.body.items.map((o: any) => o.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  test('answers with the first media range it can satisfy', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const protobufFirst = await getAs(server, routesUrl, 'application/vnd.kubernetes.protobuf,application/json');
    expect(protobufFirst.body.kind).toBe('HTTPRouteList');
    const tableFirst = await getAs(server, routesUrl, `application/json;as=Table;v=v1;g=meta.k8s.io,${METADATA_ONLY}`);
    expect(tableFirst.body.kind).toBe('Table');
    expect(tableFirst.body.rows.map((r: any) => r.cells[0])).toEqual(['r1']);
    // PartialObjectMetadata (not List) cannot answer a list, so the next range does
    const objectFirst = await getAs(server, routesUrl, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json');
    expect(objectFirst.body.kind).toBe('HTTPRouteList');
    const listFirst = await getAs(server, `${routesUrl}/r1`, METADATA_ONLY);
    expect(listFirst.body.kind).toBe('PartialObjectMetadata');
    const anything = await getAs(server, `${routesUrl}/r1`, '*/*');
    expect(anything.body.kind).toBe('HTTPRoute');
    // a write answers in the negotiated form too
    const res = await fetch(server.url + `${routesUrl}/r1`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json', 'Accept': METADATA_ONLY }, body: JSON.stringify({ metadata: { labels: { l: 'v' } } }),
    });
    expect(await res.json()).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'r1', labels: { l: 'v' } }) });
  });

  test('answers 406 NotAcceptable when no media range can be satisfied', async () => {
    await call(server, 'POST', routesUrl, route('r1'));
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      reason: 'NotAcceptable',
      code: 406,
    };
    for (const [urlPath, accept] of [
      [CRDS, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'],
      [`${routesUrl}/r1`, 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'],
      [routesUrl, 'application/vnd.kubernetes.protobuf'],
      [routesUrl, 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v2'],
      [routesUrl, 'application/json;as=PartialObjectMetadataList'],
      [`${routesUrl}?watch=1`, 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'],
    ]) {
      const res = await getAs(server, urlPath, accept);
      expect([urlPath, accept, res.status, res.body]).toEqual([urlPath, accept, 406, status]);
    }
    // refused before anything is done
    const del = await fetch(server.url + `${routesUrl}/r1`, { method: 'DELETE', headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    expect(del.status).toBe(406);
    expect(server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'r1')).toBeDefined();
  });

  test('stores no CRD objects with crds: false, still serving their kinds', async () => {
    const hidden = await TestApiServer.start({ crdDir: CRD_DIR, crds: false });
    try {
      const list = await call(hidden, 'GET', CRDS);
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([]);
      expect((await call(hidden, 'GET', `${CRDS}/httproutes.gateway.networking.k8s.io`)).status).toBe(404);
      expect((await call(hidden, 'POST', routesUrl, route('r1'))).status).toBe(201);
    } finally {
      await hidden.close();
    }
    // and by default they are stored
    expect((await call(server, 'GET', CRDS)).body.items).toHaveLength(GATEWAY_API_CRDS.length);
  });

  test('deletes an object with finalizers only once the last one is removed, and refuses new ones meanwhile', async () => {
    const url = `${GW}/gatewayclasses`;
    await call(server, 'POST', url, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'fin', finalizers: ['a.example/x', 'b.example/y'] }, spec: { controllerName: 'a.example/c' } });
    const watch = await WatchStream.open(server, `${url}?watch=true&fieldSelector=metadata.name%3Dfin&resourceVersion=${server.resourceVersion}`);
    const deleting = await call(server, 'DELETE', `${url}/fin`);
    expect(deleting.status).toBe(200);
    expect(deleting.body.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await call(server, 'GET', `${url}/fin`)).body.metadata.deletionTimestamp).toBe(deleting.body.metadata.deletionTimestamp);
    // A second delete changes nothing; a client can neither add a finalizer nor clear the deletion.
    expect((await call(server, 'DELETE', `${url}/fin`)).body.metadata.resourceVersion).toBe(deleting.body.metadata.resourceVersion);
    const added = await call(server, 'PATCH', `${url}/fin`, { metadata: { finalizers: ['a.example/x', 'b.example/y', 'c.example/z'] } }, 'application/merge-patch+json');
    expect(added.status).toBe(422);
    expect(added.body.message).toContain('no new finalizers can be added if the object is being deleted, found new finalizers []string{"c.example/z"}');
    const one = await call(server, 'PATCH', `${url}/fin`, { metadata: { finalizers: ['b.example/y'], deletionTimestamp: null } }, 'application/merge-patch+json');
    expect(one.status).toBe(200);
    expect(one.body.metadata.deletionTimestamp).toBe(deleting.body.metadata.deletionTimestamp);
    const last = await call(server, 'PATCH', `${url}/fin`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect(last.status).toBe(200);
    expect((await call(server, 'GET', `${url}/fin`)).status).toBe(404);
    const events = await watch.until((e) => e.type === 'DELETED');
    watch.close();
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
  });

  test('merges a strategic merge patch on a Service by port', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] } };
    await call(server, 'POST', '/api/v1/namespaces/default/services', svc);
    const patched = await call(server, 'PATCH', '/api/v1/namespaces/default/services/s', {
      spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 8080 }], 'ports': [{ name: 'c', port: 8080 }, { port: 80, $patch: 'delete' }] },
    }, 'application/strategic-merge-patch+json');
    expect(patched.status).toBe(200);
    expect(patched.body.spec.ports).toEqual([
      { name: 'b', port: 443, protocol: 'TCP', targetPort: 443 },
      { name: 'c', port: 8080, protocol: 'TCP', targetPort: 8080 },
    ]);
    expect(patched.body.spec.clusterIP).toMatch(/^10\.96\./);
  });
});

describe('the test API server, with kubectl', () => {
  let server: TestApiServer;
  let dir: string;
  let kubeconfig: string;
  const k = (args: string[], input?: string) => kubectl(kubeconfig, args, input);

  beforeAll(async () => {
    server = await TestApiServer.start({ crdDir: CRD_DIR });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-test-'));
    kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('lists the served resources with their short names', async () => {
    const r = await k(['api-resources', '--api-group=gateway.networking.k8s.io', '--no-headers']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^gateways\s+gtw\s+gateway.networking.k8s.io\/v1\s+true\s+Gateway$/m);
    expect(r.stdout).toMatch(/^httproutes\s+gateway.networking.k8s.io\/v1\s+true\s+HTTPRoute$/m);
  });

  describe.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s', (name, example) => {
    let out: string;
    let objects: any[];
    beforeAll(async () => {
      out = path.join(dir, name);
      example.build({ outdir: out }).synth();
      objects = fs.readdirSync(out).sort().flatMap((f) =>
        parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJS()).filter((o) => o));
      // Namespaces the example uses but does not declare exist in the cluster beforehand.
      const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
      const needed = [...new Set(objects.map((o) => o.metadata.namespace).filter((n) => n && !declared.has(n)))];
      const yaml = needed.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`).join('---\n');
      if (yaml !== '') expect((await k(['apply', '-f', '-'], yaml)).code).toBe(0);
    });

    test('applies, reapplies without change and deletes with kubectl', async () => {
      const files = fs.readdirSync(out).filter((f) => f.endsWith('.yaml'))
        .sort((a, b) => Number(b.startsWith('namespaces')) - Number(a.startsWith('namespaces')));
      const args = files.flatMap((f) => ['-f', path.join(out, f)]);
      const created = await k(['apply', ...args]);
      expect(created.stderr).toBe('');
      const lines = created.stdout.trim().split('\n');
      expect(lines.filter((l) => !/ (created|unchanged|configured)$/.test(l))).toEqual([]);
      const inNamespaces = objects.filter((o) => o.kind !== 'Namespace');
      expect(lines.filter((l) => l.endsWith(' created')).length).toBeGreaterThanOrEqual(inNamespaces.length);

      const rv = server.resourceVersion;
      const again = await k(['apply', ...args]);
      expect(again.stderr).toBe('');
      expect(again.stdout.trim().split('\n').filter((l) => !/ (unchanged|configured)$/.test(l))).toEqual([]);
      // "configured" with no real change (CRD defaults inside atomic lists) stores nothing new
      expect(server.resourceVersion).toBe(rv);

      const deleted = await k(['delete', ...files.filter((f) => !f.startsWith('namespaces')).flatMap((f) => ['-f', path.join(out, f)])]);
      expect(deleted.stderr).toBe('');
      expect(deleted.stdout.trim().split('\n')).toHaveLength(inNamespaces.length);
      const left = inNamespaces.filter((o) => server.object(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
      expect(left).toEqual([]);
    });
  });

  describe('an HTTPRoute', () => {
    const yaml = (hostname: string) => [
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata:', '  name: web', 'spec:',
      '  parentRefs:', '  - name: gw', `  hostnames: ["${hostname}"]`, '  rules:', '  - backendRefs:', '    - name: web', '      port: 80', '',
    ].join('\n');

    test('is configured by a re-apply with a change, which bumps its generation', async () => {
      expect((await k(['apply', '-f', '-'], yaml('a.example.com'))).stdout).toBe('httproute.gateway.networking.k8s.io/web created\n');
      const r = await k(['apply', '-f', '-'], yaml('b.example.com'));
      expect(r.stdout).toBe('httproute.gateway.networking.k8s.io/web configured\n');
      const stored = server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'web');
      expect(stored.metadata.generation).toBe(2);
      expect(stored.spec.hostnames).toEqual(['b.example.com']);
      expect(stored.spec.rules[0].backendRefs[0].weight).toBe(1);
    });

    test('shows its status conditions through a jsonpath get', async () => {
      const current = (await call(server, 'GET', `${routesUrl}/web`)).body;
      const conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 }];
      const put = await call(server, 'PUT', `${routesUrl}/web/status`, { ...current, status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'example.com/c', conditions }] } });
      expect(put.status).toBe(200);
      const r = await k(['get', 'httproute', 'web', '-o', 'jsonpath={.status.parents[*].conditions}']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual(conditions);
    });

    test('takes a merge patch from kubectl patch and refuses a strategic one', async () => {
      const merge = await k(['patch', 'httproute', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"team":"a"}}}']);
      expect(merge.stdout).toBe('httproute.gateway.networking.k8s.io/web patched\n');
      expect(server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'web').metadata.labels).toEqual({ team: 'a' });
      const strategic = await k(['patch', 'httproute', 'web', '-p', '{"spec":{"hostnames":["c.example.com"]}}']);
      expect(strategic.code).not.toBe(0);
      expect(strategic.stderr).toMatch(/application\/strategic-merge-patch\+json is not supported/);
    });

    test('fails kubectl patch with the server\'s 422 message', async () => {
      const r = await k(['patch', 'httproute', 'web', '--type', 'merge', '-p', '{"spec":{"hostnames":["-bad"]}}']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/The HTTPRoute "web" is invalid: spec.hostnames\[0\]: Invalid value: "-bad"/);
    });
  });

  test('prints Gateways with the CRD printer columns', async () => {
    const gw = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: edge\nspec:\n  gatewayClassName: example\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n';
    expect((await k(['apply', '-f', '-'], gw)).code).toBe(0);
    const r = await k(['get', 'gateways']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    expect(r.stdout.split('\n')[1]).toMatch(/^edge\s+example\s+Unknown\s+\d+s$/);
    expect((await k(['get', 'gtw', 'edge', '-o', 'name'])).stdout).toBe('gateway.gateway.networking.k8s.io/edge\n');
  });

  describe('the Gateway API CRDs', () => {
    const crd = 'httproutes.gateway.networking.k8s.io';

    test('are listed and shown by kubectl get crd', async () => {
      const r = await k(['get', 'crd']);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines[0].split(/\s+/)).toEqual(['NAME', 'AGE']);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(GATEWAY_API_CRDS);
      const yamlOut = await k(['get', 'crd', crd, '-o', 'yaml']);
      expect(yamlOut.stderr).toBe('');
      const obj = parseAllDocuments(yamlOut.stdout)[0].toJS();
      expect(obj).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: crd, generation: 1 } });
      expect(obj.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.1');
      expect(obj.spec.names.kind).toBe('HTTPRoute');
      expect((await k(['get', 'crds', '-o', 'name'])).stdout.split('\n')[0]).toBe(`customresourcedefinition.apiextensions.k8s.io/${GATEWAY_API_CRDS[0]}`);
    });

    test('are annotated by kubectl annotate, which a metadata-only watch sees', async () => {
      const watch = await WatchStream.open(server, `${CRDS}?watch=1&resourceVersion=${server.resourceVersion}`, METADATA_ONLY);
      try {
        const r = await k(['annotate', 'crd', crd, 'gateway.networking.k8s.io/bundle-version=v1.5.0', '--overwrite']);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(`customresourcedefinition.apiextensions.k8s.io/${crd} annotated\n`);
        const [event] = await watch.until(() => true);
        expect(event.type).toBe('MODIFIED');
        expect(event.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: crd, generation: 1 } });
        expect(event.object.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.5.0');
        const stored = server.object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd);
        expect(stored.metadata.annotations['gateway.networking.k8s.io/bundle-version']).toBe('v1.5.0');
        expect(stored.status.storedVersions).toEqual(['v1']);
      } finally {
        watch.close();
      }
    });

    test('are deleted by kubectl delete crd, their kind still served', async () => {
      const r = await k(['delete', 'crd', 'udproutes.gateway.networking.k8s.io']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('customresourcedefinition.apiextensions.k8s.io "udproutes.gateway.networking.k8s.io" deleted\n');
      expect(server.object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'udproutes.gateway.networking.k8s.io')).toBeUndefined();
      const crds = await k(['get', 'crd', '-o', 'name']);
      expect(crds.stdout).not.toMatch(/udproutes/);
      const left = await k(['get', 'udproutes']);
      expect(left.code).toBe(0);
      expect(left.stderr).toBe('No resources found in default namespace.\n');
    });
  });

  test('applies a Service change as a strategic merge of its ports', async () => {
    const svc = (second: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: s}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  - {name: other, port: ${second}}\n`;
    expect((await k(['apply', '-f', '-'], svc(443))).stdout).toBe('service/s created\n');
    expect((await k(['apply', '-f', '-'], svc(8443))).stdout).toBe('service/s configured\n');
    const r = await k(['get', 'service', 's', '-o', 'jsonpath={.spec.ports}']);
    expect(JSON.parse(r.stdout)).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'other', port: 8443, protocol: 'TCP', targetPort: 8443 },
    ]);
  });
});

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const SA_TOKEN = 'sa-token';
const SA_USER = 'system:serviceaccount:ctl:controller';
const USER_TOKEN = 'alice-token';

/** The 403 Status the real server answers a denied request with. */
function forbiddenStatus(message: string, details: Record<string, string>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 };
}

describe('the test API server, authentication and RBAC', () => {
  let server: TestApiServer;
  const admin = (method: string, urlPath: string, body?: unknown) => callAs(server, 'test', method, urlPath, body);
  const sa = (method: string, urlPath: string, body?: unknown, contentType?: string) => callAs(server, SA_TOKEN, method, urlPath, body, contentType);
  const cannot = (what: string) => `User "${SA_USER}" cannot ${what}`;

  /** A ClusterRole or Role with `rules`, bound to the ServiceAccount by a binding of the same name. */
  async function grant(name: string, rules: unknown[], namespace?: string, roleKind?: 'Role' | 'ClusterRole') {
    const kind = roleKind ?? (namespace === undefined ? 'ClusterRole' : 'Role');
    const roleUrl = kind === 'ClusterRole' ? `${RBAC}/clusterroles` : `${RBAC}/namespaces/${namespace}/roles`;
    if (rules.length > 0) expect((await admin('POST', roleUrl, { metadata: { name }, rules })).status).toBe(201);
    const binding = {
      metadata: { name },
      subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: 'ctl' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
    };
    const bindingUrl = namespace === undefined ? `${RBAC}/clusterrolebindings` : `${RBAC}/namespaces/${namespace}/rolebindings`;
    expect((await admin('POST', bindingUrl, binding)).status).toBe(201);
  }

  beforeEach(async () => {
    server = await TestApiServer.start({
      crdDir: CRD_DIR,
      namespaces: ['default', 'ctl', 'app'],
      tokens: { [SA_TOKEN]: { user: SA_USER }, [USER_TOKEN]: { user: 'alice', groups: ['devs'] } },
    });
    for (const ns of ['default', 'app']) {
      for (const name of ['web', 'other']) {
        expect((await admin('POST', `${GW}/namespaces/${ns}/httproutes`, { ...route(name), metadata: { name, namespace: ns } })).status).toBe(201);
      }
    }
  });
  afterEach(() => server.close());

  test('answers 401 Unauthorized for an unknown token and, once tokens are given, for none', async () => {
    const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
    expect(await callAs(server, 'nope', 'GET', routesUrl)).toEqual({ status: 401, body: unauthorized });
    expect(await callAs(server, undefined, 'GET', '/api')).toEqual({ status: 401, body: unauthorized });
    expect(await callAs(server, 'nope', 'POST', routesUrl, route('new'))).toEqual({ status: 401, body: unauthorized });
    expect(server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'new')).toBeUndefined();
    // The default kubeconfig's token is the admin with or without tokens, RBAC or not.
    expect((await callAs(server, 'test', 'GET', routesUrl)).status).toBe(200);

    const plain = await TestApiServer.start({ crdDir: CRD_DIR });
    try {
      expect(await callAs(plain, 'nope', 'GET', routesUrl)).toEqual({ status: 401, body: unauthorized });
      expect((await callAs(plain, undefined, 'GET', routesUrl)).status).toBe(200);
      expect((await callAs(plain, 'test', 'GET', routesUrl)).status).toBe(200);
    } finally {
      await plain.close();
    }
  });

  test('lets every authenticated user read discovery, and nothing else without a binding', async () => {
    for (const p of ['/api', '/api/v1', '/apis', `${RBAC}`, '/apis/apps/v1', GW, '/version', '/openapi/v3']) {
      expect([p, (await sa('GET', p)).status]).toEqual([p, 200]);
    }
    const rbac = (await sa('GET', RBAC)).body.resources.map((r: any) => r.name);
    expect(rbac).toEqual(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
    expect(await sa('GET', routesUrl)).toEqual({
      status: 403,
      body: forbiddenStatus(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('list resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`,
        { group: 'gateway.networking.k8s.io', kind: 'httproutes' }),
    });
    expect(await sa('GET', '/metrics')).toEqual({ status: 403, body: forbiddenStatus(`forbidden: ${cannot('get path "/metrics"')}`, {}) });
  });

  test('allows what a ClusterRoleBinding\'s ClusterRole allows, in every namespace, and 403 otherwise', async () => {
    await grant('reader', [
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['services'], verbs: ['list'] },
    ]);
    expect((await sa('GET', routesUrl)).body.items.map((o: any) => o.metadata.name)).toEqual(['other', 'web']);
    expect((await sa('GET', `${GW}/namespaces/app/httproutes/web`)).body.metadata).toMatchObject({ name: 'web', namespace: 'app' });
    expect((await sa('GET', `${GW}/httproutes`)).body.items).toHaveLength(4);
    expect((await sa('GET', '/api/v1/namespaces/app/services')).status).toBe(200);

    const watch = await WatchStream.open(server, `${routesUrl}?watch=1&resourceVersion=${server.resourceVersion}`, undefined, SA_TOKEN);
    try {
      expect(watch.response.status).toBe(200);
      expect((await admin('DELETE', `${routesUrl}/other`)).status).toBe(200);
      const [event] = await watch.until(() => true);
      expect([event.type, event.object.metadata.name]).toEqual(['DELETED', 'other']);
    } finally {
      watch.close();
    }

    const created = await sa('POST', routesUrl, route('new'));
    expect(created).toEqual({
      status: 403,
      body: forbiddenStatus(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('create resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`,
        { group: 'gateway.networking.k8s.io', kind: 'httproutes' }),
    });
    expect(server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'new')).toBeUndefined();
    expect((await sa('DELETE', `${routesUrl}/web`)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io "web" is forbidden: ${cannot('delete resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`);
    expect((await sa('DELETE', routesUrl)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('deletecollection resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`);
    expect(await sa('GET', `${GW}/gatewayclasses`)).toEqual({
      status: 403,
      body: forbiddenStatus(`gatewayclasses.gateway.networking.k8s.io is forbidden: ${cannot('list resource "gatewayclasses" in API group "gateway.networking.k8s.io" at the cluster scope')}`,
        { group: 'gateway.networking.k8s.io', kind: 'gatewayclasses' }),
    });
    // The core group has no suffix and no group in the details.
    expect(await sa('GET', '/api/v1/namespaces/default/services/web')).toEqual({
      status: 403,
      body: forbiddenStatus(`services "web" is forbidden: ${cannot('get resource "services" in API group "" in the namespace "default"')}`,
        { name: 'web', kind: 'services' }),
    });
    // Another user is bound to nothing.
    expect((await callAs(server, USER_TOKEN, 'GET', routesUrl)).body.message)
      .toBe('httproutes.gateway.networking.k8s.io is forbidden: User "alice" cannot list resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"');
  });

  test('matches subjects by User name, Group (a ServiceAccount\'s own groups too) and ServiceAccount namespace', async () => {
    const rules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }];
    expect((await admin('POST', `${RBAC}/clusterroles`, { metadata: { name: 'getter' }, rules })).status).toBe(201);
    const bind = (name: string, subject: unknown) => admin('POST', `${RBAC}/clusterrolebindings`,
      { metadata: { name }, subjects: [subject], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'getter' } });
    const get = async (token: string) => (await callAs(server, token, 'GET', `${routesUrl}/web`)).status;

    expect((await bind('wrong-namespace', { kind: 'ServiceAccount', name: 'controller', namespace: 'app' })).status).toBe(201);
    expect((await bind('group-of-alice', { kind: 'Group', name: 'devs' })).status).toBe(201);
    expect([await get(SA_TOKEN), await get(USER_TOKEN)]).toEqual([403, 200]);
    expect((await bind('sa-group', { kind: 'Group', name: 'system:serviceaccounts:ctl' })).status).toBe(201);
    expect(await get(SA_TOKEN)).toBe(200);
    expect((await admin('DELETE', `${RBAC}/clusterrolebindings/sa-group`)).status).toBe(200);
    expect(await get(SA_TOKEN)).toBe(403);
    expect((await bind('by-user-name', { kind: 'User', name: SA_USER })).status).toBe(201);
    expect(await get(SA_TOKEN)).toBe(200);
  });

  test('limits a RoleBinding to its namespace, to a Role of that namespace or a ClusterRole', async () => {
    await grant('route-reader', [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['list'] }], 'app');
    expect((await sa('GET', `${GW}/namespaces/app/httproutes`)).status).toBe(200);
    expect((await sa('GET', routesUrl)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('list resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`);
    expect((await sa('GET', `${GW}/httproutes`)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('list resource "httproutes" in API group "gateway.networking.k8s.io" at the cluster scope')}`);

    // A ClusterRole bound in a namespace grants its rules there only.
    expect((await admin('POST', `${RBAC}/clusterroles`, {
      metadata: { name: 'service-reader' },
      rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] }],
    })).status).toBe(201);
    await grant('service-reader', [], 'app', 'ClusterRole');
    expect((await sa('GET', '/api/v1/namespaces/app/services')).status).toBe(200);
    expect((await sa('GET', '/api/v1/namespaces/default/services')).status).toBe(403);
    expect((await sa('GET', '/api/v1/services')).status).toBe(403);

    // A binding to a role that does not exist grants nothing, and the real message names it.
    await grant('missing', [], 'default');
    expect((await sa('GET', routesUrl)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('list resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`
        + ': RBAC: role.rbac.authorization.k8s.io "missing" not found');
  });

  test('allows only the resourceNames of a rule, including a watch that selects the name', async () => {
    await grant('one-route', [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], resourceNames: ['web'], verbs: ['get', 'patch', 'list', 'watch'] }], 'default');
    expect((await sa('GET', `${routesUrl}/web`)).status).toBe(200);
    expect(await sa('GET', `${routesUrl}/other`)).toEqual({
      status: 403,
      body: forbiddenStatus(`httproutes.gateway.networking.k8s.io "other" is forbidden: ${cannot('get resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`,
        { name: 'other', group: 'gateway.networking.k8s.io', kind: 'httproutes' }),
    });
    const labels = { metadata: { labels: { team: 'a' } } };
    expect((await sa('PATCH', `${routesUrl}/web`, labels, 'application/merge-patch+json')).body.metadata.labels).toEqual({ team: 'a' });
    expect((await sa('PATCH', `${routesUrl}/other`, labels, 'application/merge-patch+json')).status).toBe(403);
    expect(server.object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'default', 'other').metadata.labels).toBeUndefined();
    // Without a name a request never matches a rule with resourceNames.
    expect((await sa('GET', routesUrl)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io is forbidden: ${cannot('list resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`);
    expect((await sa('GET', `${routesUrl}?fieldSelector=metadata.name%3Dweb`)).body.items.map((o: any) => o.metadata.name)).toEqual(['web']);

    const watch = await WatchStream.open(server, `${routesUrl}?watch=1&fieldSelector=metadata.name%3Dweb`, undefined, SA_TOKEN);
    try {
      expect(watch.response.status).toBe(200);
      const [event] = await watch.until(() => true);
      expect([event.type, event.object.metadata.name]).toEqual(['ADDED', 'web']);
    } finally {
      watch.close();
    }
    const byPath = await WatchStream.open(server, `${routesUrl}/web?watch=1`, undefined, SA_TOKEN);
    byPath.close();
    expect(byPath.response.status).toBe(200);
    expect((await sa('GET', `${routesUrl}?watch=1&fieldSelector=metadata.name%3Dother`)).body)
      .toEqual(forbiddenStatus(`httproutes.gateway.networking.k8s.io "other" is forbidden: ${cannot('watch resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`,
        { name: 'other', group: 'gateway.networking.k8s.io', kind: 'httproutes' }));
    expect((await sa('GET', `${routesUrl}?watch=1`)).status).toBe(403);
  });

  test('tells a status subresource rule from the main resource\'s', async () => {
    await grant('status-writer', [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes/status'], verbs: ['update', 'patch'] }]);
    const current = (await admin('GET', `${routesUrl}/web`)).body;
    const conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }];
    const status = { parents: [{ parentRef: { name: 'gw' }, controllerName: 'example.com/c', conditions }] };
    expect((await sa('PUT', `${routesUrl}/web/status`, { ...current, status })).status).toBe(200);
    expect(await sa('PUT', `${routesUrl}/web`, current)).toEqual({
      status: 403,
      body: forbiddenStatus(`httproutes.gateway.networking.k8s.io "web" is forbidden: ${cannot('update resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"')}`,
        { name: 'web', group: 'gateway.networking.k8s.io', kind: 'httproutes' }),
    });
    expect((await sa('GET', `${routesUrl}/web/status`)).body.message)
      .toBe(`httproutes.gateway.networking.k8s.io "web" is forbidden: ${cannot('get resource "httproutes/status" in API group "gateway.networking.k8s.io" in the namespace "default"')}`);

    await grant('route-writer', [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['*'] }], 'app');
    expect((await sa('PATCH', `${GW}/namespaces/app/httproutes/web`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await sa('PATCH', `${GW}/namespaces/app/httproutes/web/status`, { status }, 'application/merge-patch+json')).status).toBe(200);
    // The main resource's rule does not reach the status subresource.
    expect((await sa('GET', `${GW}/namespaces/app/httproutes/web/status`)).status).toBe(403);
    await grant('any-status', [{ apiGroups: ['*'], resources: ['*/status'], verbs: ['get'] }]);
    expect((await sa('GET', `${GW}/namespaces/app/httproutes/web/status`)).status).toBe(200);
    expect((await sa('GET', '/api/v1/namespaces/app/services/x/status')).status).toBe(404);
  });
});

describe('the test API server, RBAC with kubectl', () => {
  let server: TestApiServer;
  let dir: string;
  let adminConfig: string;
  let saConfig: string;

  beforeAll(async () => {
    server = await TestApiServer.start({ crdDir: CRD_DIR, namespaces: ['default', 'ctl'], tokens: { [SA_TOKEN]: { user: SA_USER } } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-rbac-'));
    adminConfig = server.writeKubeconfig(path.join(dir, 'admin'));
    saConfig = server.writeKubeconfig(path.join(dir, 'sa'), 'ctl', SA_TOKEN);
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const manifest = [
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: controller\n  namespace: ctl\n',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: routes\nrules:\n'
      + '- apiGroups: [gateway.networking.k8s.io]\n  resources: [httproutes]\n  verbs: [get, list, watch]\n',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: routes\n'
      + 'subjects:\n- kind: ServiceAccount\n  name: controller\n  namespace: ctl\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: routes\n',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: leases\n  namespace: ctl\nrules:\n'
      + '- apiGroups: [coordination.k8s.io]\n  resources: [leases]\n  verbs: [get, create, update]\n',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: leases\n  namespace: ctl\n'
      + 'subjects:\n- kind: ServiceAccount\n  name: controller\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: leases\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller\n  namespace: ctl\nspec:\n  replicas: 2\n'
      + '  selector:\n    matchLabels: {app: controller}\n  template:\n    metadata:\n      labels: {app: controller}\n'
      + '    spec:\n      serviceAccountName: controller\n      containers:\n      - name: controller\n        image: example.com/controller:1\n',
    'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: controller\n  namespace: ctl\nspec:\n  maxUnavailable: 1\n'
      + '  selector:\n    matchLabels: {app: controller}\n',
  ].join('---\n');

  test('applies ServiceAccount, the four RBAC kinds, Deployment and PodDisruptionBudget, and reapplies them storing nothing new', async () => {
    const file = path.join(dir, 'manifest.yaml');
    fs.writeFileSync(file, manifest);
    const created = await kubectl(adminConfig, ['apply', '-f', file]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe([
      'serviceaccount/controller created',
      'clusterrole.rbac.authorization.k8s.io/routes created',
      'clusterrolebinding.rbac.authorization.k8s.io/routes created',
      'role.rbac.authorization.k8s.io/leases created',
      'rolebinding.rbac.authorization.k8s.io/leases created',
      'deployment.apps/controller created',
      'poddisruptionbudget.policy/controller created',
      '',
    ].join('\n'));
    const rv = server.resourceVersion;
    const again = await kubectl(adminConfig, ['apply', '-f', file]);
    expect(again.stderr).toBe('');
    // kubectl always sends a PodDisruptionBudget's selector (its patch strategy is replace), so it
    // says configured, as against a real server; nothing is stored anew.
    expect(again.stdout.trim().split('\n').map((l) => l.split(' ')[1])).toEqual([...Array(6).fill('unchanged'), 'configured']);
    expect(server.resourceVersion).toBe(rv);
    expect(server.object('apps/v1', 'Deployment', 'ctl', 'controller').metadata.generation).toBe(1);
    expect(server.object('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'routes').rules[0].verbs).toEqual(['get', 'list', 'watch']);
    const short = await kubectl(adminConfig, ['get', 'sa,deploy,pdb', '-n', 'ctl', '-o', 'name']);
    expect(short.stdout).toBe('serviceaccount/controller\ndeployment.apps/controller\npoddisruptionbudget.policy/controller\n');
  });

  test('runs kubectl as the ServiceAccount: allowed by its bindings, Forbidden otherwise', async () => {
    expect((await kubectl(adminConfig, ['apply', '-f', '-', '-n', 'default'], 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\nspec: {}\n')).code).toBe(0);
    const routes = await kubectl(saConfig, ['get', 'httproutes', '-A', '-o', 'name']);
    expect(routes.stderr).toBe('');
    expect(routes.stdout).toBe('httproute.gateway.networking.k8s.io/web\n');
    const lease = 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: leader\nspec:\n  holderIdentity: a\n';
    expect((await kubectl(saConfig, ['create', '-f', '-'], lease)).stdout).toBe('lease.coordination.k8s.io/leader created\n');
    const elsewhere = await kubectl(saConfig, ['create', '-n', 'default', '-f', '-'], lease);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toBe(`Error from server (Forbidden): error when creating "STDIN": leases.coordination.k8s.io is forbidden: User "${SA_USER}" `
      + 'cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "default"\n');
    const secrets = await kubectl(saConfig, ['get', 'secrets']);
    expect(secrets.stderr).toBe(`Error from server (Forbidden): secrets is forbidden: User "${SA_USER}" cannot list resource "secrets" in API group "" in the namespace "ctl"\n`);
    const deleted = await kubectl(saConfig, ['delete', 'httproute', 'web', '-n', 'default']);
    expect(deleted.stderr).toBe(`Error from server (Forbidden): httproutes.gateway.networking.k8s.io "web" is forbidden: User "${SA_USER}" `
      + 'cannot delete resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "default"\n');
  });

  test('fails kubectl with an unknown token as not logged in', async () => {
    const config = server.writeKubeconfig(path.join(dir, 'unknown'), 'default', 'unknown');
    const r = await kubectl(config, ['get', 'httproutes']);
    expect(r.code).not.toBe(0);
    // What kubectl makes of a 401, as from a real server.
    expect(r.stderr.trim().split('\n').pop()).toBe('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
  });
});
