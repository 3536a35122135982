/**
 * Prometheus metrics kept as plain counters: the request path only increments numbers in
 * maps keyed by strings it already has; formatting happens when /metrics is scraped.
 */

/** Seconds; spans a loopback hop (sub-millisecond) to the longest route timeouts. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** The counters as plain data, so that a worker process can hand them to the one serving /metrics. */
export interface MetricsSnapshot {
  readonly generation: number;
  readonly reloads: number;
  readonly reloadErrors: number;
  readonly requests: ReadonlyArray<readonly [string, number]>;
  readonly latency: ReadonlyArray<readonly [string, Histogram]>;
}

/** One process's counters; `worker` labels its series when several processes serve together. */
export interface MetricsSource {
  readonly worker?: number;
  readonly snapshot: MetricsSnapshot;
}

export class Metrics {
  generation = 0;
  reloads = 0;
  reloadErrors = 0;
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  /**
   * One finished exchange. `route` is `namespace/name` (or "" when no route matched), `backend`
   * the Service `namespace/name` (or "" when the proxy answered itself).
   */
  observe(route: string, backend: string, code: number, seconds: number): void {
    const key = `${route}\u0000${backend}\u0000${code}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(route, h);
    }
    h.sum += seconds;
    h.count++;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) {
        h.counts[i]++;
        break;
      }
    }
  }

  snapshot(): MetricsSnapshot {
    return {
      generation: this.generation,
      reloads: this.reloads,
      reloadErrors: this.reloadErrors,
      requests: [...this.requests],
      latency: [...this.latency],
    };
  }

  render(): string {
    return renderMetrics([{ snapshot: this.snapshot() }]);
  }
}

/** The Prometheus text format wants each family's samples together, under one HELP and TYPE. */
export function renderMetrics(sources: readonly MetricsSource[]): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, samples: (source: MetricsSource, worker: string) => string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const source of sources) lines.push(...samples(source, source.worker === undefined ? '' : `worker="${source.worker}"`));
  };
  const labels = (...pairs: string[]) => {
    const set = pairs.filter(Boolean).join(',');
    return set === '' ? '' : `{${set}}`;
  };
  family('gateway_config_generation', 'gauge', 'Generation of the configuration being served (1 after the first load).',
    ({ snapshot }, worker) => [`gateway_config_generation${labels(worker)} ${snapshot.generation}`]);
  family('gateway_config_reloads_total', 'counter', 'Configuration changes applied.',
    ({ snapshot }, worker) => [`gateway_config_reloads_total${labels(worker)} ${snapshot.reloads}`]);
  family('gateway_config_reload_errors_total', 'counter', 'Configuration changes that could not be read; the previous one stays live.',
    ({ snapshot }, worker) => [`gateway_config_reload_errors_total${labels(worker)} ${snapshot.reloadErrors}`]);
  family('gateway_http_requests_total', 'counter', 'HTTP requests answered, by route, backend and status code.',
    ({ snapshot }, worker) => snapshot.requests.map(([key, value]) => {
      const [route, backend, code] = key.split('\u0000');
      return `gateway_http_requests_total${labels(worker, `route="${label(route)}"`, `backend="${label(backend)}"`, `code="${code}"`)} ${value}`;
    }));
  family('gateway_http_request_duration_seconds', 'histogram', 'Time from request to the end of the response, by route.',
    ({ snapshot }, worker) => snapshot.latency.flatMap(([route, h]) => {
      const r = `route="${label(route)}"`;
      let cumulative = 0;
      return [
        ...BUCKETS.map((le, i) => {
          cumulative += h.counts[i];
          return `gateway_http_request_duration_seconds_bucket${labels(worker, r, `le="${le}"`)} ${cumulative}`;
        }),
        `gateway_http_request_duration_seconds_bucket${labels(worker, r, 'le="+Inf"')} ${h.count}`,
        `gateway_http_request_duration_seconds_sum${labels(worker, r)} ${h.sum}`,
        `gateway_http_request_duration_seconds_count${labels(worker, r)} ${h.count}`,
      ];
    }));
  return `${lines.join('\n')}\n`;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Per watched kind, as the Kubernetes source reports it. */
export interface WatchHealthSample {
  readonly kind: string;
  readonly up: boolean;
  readonly errors: number;
  readonly objects: number;
}

/**
 * The controller's own series: whether this process leads (absent without election), its status
 * writes, and per watched kind whether its watch is up, its failures and the objects it holds.
 */
export function renderControllerMetrics(
  leader: boolean | undefined, writes: ReadonlyMap<string, number>, watches: readonly WatchHealthSample[] = [],
): string {
  const lines: string[] = [];
  if (watches.length > 0) {
    const kind = (w: WatchHealthSample) => `{kind="${label(w.kind)}"}`;
    lines.push(
      '# HELP gateway_controller_watch_up Whether the kind is listed and watched (1), or its watch failed or the kind is not served (0); traffic keeps the last configuration meanwhile.',
      '# TYPE gateway_controller_watch_up gauge',
      ...watches.map((w) => `gateway_controller_watch_up${kind(w)} ${w.up ? 1 : 0}`),
      '# HELP gateway_controller_watch_errors_total Failed lists and watches, by kind.',
      '# TYPE gateway_controller_watch_errors_total counter',
      ...watches.map((w) => `gateway_controller_watch_errors_total${kind(w)} ${w.errors}`),
      '# HELP gateway_controller_objects Objects held from the API, by kind.',
      '# TYPE gateway_controller_objects gauge',
      ...watches.map((w) => `gateway_controller_objects${kind(w)} ${w.objects}`),
    );
  }
  if (leader !== undefined) {
    lines.push(
      '# HELP gateway_controller_leader Whether this process holds the status Lease and writes status (1) or stands by (0).',
      '# TYPE gateway_controller_leader gauge',
      `gateway_controller_leader ${leader ? 1 : 0}`,
    );
  }
  lines.push(
    '# HELP gateway_status_writes_total Status writes to the API, by outcome (written, conflict, error).',
    '# TYPE gateway_status_writes_total counter',
    ...['written', 'conflict', 'error'].map((outcome) => `gateway_status_writes_total{outcome="${outcome}"} ${writes.get(outcome) ?? 0}`),
  );
  return `${lines.join('\n')}\n`;
}
