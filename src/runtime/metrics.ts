/**
 * Prometheus metrics kept as plain counters: the request path only increments numbers in
 * maps keyed by strings it already has; formatting happens when /metrics is scraped.
 */

/** Seconds; spans a loopback hop (sub-millisecond) to the longest route timeouts. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
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

  render(): string {
    const lines: string[] = [
      '# HELP gateway_config_generation Generation of the configuration being served (1 after the first load).',
      '# TYPE gateway_config_generation gauge',
      `gateway_config_generation ${this.generation}`,
      '# HELP gateway_config_reloads_total Configuration changes applied.',
      '# TYPE gateway_config_reloads_total counter',
      `gateway_config_reloads_total ${this.reloads}`,
      '# HELP gateway_config_reload_errors_total Configuration changes that could not be read; the previous one stays live.',
      '# TYPE gateway_config_reload_errors_total counter',
      `gateway_config_reload_errors_total ${this.reloadErrors}`,
      '# HELP gateway_http_requests_total HTTP requests answered, by route, backend and status code.',
      '# TYPE gateway_http_requests_total counter',
    ];
    for (const [key, value] of this.requests) {
      const [route, backend, code] = key.split('\u0000');
      lines.push(`gateway_http_requests_total{route="${label(route)}",backend="${label(backend)}",code="${code}"} ${value}`);
    }
    lines.push(
      '# HELP gateway_http_request_duration_seconds Time from request to the end of the response, by route.',
      '# TYPE gateway_http_request_duration_seconds histogram',
    );
    for (const [route, h] of this.latency) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += h.counts[i];
        lines.push(`gateway_http_request_duration_seconds_bucket{route="${label(route)}",le="${le}"} ${cumulative}`);
      });
      lines.push(`gateway_http_request_duration_seconds_bucket{route="${label(route)}",le="+Inf"} ${h.count}`);
      lines.push(`gateway_http_request_duration_seconds_sum{route="${label(route)}"} ${h.sum}`);
      lines.push(`gateway_http_request_duration_seconds_count{route="${label(route)}"} ${h.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
