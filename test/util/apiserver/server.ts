/**
 * A test Kubernetes API server: plain HTTP on 127.0.0.1, the REST protocol kubectl and
 * client-node informers use (discovery, CRUD, patch, the status subresource, watch), and the
 * real server's behaviour where the project depends on it (research/kubernetes-api.md).
 * Custom resources are defaulted and validated by the project's engine, as the CRDs would be;
 * the CRDs themselves are readable as CustomResourceDefinition objects. Responses take the form
 * the Accept header negotiates: the object, a Table or PartialObjectMetadata. Requests are
 * authenticated by bearer token and, but for the admin's, authorized by the stored RBAC objects.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import * as path from 'path';
import { checkBuiltin } from './builtin-checks';
import { Answer, Format, negotiate, partialObject } from './negotiate';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch';
import { ADMIN, ADMIN_TOKEN, attributes, authenticate, authorize, TokenUser } from './rbac';
import { apiVersionOf, loadCrds, resourceTypes, ResourceType, storeKey, VERBS } from './resources';
import { Matcher, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './status';
import { Store, StoredEvent } from './store';
import { toTable } from './table';
import { validateObject } from '../../../src/engine/validate';

export interface TestApiServerOptions {
  /** Folder of CustomResourceDefinition YAML files to serve (the Gateway API standard channel). */
  readonly crdDir: string;
  /** How many events watches can resume from; older resourceVersions get 410 Expired. @default 1000 */
  readonly historySize?: number;
  /** How often a watch that allows bookmarks gets one. @default 1000 */
  readonly bookmarkIntervalMs?: number;
  /** Namespaces that exist from the start. @default default, kube-system, kube-public, kube-node-lease */
  readonly namespaces?: string[];
  /**
   * Whether the CRDs of `crdDir` are also stored as CustomResourceDefinition objects; false
   * simulates a cluster whose CRDs cannot be seen (their kinds are served either way). @default true
   */
  readonly crds?: boolean;
  /**
   * Bearer tokens and the users they authenticate; a ServiceAccount's user
   * (`system:serviceaccount:NS:NAME`) gets its groups added. Such users are authorized by the
   * stored RBAC objects. The token `test` (the default kubeconfig's) is always an admin that RBAC
   * does not check. A request to `url` without a token is also the admin unless `tokens` is
   * given, when it is 401 like an unknown token. (kubectl sends no token over http: the
   * kubeconfig of a token points at a port that stands for it.)
   */
  readonly tokens?: Record<string, TokenUser>;
}

const JSON_TYPE = 'application/json';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '', gitTreeState: 'clean', buildDate: '2024-12-11T00:00:00Z', goVersion: 'go1.23.3', compiler: 'gc', platform: 'linux/amd64' };

interface Target {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

interface ActiveWatch {
  end(): void;
}

/**
 * One listening port. kubectl sends no credentials to an http server (client-go applies a
 * kubeconfig's user only over https), so a kubeconfig for a token points at a port of its own,
 * which takes a request without a token as carrying that one. A token that is sent wins.
 */
interface Listener {
  readonly http: http.Server;
  /** The token of a request without one; undefined: such a request is 401. */
  readonly token: string | undefined;
  port: number;
}

export class TestApiServer {
  static async start(options: TestApiServerOptions): Promise<TestApiServer> {
    const server = new TestApiServer(options);
    for (const l of server.listeners) await server.listen(l, 0);
    return server;
  }

  readonly types: ResourceType[];
  private readonly store: Store;
  /** The first is `url`'s: without `tokens` its requests without a token are the admin's, as before tokens were checked. */
  private readonly listeners: Listener[];
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ActiveWatch>();
  private readonly bookmarkIntervalMs: number;
  private readonly tokens?: Record<string, TokenUser>;
  private clusterIp = 0;

