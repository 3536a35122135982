/**
 * The one door to the Kubernetes API: loads @kubernetes/client-node (ESM-only) from this
 * CommonJS package, and offers the little the controller needs of it: a request with the
 * kubeconfig's credentials, and informers. Requests are plain HTTP(S) rather than the generated
 * clients because status and lease writes need a chosen content type (merge patch, PUT with
 * resourceVersion) and every answer's status code, which the generated clients hide.
 */
import * as http from 'http';
import * as https from 'https';

/** The parts of client-node used here, typed loosely: its types are ESM and cannot be imported from CommonJS. */
interface ClientNode {
  KubeConfig: new () => any;
  Watch: new (kc: any) => any;
  ListWatch: new (path: string, watch: any, listFn: () => Promise<any>, autoStart?: boolean, labelSelector?: string, fieldSelector?: string) => any;
}

// A real dynamic import: TypeScript compiles `import()` to `require()` under CommonJS, which cannot load ESM.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

let loaded: Promise<ClientNode> | undefined;

function clientNode(): Promise<ClientNode> {
  loaded ??= dynamicImport('@kubernetes/client-node');
  return loaded;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: any;
}

/** What an informer tells: the same events as client-node's, with its cache. */
export interface Informer {
  on(event: 'add' | 'update' | 'delete', cb: (obj: any) => void): void;
  on(event: 'error' | 'connect', cb: (err?: any) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): ReadonlyArray<any>;
}

export class KubeApi {
  static async connect(kubeconfig?: string): Promise<KubeApi> {
    const lib = await clientNode();
    const kc = new lib.KubeConfig();
    if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
    return new KubeApi(lib, kc);
  }

  private agent: https.Agent | undefined;

  private constructor(private readonly lib: ClientNode, private readonly kc: any) {}

  /** Sends one request; resolves with any status code, rejects only when no answer came. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json'): Promise<ApiResponse> {
    const server = new URL(this.kc.getCurrentCluster()?.server ?? 'https://kubernetes.default.svc');
    const options: https.RequestOptions = { method, headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    const secure = server.protocol === 'https:';
    // client-node builds an https agent per call; the first one is kept so connections are reused
    // (the credentials in headers are still applied per call, so a rotated token is picked up).
    // A plain-HTTP server (a test's, allowed only with insecure-skip-tls-verify) needs none.
    if (secure) options.agent = this.agent ??= options.agent as https.Agent;
    else delete options.agent;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { ...(options.headers as Record<string, string>), accept } as Record<string, string | number>;
    if (payload) {
      headers['content-type'] = contentType;
      headers['content-length'] = payload.length;
    }
    const url = new URL(server.pathname.replace(/\/$/, '') + path, server);
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, { ...options, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): the text is the best description.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * An informer on a collection path (`/apis/GROUP/VERSION/PLURAL`, or namespaced). The list goes
   * through `request` so that a failure carries its status code (404: the kind is not installed).
   * `onListed` runs after each successful list has been applied to the cache.
   */
  informer(path: string, fieldSelector?: string, onListed?: () => void, options: InformerOptions = {}): Informer {
    const accept = options.metadataOnly ? METADATA_ONLY : 'application/json';
    const transform = options.transform;
    const list = async () => {
      const body = await listAll((p) => this.request('GET', p, undefined, undefined, accept), path, fieldSelector, LIST_PAGE_SIZE, transform);
      // client-node applies the items in the microtasks after this resolves; a macrotask later they are in.
      if (onListed) setImmediate(onListed);
      return body;
    };
    // client-node's Watch takes its headers from the config's applyToFetchOptions: a config that
    // adds the Accept header makes its watch metadata-only too.
    const kc = this.kc;
    const config = options.metadataOnly
      ? {
        getCurrentCluster: () => kc.getCurrentCluster(),
        applyToFetchOptions: (o: any) => kc.applyToFetchOptions({ ...o, headers: { ...o?.headers, Accept: accept } }),
      }
      : kc;
    const watch = new this.lib.Watch(config);
    // client-node tells when a watch ends, not when one starts: its watch() resolves once the
    // answer's head came, having already called `done` if that answer was an error.
    const watcher = {
      watch: async (p: string, q: any, cb: (type: string, obj: any, raw: any) => void, done: (err?: any) => void) => {
        let ended = false;
        const handler = transform
          ? (type: string, obj: any, raw: any) => cb(type, type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' ? transform(obj) : obj, raw)
          : cb;
        const controller = await watch.watch(p, q, handler, (err?: any) => {
          ended = true;
          done(err);
        });
        if (!ended) options.onWatching?.();
        return controller;
      },
    };
    return new this.lib.ListWatch(path, watcher, list, false, undefined, fieldSelector);
  }
}

export interface InformerOptions {
  /**
   * Objects with their metadata only (PartialObjectMetadata), as client-go's metadata informers
   * get them: for kinds read for an annotation, whose full objects are large (CRDs).
   */
  readonly metadataOnly?: boolean;
  /**
   * Applied to every object before client-node caches it (client-go's transform): for keeping a
   * cache small, e.g. without the last-applied-configuration annotation a client-side apply puts on
   * a CRD, a copy of the whole CRD.
   */
  readonly transform?: (obj: any) => any;
  /** Called each time a watch request has been answered 200: the informer follows changes again. */
  readonly onWatching?: () => void;
}

/**
 * The Accept header of a metadata-only list or watch: the list answers in the first form, watch
 * events in the second; a server that offers neither answers with full objects.
 */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** Objects per page of a list, as client-go's pager asks for them. */
const LIST_PAGE_SIZE = 500;

/**
 * A whole collection, `limit` objects per request, followed by `continue` tokens: the API server
 * then serves a large list in chunks instead of one response of every object (all pages are one
 * consistent snapshot, at the first page's resourceVersion). A token that has expired (410)
 * means the pages would no longer agree: the list is taken again in one request, as client-go's
 * pager does. `transform` is applied to each item as it arrives, so no page is kept whole.
 */
export async function listAll(get: (path: string) => Promise<ApiResponse>, path: string, fieldSelector: string | undefined,
  limit: number, transform?: (obj: any) => any): Promise<any> {
  const query = (more: Record<string, string>) => {
    const params = new URLSearchParams({ ...fieldSelector === undefined ? {} : { fieldSelector }, ...more });
    const text = params.toString();
    return text === '' ? path : `${path}?${text}`;
  };
  const items: any[] = [];
  let first: any;
  let token: string | undefined;
  do {
    const response = await get(query({ ...limit > 0 ? { limit: String(limit) } : {}, ...token ? { continue: token } : {} }));
    if (response.status === 410 && token !== undefined) return listAll(get, path, fieldSelector, 0, transform);
    if (response.status !== 200) throw new ApiError(response.status, `GET ${path}: ${describe(response)}`);
    const body = response.body;
    first ??= body;
    for (const item of Array.isArray(body?.items) ? body.items : []) items.push(transform ? transform(item) : item);
    token = typeof body?.metadata?.continue === 'string' && body.metadata.continue !== '' ? body.metadata.continue : undefined;
  } while (token !== undefined);
  const { continue: _done, remainingItemCount: _rest, ...metadata } = first?.metadata ?? {};
  return { ...first, metadata, items };
}

export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** `409 Conflict: the object has been modified…`: the API's own words when it gave a Status. */
export function describe(response: ApiResponse): string {
  const message = typeof response.body === 'object' && response.body !== null ? response.body.message : response.body;
  return `${response.status}${message ? ` ${String(message).slice(0, 300)}` : ''}`;
}
