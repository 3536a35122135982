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
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
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
    const headers = { ...(options.headers as Record<string, string>), accept: 'application/json' } as Record<string, string | number>;
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
  informer(path: string, fieldSelector?: string, onListed?: () => void): Informer {
    const query = fieldSelector === undefined ? '' : `?fieldSelector=${encodeURIComponent(fieldSelector)}`;
    const list = async () => {
      const response = await this.request('GET', `${path}${query}`);
      if (response.status !== 200) throw new ApiError(response.status, `GET ${path}: ${describe(response)}`);
      // client-node applies the items in the microtasks after this resolves; a macrotask later they are in.
      if (onListed) setImmediate(onListed);
      return response.body;
    };
    return new this.lib.ListWatch(path, new this.lib.Watch(this.kc), list, false, undefined, fieldSelector);
  }
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