  private constructor(options: TestApiServerOptions) {
    const crds = loadCrds(options.crdDir);
    this.types = resourceTypes(crds);
    this.store = new Store(options.historySize ?? 1000);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    this.tokens = options.tokens;
    const identities = options.tokens === undefined
      ? [ADMIN_TOKEN, undefined]
      : [undefined, ADMIN_TOKEN, ...Object.keys(options.tokens).filter((t) => t !== ADMIN_TOKEN)];
    this.listeners = identities.map((token) => this.listener(token));
    const ns = this.type('', 'v1', 'namespaces')!;
    for (const name of options.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.store.create(storeKey(ns), this.withDefaults(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    }
    if (options.crds ?? true) {
      // The served kinds are fixed here: changing, creating or deleting a CRD object later does
      // not change what is served (the CRD objects are for clients that read them, e.g. their
      // bundle-version annotation).
      const crdType = this.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
      for (const crd of crds) this.store.create(storeKey(crdType), this.establishedCrd(crdType, crd));
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.listeners[0].port}`;
  }

  /** The current global resourceVersion. */
  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /**
   * A kubeconfig for this server, as the user of `token` (by default the admin); client-node 1.x
   * needs `insecure-skip-tls-verify` to accept http.
   */
  kubeconfig(namespace = 'default', token = ADMIN_TOKEN): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: http://127.0.0.1:${this.listenerFor(token).port}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: test',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: test',
      '  context:',
      '    cluster: test',
      '    user: test',
      `    namespace: ${namespace}`,
      'current-context: test',
      '',
    ].join('\n');
  }

  /** Writes `kubeconfig(namespace, token)` to `file` and returns the path. */
  writeKubeconfig(file: string, namespace = 'default', token = ADMIN_TOKEN): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, this.kubeconfig(namespace, token));
    return file;
  }

  /** How many watch streams are open now. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Ends every open watch now, as a real server does on its own schedule. */
  endWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /**
   * Ends every open watch and compacts the history past them, so each re-watch from the last
   * resourceVersion it saw gets a 410 Expired event and must relist.
   */
  expireWatches(): void {
    this.endWatches();
    this.store.compact();
  }

  /** Stops listening and drops every connection: the server is unreachable until `goOnline`. */
  async goOffline(): Promise<void> {
    this.endWatches();
    const closed = this.listeners.filter((l) => l.http.listening)
      .map((l) => new Promise<void>((resolve) => l.http.close(() => resolve())));
    for (const s of this.sockets) s.destroy();
    await Promise.all(closed);
  }

  /** Listens again on the same ports. */
  async goOnline(): Promise<void> {
    for (const l of this.listeners) await this.listen(l, l.port);
  }

  async close(): Promise<void> {
    if (this.listeners.some((l) => l.http.listening)) await this.goOffline();
  }

  /** The stored object, for a test to check (not a copy: do not modify it). */
  object(apiVersion: string, kind: string, namespace: string | undefined, name: string): any | undefined {
    const t = this.types.find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
    return t && this.store.get(storeKey(t), t.namespaced ? namespace ?? 'default' : undefined, name);
  }

  private listener(token: string | undefined): Listener {
    const l: Listener = {
      token,
      port: 0,
      http: http.createServer((req, res) => {
        this.handle(req, res, l).catch((err) => {
          const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err instanceof Error ? err.stack : err));
          if (!res.headersSent) send(res, e.code, e.toStatus());
          else res.end();
        });
      }),
    };
    l.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return l;
  }

  /** The port of `token`; an unknown token's is one where a request without a token is 401. */
  private listenerFor(token: string): Listener {
    return this.listeners.find((l) => l.token === token) ?? this.listeners.find((l) => l.token === undefined)!;
  }

  private listen(l: Listener, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      l.http.once('error', reject);
      l.http.listen(port, '127.0.0.1', () => {
        l.http.off('error', reject);
        l.port = (l.http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private type(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, listener: Listener): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    const method = req.method ?? 'GET';

    // Authentication and authorization come first, as in the real server's filter chain: a
    // request that is not allowed is neither negotiated nor read.
    const user = authenticate(req.headers.authorization, listener.token, this.tokens);
    if (user !== ADMIN) {
      authorize(user, attributes(url.pathname, method, url.searchParams), (plural, namespace) => {
        const type = this.type('rbac.authorization.k8s.io', 'v1', plural)!;
        return this.store.list(storeKey(type), namespace);
      });
    }

    const discovery = this.discovery(parts);
    if (discovery !== undefined) {
      if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return send(res, discovery === null ? 404 : 200, discovery ?? notFoundStatus());
    }

    const target = this.target(parts);
    if (target === undefined) return send(res, 404, notFoundStatus());
    const { type, namespace, name, subresource } = target;
    if (subresource !== undefined && (subresource !== 'status' || !type.statusSubresource)) {
      return send(res, 404, notFoundStatus());
    }
    const q = url.searchParams;
    const watch = method === 'GET' && isTrue(q.get('watch'));
    // Negotiated before anything is done, so a request that cannot be answered changes nothing.
    const answer: Answer = watch ? 'watch' : name === undefined && (method === 'GET' || method === 'DELETE') ? 'list' : 'object';
    const format = negotiate(req.headers.accept, answer);

    if (name === undefined) {
      if (watch) return this.watch(type, namespace, q, format, req, res);
      if (method === 'GET') return this.list(type, namespace, q, format, res);
      if (method === 'POST') return this.respond(res, 201, type, this.create(type, namespace, await readJson(req), q, res), format, q);
      if (method === 'DELETE') return this.deleteCollection(type, namespace, q, format, res);
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    if (method === 'GET') {
      if (watch) {
        q.set('fieldSelector', `metadata.name=${name}`);
        return this.watch(type, namespace, q, format, req, res);
      }
      return this.respond(res, 200, type, this.read(type, namespace, name), format, q);
    }
    if (method === 'PUT') return this.respond(res, 200, type, this.update(type, namespace, name, await readJson(req), subresource, q, res), format, q);
    if (method === 'PATCH') {
      const patched = this.patch(type, namespace, name, req.headers['content-type'] ?? '', await readBody(req), subresource, q, res);
      return this.respond(res, 200, type, patched, format, q);
    }
    if (method === 'DELETE') return this.respond(res, 200, type, this.remove(type, namespace, name), format, q);
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  /** One object in the negotiated form. */
  private respond(res: http.ServerResponse, code: number, type: ResourceType, obj: any, format: Format, q: URLSearchParams): void {
    if (format.as === 'Table') return send(res, code, toTable(type, [obj], obj.metadata.resourceVersion, q.get('includeObject'), format.apiVersion));
    if (format.as === 'PartialObjectMetadata') return send(res, code, partialObject(obj, format.apiVersion));
    send(res, code, obj);
  }

  /** A list in the negotiated form. */
  private respondList(res: http.ServerResponse, type: ResourceType, metadata: Record<string, unknown>, items: any[], format: Format,
    q: URLSearchParams): void {
    if (format.as === 'Table') return send(res, 200, toTable(type, items, String(metadata.resourceVersion), q.get('includeObject'), format.apiVersion));
    if (format.as === 'PartialObjectMetadata') {
      const apiVersion = format.apiVersion;
      return send(res, 200, { kind: 'PartialObjectMetadataList', apiVersion, metadata, items: items.map((o) => partialObject(o, apiVersion)) });
    }
    send(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items: items.map((o) => this.view(type, o, false)) });
  }

  // ---- discovery ----

  /** undefined: not a discovery path; null: a discovery path that does not exist. */
  private discovery(parts: string[]): unknown {
    // Aggregated discovery (apidiscovery.k8s.io/v2) is not offered: answering the plain lists with
    // Content-Type application/json is how a server without it answers, and kubectl falls back.
    const p = parts.join('/');
    if (p === 'version') return KUBE_VERSION;
    if (p === 'api') {
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.listeners[0].port}` }] };
    }
    if (p === 'api/v1') return this.resourceList('', 'v1');
    if (p === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups().map((g) => this.group(g)) };
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = this.groups().find((x) => x === parts[1]);
      return g === undefined ? null : { kind: 'APIGroup', apiVersion: 'v1', ...this.group(g) };
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      return this.types.some((t) => t.group === parts[1] && t.version === parts[2]) ? this.resourceList(parts[1], parts[2]) : null;
    }
    if (p === 'openapi/v2') return null;
    if (p === 'openapi/v3') return this.openApiIndex();
    if (parts[0] === 'openapi' && parts[1] === 'v3') return this.openApiGroupVersion(parts.slice(2));
    return undefined;
  }

  private groups(): string[] {
    return [...new Set(this.types.filter((t) => t.group !== '').map((t) => t.group))];
  }

  private group(name: string): Record<string, unknown> {
    const versions = [...new Set(this.types.filter((t) => t.group === name).map((t) => t.version))]
      .sort(compareVersions).map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions, preferredVersion: versions[0] };
  }

  private resourceList(group: string, version: string): Record<string, unknown> {
    const resources: Record<string, unknown>[] = [];
    for (const t of this.types.filter((x) => x.group === group && x.version === version)) {
      resources.push({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        ...t.shortNames.length > 0 ? { shortNames: t.shortNames } : {},
        ...t.categories.length > 0 ? { categories: t.categories } : {},
      });
      if (t.statusSubresource) {
        resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
  }

  /**
   * A minimal OpenAPI v3: only PATCH operations that declare the `fieldValidation` parameter, so
   * kubectl leaves validation to the server (and, finding no strategic-merge media type, builds
   * patches from its compiled-in types for built-in kinds and merge patches for custom ones).
   */
  private openApiIndex(): Record<string, unknown> {
    const gvs = [...new Set(this.types.map((t) => (t.group === '' ? 'api/v1' : `apis/${t.group}/${t.version}`)))];
    return { paths: Object.fromEntries(gvs.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=0` }])) };
  }

  private openApiGroupVersion(gv: string[]): unknown {
    const [group, version] = gv[0] === 'api' ? ['', gv[1]] : [gv[1], gv[2]];
    const types = this.types.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return null;
    const paths: Record<string, unknown> = {};
    for (const t of types) {
      const base = `/${gv.join('/')}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
      paths[base] = {
        patch: {
          'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
          'parameters': ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((n) => ({ name: n, in: 'query', schema: { type: 'string', uniqueItems: true } })),
          'requestBody': { content: Object.fromEntries(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((m) => [m, { schema: { type: 'object' } }])) },
          'responses': { 200: { description: 'OK' } },
        },
      };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion }, paths, components: { schemas: {} } };
  }

  // ---- routing ----

  private target(parts: string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      [group, version, rest] = ['', parts[1], parts.slice(2)];
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
    } else {
      return undefined;
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = this.type(group, version, rest[0]);
    if (type === undefined || rest.length > 3) return undefined;
    if (namespace !== undefined && !type.namespaced) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2] };
  }

  // ---- reads ----

  private read(type: ResourceType, namespace: string | undefined, name: string): any {
    const obj = this.store.get(storeKey(type), type.namespaced ? namespace : undefined, name);
    if (obj === undefined) throw notFound(type, name);
    return this.view(type, obj, true);
  }

  /** The stored object as this version of the kind presents it. */
  private view(type: ResourceType, obj: any, withKind: boolean): any {
    const out = structuredClone(obj);
    if (withKind || type.custom) {
      const { apiVersion, kind, ...rest } = out;
      void apiVersion; void kind;
      return { apiVersion: apiVersionOf(type), kind: type.kind, ...rest };
    }
    // Items of a built-in list carry no apiVersion or kind: the list names them.
    delete out.apiVersion;
    delete out.kind;
    return out;
  }

  private list(type: ResourceType, namespace: string | undefined, q: URLSearchParams, format: Format, res: http.ServerResponse): void {
    const match = matcher(q);
    let items = this.store.list(storeKey(type), namespace).filter(match);
    const rv = this.resourceVersion;
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    const limit = Number(q.get('limit') ?? 0);
    const token = q.get('continue') ? decodeContinue(q.get('continue')!) : undefined;
    // Every page is of one snapshot. Holding no old versions, this server cannot serve the rest of
    // a list once anything has changed: the answer a real server gives when the snapshot has been
    // compacted away, 410 Expired.
    if (token !== undefined && token.rv !== rv) {
      throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. '
        + 'You can start a new list without the continue parameter.');
    }
    const start = token?.start ?? 0;
    if (start > 0) items = items.slice(start);
    if (limit > 0 && items.length > limit) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: start + limit })).toString('base64');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    this.respondList(res, type, metadata, items.map((o) => this.view(type, o, true)), format, q);
  }

  private watch(type: ResourceType, namespace: string | undefined, q: URLSearchParams, format: Format, req: http.IncomingMessage,
    res: http.ServerResponse): void {
    const match = matcher(q);
    const key = storeKey(type);
    const inScope = (o: any) => (namespace === undefined || o.metadata.namespace === namespace) && match(o);
    const rvParam = q.get('resourceVersion') ?? '';
    const from = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (from !== undefined && !Number.isInteger(from)) throw badRequest(`invalid resource version: ${rvParam}`);

    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const write = (t: string, object: any) => res.write(JSON.stringify({ type: t, object }) + '\n');
    // Bookmarks and ERROR Status objects go out as they are; only the objects are converted.
    const writeObject = (t: string, obj: any) => {
      const view = this.view(type, obj, true);
      write(t, format.as === 'PartialObjectMetadata' ? partialObject(view, format.apiVersion) : view);
    };

    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = () => { /* until subscribed */ };
    const active: ActiveWatch = {
      end: () => {
        timers.forEach(clearTimeout);
        unsubscribe();
        this.watches.delete(active);
        res.end();
      },
    };
    this.watches.add(active);
    req.on('close', () => active.end());

    if (from !== undefined && from < this.store.oldestResumable) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${this.store.oldestResumable})`,
        reason: 'Expired',
        code: 410,
      });
      return active.end();
    }

    const deliver = (e: StoredEvent) => {
      const now = inScope(e.object);
      const before = e.previous !== undefined && inScope(e.previous);
      let t: string | undefined;
      if (e.type === 'DELETED') t = before ? 'DELETED' : undefined;
      else if (e.type === 'ADDED') t = now ? 'ADDED' : undefined;
      else if (now) t = before ? 'MODIFIED' : 'ADDED';
      else if (before) t = 'DELETED';
      if (t !== undefined) writeObject(t, e.object);
    };

    if (from === undefined) {
      for (const o of this.store.list(key).filter(inScope)) writeObject('ADDED', o);
    } else {
      for (const e of this.store.eventsSince(key, from)) deliver(e);
    }
    unsubscribe = this.store.subscribe({ key, onEvent: deliver });

    if (isTrue(q.get('allowWatchBookmarks'))) {
      const bookmark = () => {
        write('BOOKMARK', { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: this.resourceVersion } });
        timers[0] = setTimeout(bookmark, this.bookmarkIntervalMs);
      };
      timers[0] = setTimeout(bookmark, this.bookmarkIntervalMs);
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 1800);
    timers[1] = setTimeout(() => active.end(), timeout * 1000);
  }

  // ---- writes ----

  private create(type: ResourceType, namespace: string | undefined, body: any, q: URLSearchParams, res: http.ServerResponse): any {
    checkKind(type, body);
    const obj = structuredClone(body);
    obj.metadata = { ...obj.metadata };
    if (type.namespaced) {
      if (namespace === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
      if (this.store.get(storeKey(this.type('', 'v1', 'namespaces')!), undefined, namespace) === undefined) {
        throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
      }
    } else {
      delete obj.metadata.namespace;
    }
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = obj.metadata.generateName + Math.random().toString(36).slice(2, 7);
    }
    if (!obj.metadata.name) {
      throw invalid(type, '', [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp']) delete obj.metadata[k];
    if (type.statusSubresource) delete obj.status;
    const prepared = this.withDefaults(type, obj);
    const stored = this.validated(type, prepared, undefined, undefined, q, res);
    if (this.store.get(storeKey(type), stored.metadata.namespace, stored.metadata.name) !== undefined) {
      throw alreadyExists(type, stored.metadata.name);
    }
    if (type.generation) stored.metadata.generation = 1;
    return this.view(type, this.store.create(storeKey(type), stored), true);
  }

  /**
   * A CRD document stored as a create would store it, with the status the API server's CRD
   * controllers give it once its names are accepted and it is established.
   */
  private establishedCrd(type: ResourceType, crd: any): any {
    const obj = structuredClone(crd);
    obj.metadata = { ...obj.metadata };
    for (const k of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp']) delete obj.metadata[k];
    const stored = this.withDefaults(type, obj);
    stored.metadata.generation = 1;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const names = stored.spec?.names ?? {};
    const versions: any[] = stored.spec?.versions ?? [];
    stored.status = {
      acceptedNames: { ...names, singular: names.singular ?? String(names.kind ?? '').toLowerCase() },
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
      storedVersions: versions.filter((v) => v.storage).map((v) => v.name),
    };
    return stored;
  }

  /**
   * What the API server fills in on built-in kinds at every write (the defaults kubectl's 3-way
   * patch then sees); values it allocated once (a Service's cluster IP) are kept from `old`.
   */
  private withDefaults(type: ResourceType, obj: any, old?: any): any {
    const out = { ...obj, apiVersion: apiVersionOf(type), kind: type.kind };
    if (type.custom) return out;
    if (type.kind === 'Namespace') {
      out.metadata = { ...out.metadata, labels: { ...out.metadata.labels, [NAMESPACE_NAME_LABEL]: out.metadata.name } };
      out.spec = { finalizers: ['kubernetes'], ...out.spec };
      out.status ??= { phase: 'Active' };
    } else if (type.kind === 'Service') {
      const spec = { ...out.spec };
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        if (old?.spec?.clusterIP !== undefined) {
          for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) spec[k] = old.spec[k];
        } else {
          this.clusterIp++;
          spec.clusterIP = `10.96.${Math.floor(this.clusterIp / 250)}.${(this.clusterIp % 250) + 1}`;
          spec.clusterIPs = [spec.clusterIP];
          spec.ipFamilies = ['IPv4'];
          spec.ipFamilyPolicy = 'SingleStack';
        }
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      spec.ports = (spec.ports ?? []).map((p: any) => ({ protocol: 'TCP', targetPort: p.port, ...p }));
      out.spec = spec;
      out.status ??= { loadBalancer: {} };
    } else if (type.kind === 'Secret') {
      out.type ??= 'Opaque';
    } else if (type.kind === 'CustomResourceDefinition') {
      out.spec = { ...out.spec, conversion: out.spec?.conversion ?? { strategy: 'None' } };
    }
    return out;
  }

  /**
   * Custom resources are defaulted and checked as their CRD would: unknown fields are dropped
   * (an error under `fieldValidation=Strict`, a warning otherwise), other violations are 422.
   */
  private validated(type: ResourceType, obj: any, old: any, subresource: string | undefined, q: URLSearchParams, res: http.ServerResponse): any {
    if (!type.custom) {
      checkBuiltin(type, obj);
      return obj;
    }
    const result = validateObject(obj, { oldObject: old, subresource: subresource === 'status' ? 'status' : undefined });
    if (!result.known) return obj;
    const unknown = result.violations.filter((v) => v.source === 'schema' && v.message.startsWith('unknown field'));
    const others = result.violations.filter((v) => !unknown.includes(v));
    const mode = q.get('fieldValidation') ?? 'Warn';
    if (unknown.length > 0 && mode === 'Strict') {
      throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((v) => v.message).join(', ')}`);
    }
    if (unknown.length > 0 && mode === 'Warn') {
      res.setHeader('Warning', unknown.map((v) => `299 - ${JSON.stringify(v.message)}`));
    }
    if (others.length > 0) throw invalid(type, obj.metadata?.name ?? '', others);
    const stored = result.object as any;
    // The engine cannot know the request's namespace; the API server keeps it.
    if (type.namespaced) stored.metadata.namespace = obj.metadata.namespace;
    return stored;
  }

  private update(type: ResourceType, namespace: string | undefined, name: string, body: any, subresource: string | undefined,
    q: URLSearchParams, res: http.ServerResponse, fromPatch = false): any {
    checkKind(type, body);
    const key = storeKey(type);
    const ns = type.namespaced ? namespace : undefined;
    const old = this.store.get(key, ns, name);
    if (old === undefined) throw notFound(type, name);
    if (body.metadata?.name !== undefined && body.metadata.name !== name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    const rv = body.metadata?.resourceVersion;
    if (rv === undefined || rv === '') {
      if (type.requiresResourceVersion && !fromPatch) {
        throw invalid(type, name, [{ path: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
      }
    } else if (rv !== old.metadata.resourceVersion) {
      throw conflict(type, name);
    }

    let next: any;
    if (subresource === 'status') {
      // A status write changes the status only.
      next = { ...structuredClone(old), status: structuredClone(body.status) };
    } else {
      next = { ...structuredClone(body), apiVersion: old.apiVersion, kind: old.kind };
      next.metadata = {
        ...body.metadata,
        name,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        ...ns ? { namespace: ns } : {},
      };
      if (!type.namespaced) delete next.metadata.namespace;
      if (old.metadata.generation !== undefined) next.metadata.generation = old.metadata.generation;
      // Deletion is the server's to start and to finish: a client neither sets nor clears it.
      delete next.metadata.deletionTimestamp;
      delete next.metadata.deletionGracePeriodSeconds;
      if (old.metadata.deletionTimestamp !== undefined) {
        next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
        next.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
        const added = (next.metadata.finalizers ?? []).filter((f: string) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw invalid(type, name, [{
            path: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f: string) => JSON.stringify(f)).join(', ')}}`,
          }]);
        }
      }
      // The main resource cannot change the status of a kind whose status is a subresource.
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      next = this.withDefaults(type, next, old);
    }
    const stored = this.validated(type, next, old, subresource, q, res);
    if (type.generation && subresource !== 'status' && specChanged(old, stored)) {
      stored.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (sameObject(old, stored)) return this.view(type, old, true);
    // The last finalizer of an object being deleted is gone: now it is deleted.
    if (stored.metadata.deletionTimestamp !== undefined && (stored.metadata.finalizers ?? []).length === 0) {
      return this.view(type, this.store.delete(key, stored), true);
    }
    return this.view(type, this.store.update(key, stored, old), true);
  }

  private patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, body: string,
    subresource: string | undefined, q: URLSearchParams, res: http.ServerResponse): any {
    const current = this.store.get(storeKey(type), type.namespaced ? namespace : undefined, name);
    const media = contentType.split(';')[0].trim();
    const accepted = type.custom
      ? ['application/json-patch+json', 'application/merge-patch+json']
      : ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
    if (!accepted.includes(media)) {
      throw new ApiError(415, 'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
    }
    if (current === undefined) throw notFound(type, name);
    let patchDoc: unknown;
    try {
      patchDoc = JSON.parse(body);
    } catch (err) {
      throw badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
    }
    const base = this.view(type, current, true);
    let patched: any;
    try {
      if (media === 'application/json-patch+json') patched = jsonPatch(base, patchDoc);
      else if (media === 'application/merge-patch+json') patched = mergePatch(base, patchDoc);
      else patched = strategicMergePatch(base, patchDoc);
    } catch (err) {
      if (err instanceof PatchError) throw new ApiError(422, 'Invalid', err.message);
      throw err;
    }
    if (patched?.metadata?.resourceVersion === current.metadata.resourceVersion) delete patched.metadata.resourceVersion;
    return this.update(type, namespace, name, patched, subresource, q, res, true);
  }

  private remove(type: ResourceType, namespace: string | undefined, name: string): any {
    const key = storeKey(type);
    const obj = this.store.get(key, type.namespaced ? namespace : undefined, name);
    if (obj === undefined) throw notFound(type, name);
    if ((obj.metadata.finalizers ?? []).length > 0) {
      // With finalizers, deletion only starts: the object stays, marked, until the last is removed.
      if (obj.metadata.deletionTimestamp !== undefined) return this.view(type, obj, true);
      const marked = structuredClone(obj);
      marked.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      marked.metadata.deletionGracePeriodSeconds = 0;
      return this.view(type, this.store.update(key, marked, obj), true);
    }
    if (type.kind === 'Namespace' && type.group === '') {
      // Deleting a namespace deletes what is in it (immediately here, not after a Terminating phase).
      for (const t of this.types.filter((x) => x.namespaced && x.storageVersion === x.version)) {
        for (const o of this.store.list(storeKey(t), name)) this.store.delete(storeKey(t), o);
      }
    }
    return this.view(type, this.store.delete(key, obj), true);
  }

  private deleteCollection(type: ResourceType, namespace: string | undefined, q: URLSearchParams, format: Format, res: http.ServerResponse): void {
    const match = matcher(q);
    const items = this.store.list(storeKey(type), namespace).filter(match)
      .map((o) => this.view(type, this.store.delete(storeKey(type), o), true));
    this.respondList(res, type, { resourceVersion: this.resourceVersion }, items, format, q);
  }
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function notFoundStatus(): Record<string, unknown> {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', { causes: [] }).toStatus();
}

function isTrue(v: string | null): boolean {
  return v === '1' || v === 'true';
}

function matcher(q: URLSearchParams): Matcher {
  try {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'));
    return (o) => labels(o) && fields(o);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

function decodeContinue(token: string): { rv: string; start: number } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString());
    return { rv: String(decoded.rv), start: Number(decoded.start) || 0 };
  } catch {
    throw badRequest('continue key is not valid');
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: http.IncomingMessage): Promise<any> {
  const media = (req.headers['content-type'] ?? JSON_TYPE).split(';')[0].trim();
  if (media !== JSON_TYPE) {
    // Protobuf (kubectl's typed clients) is not spoken here: a server without it answers 415.
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${JSON_TYPE}, application/yaml`);
  }
  const text = await readBody(req);
  try {
    const obj = JSON.parse(text);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
    return obj;
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function checkKind(type: ResourceType, body: any): void {
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
  }
}

/** Everything but metadata and status is the spec, for generation. */
function specChanged(a: any, b: any): boolean {
  const strip = ({ metadata, status, apiVersion, kind, ...rest }: any) => rest;
  return JSON.stringify(canonical(strip(a))) !== JSON.stringify(canonical(strip(b)));
}

function sameObject(a: any, b: any): boolean {
  const strip = (o: any) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as any)[k] !== undefined).map((k) => [k, canonical((v as any)[k])]));
  }
  return v;
}

/** v1 before v1beta1 before v1alpha2: the order the API server prefers versions in. */
function compareVersions(a: string, b: string): number {
  const rank = (v: string) => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [3, 0, 0];
    return [m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

