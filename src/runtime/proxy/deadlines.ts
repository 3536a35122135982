/**
 * Route timeouts without a timer per request: exchanges with a deadline join a set that one
 * interval sweeps. The interval runs only while the set is non-empty.
 */

/** Coarse enough to cost nothing, fine enough for the sub-second timeouts routes declare. */
const SWEEP_MS = 10;

export interface Expirable {
  /** `performance.now()` milliseconds after which `expire` is called (once). */
  readonly deadline: number;
  expire(): void;
}

export class Deadlines {
  private readonly pending = new Set<Expirable>();
  private timer: NodeJS.Timeout | undefined;

  add(item: Expirable): void {
    this.pending.add(item);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  delete(item: Expirable): void {
    this.pending.delete(item);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private sweep(): void {
    const now = performance.now();
    for (const item of this.pending) {
      if (item.deadline > now) continue;
      this.pending.delete(item);
      item.expire();
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** A Gateway API Duration (`1h`, `30s`, `500ms`, `1m30s`) in milliseconds; 0 means no limit. */
export function parseDuration(value: string | undefined): number {
  if (value === undefined) return 0;
  let total = 0;
  const re = /(\d+)(h|ms|m|s)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  return total;
}
