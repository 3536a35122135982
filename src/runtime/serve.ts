/**
 * The data plane as one object: a source (files, or the API) → config → listeners, reloaded on
 * change, with the admin server beside it. `serve` and `controller` run it as a process; tests
 * start it in-process.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { startAdmin } from './admin';
import { ConfigBuilder, ConfigOptions, DataPlaneConfig } from './config';
import { Metrics, MetricsSnapshot } from './metrics';
import { Deadlines } from './proxy/deadlines';
import { ProxyContext } from './proxy/http';
import { ClientTimeouts, DEFAULT_CLIENT_TIMEOUTS, Frontends } from './proxy/server';
import { Upstreams } from './proxy/upstream';
import { FileSource, Source } from './source';
import { KubeObject } from '../engine/types';

export interface ServeOptions {
  /** Files and folders of manifests, read when no `source` is given. @default [] */
  readonly paths?: readonly string[];
  /** Where objects come from. @default a FileSource of `paths` */
  readonly source?: Source;
  /** Bind listeners and serve traffic; off, only configs are built (for `onConfig`). @default true */
  readonly listeners?: boolean;
  /** Called with each config made live, after its listeners are applied. */
  readonly onConfig?: (config: DataPlaneConfig) => void;
  /** More Prometheus text for /metrics (the controller's leader state and status writes). */
  readonly extraMetrics?: () => string;
  /** Where relative paths start. @default process.cwd() */
  readonly cwd?: string;
  /** Only GatewayClasses with this controllerName are served. @default every GatewayClass */
  readonly controllerName?: string;
  /** `namespace/name` of the Gateways to serve. @default all of ours */
  readonly gateways?: readonly string[];
  /** Added to every listener port. @default 0 */
  readonly listenOffset?: number;
  /** @default '0.0.0.0' */
  readonly bind?: string;
  /** 0 picks a free port. @default 0 */
  readonly adminPort?: number;
  /** Serve the admin port; a cluster worker leaves it to the primary. @default true */
  readonly admin?: boolean;
  /** How long clients may take to send a request head and may keep a connection idle. @default DEFAULT_CLIENT_TIMEOUTS */
  readonly timeouts?: ClientTimeouts;
  /** Messages about reloads, conflicts and unreadable files. @default stderr */
  readonly log?: (line: string) => void;
  /** Watch the files and apply changes (file source only). @default true */
  readonly watch?: boolean;
}

export interface ServeHandle {
  /** Undefined when started with `admin: false`. */
  readonly adminPort?: number;
  /** `address:declaredPort+offset` → port actually bound (they differ only when the offset makes the port 0). */
  ports(): Map<string, number>;
  /** Current configuration generation (1 after the first load). */
  generation(): number;
  /** True once a configuration is live. */
  ready(): boolean;
  metrics(): MetricsSnapshot;
  /** The config being served, once there is one. */
  config(): DataPlaneConfig | undefined;
  /** Re-reads the files now; resolves when the result is live (or rejected and logged). */
  reload(): Promise<void>;
  /** Stops accepting and waits up to `drainMs` for in-flight requests. */
  close(drainMs?: number): Promise<void>;
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configOptions: ConfigOptions = {
    controllerName: options.controllerName,
    gateways: options.gateways ?? [],
    bind: options.bind ?? '0.0.0.0',
    listenOffset: options.listenOffset ?? 0,
  };
  const metrics = new Metrics();
  const upstreams = new Upstreams();
  const deadlines = new Deadlines();
  const ctx: ProxyContext = { upstreams, deadlines, metrics };
  const frontends = new Frontends(ctx, options.timeouts ?? DEFAULT_CLIENT_TIMEOUTS);
  let live: DataPlaneConfig | undefined;
  let lastInput: KubeObject[] | undefined;
  const source = options.source ?? new FileSource(options.paths ?? [], cwd, options.watch !== false);
  const serveTraffic = options.listeners !== false;
  // One engine for the life of the process: each reload translates and compiles what changed.
  const builder = new ConfigBuilder(configOptions);
  let draining = false;

  const apply = async (): Promise<void> => {
    let config: DataPlaneConfig;
    try {
      const snapshot = source.snapshot();
      // Watchers see sibling files and metadata-only events; an unchanged input is not a new
      // config. Sources yield the very same objects for what did not change, so identity tells.
      const input = snapshot.objects;
      if (lastInput !== undefined && input.length === lastInput.length && input.every((o, i) => o === lastInput![i])) return;
      for (const problem of snapshot.problems) log(`serve: ${problem}`);
      // A file caught half-written, or broken by an edit, must not take down what it served before.
      if (snapshot.problems.length > 0 && live !== undefined) throw new Error(`${snapshot.problems.length} unreadable documents`);
      config = builder.build(snapshot.objects);
      lastInput = input;
    } catch (err) {
      metrics.reloadErrors++;
      log(`serve: configuration not applied, the previous one stays live: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const warning of config.warnings) log(`serve: ${warning}`);
    if (serveTraffic) {
      const errors = await frontends.apply(config.bindings, config.endpoints);
      for (const error of errors) log(`serve: ${error}`);
      upstreams.retain(config.endpoints.origins());
    }
    live = config;
    metrics.generation++;
    if (metrics.generation > 1) metrics.reloads++;
    options.onConfig?.(config);
  };

  // Reloads run one at a time, and a change during a reload triggers one more afterwards.
  let running: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await apply();
      } while (again && !draining);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };

  const admin = options.admin === false ? undefined : await startAdmin(configOptions.bind, options.adminPort ?? 0, {
    ready: () => live !== undefined,
    draining: () => draining,
    metrics: () => metrics.render() + (options.extraMetrics?.() ?? ''),
  });
  await source.start(() => void reload());
  await reload();

  return {
    adminPort: admin ? (admin.address() as AddressInfo).port : undefined,
    ports: () => frontends.ports(),
    generation: () => metrics.generation,
    ready: () => live !== undefined,
    metrics: () => metrics.snapshot(),
    config: () => live,
    reload,
    close: async (drainMs = 10_000) => {
      draining = true;
      await source.close();
      await running;
      await frontends.drain(drainMs);
      deadlines.stop();
      await upstreams.close();
      if (admin) await closeServer(admin);
    },
  };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
