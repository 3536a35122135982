/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
 * `renewTime` every few seconds; a candidate may take the Lease once it has seen the same record
 * (holder, times, transitions) for leaseDurationSeconds by its own clock. The renewTime written
 * by another machine is never compared with the local clock, so clock skew between nodes cannot
 * make two leaders. Every write carries the resourceVersion read, so of two candidates racing for
 * a free Lease one gets 409 and stays a follower. The decisions are pure functions of the Lease
 * and a monotonic clock, tested without a server.
 */
import { performance } from 'perf_hooks';
import { describe, KubeApi } from './kube-client';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Who may hold the Lease, judged from the times this process saw it change. A Lease held by
 * someone else expires `leaseDurationSeconds` after its record last changed *as observed here*:
 * a candidate that starts while another holds the Lease waits a full duration, even if the
 * holder died long before (client-go does the same); a holder that stops cleanly releases the
 * Lease, which is free at once.
 */
export class LeaseObserver {
  private record: string | undefined;
  private observedAt = 0;

  /** Notes the Lease as read at `now` (ms of a monotonic clock) and says who may hold it. */
  observe(spec: LeaseSpec | undefined, identity: string, now: number): 'ours' | 'other' | 'free' {
    const record = JSON.stringify([spec?.holderIdentity, spec?.acquireTime, spec?.renewTime, spec?.leaseTransitions, spec?.leaseDurationSeconds]);
    if (record !== this.record) {
      this.record = record;
      this.observedAt = now;
    }
    if (!spec?.holderIdentity) return 'free';
    // Still ours, even after a pause: had anyone taken it, it would name them.
    if (spec.holderIdentity === identity) return 'ours';
    const duration = (spec.leaseDurationSeconds ?? 0) * 1000;
    return now - this.observedAt >= duration ? 'free' : 'other';
  }

  /**
   * Milliseconds from `now` until the Lease last observed, if held by another and left
   * unchanged, expires: when a candidate should look again rather than wait a whole retry period.
   */
  expiresIn(spec: LeaseSpec | undefined, now: number): number {
    return Math.max(0, this.observedAt + (spec?.leaseDurationSeconds ?? 0) * 1000 - now);
  }
}

/** The spec to write to take or keep the Lease. */
export function claimedSpec(spec: LeaseSpec | undefined, identity: string, durationSeconds: number, now: Date): LeaseSpec {
  const time = microTime(now);
  const keeping = spec?.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    acquireTime: keeping && spec?.acquireTime ? spec.acquireTime : time,
    renewTime: time,
    leaseTransitions: (spec?.leaseTransitions ?? 0) + (keeping || !spec?.holderIdentity ? 0 : 1),
  };
}

/** The spec that gives the Lease up: no holder, and a one-second duration so any reader sees it free. */
export function releasedSpec(spec: LeaseSpec, now: Date): LeaseSpec {
  const { holderIdentity: _gone, ...rest } = spec;
  return { ...rest, leaseDurationSeconds: 1, renewTime: microTime(now) };
}

/** A Lease's MicroTime: six fractional digits (a real API server refuses three). */
export function microTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

/**
 * Whether a leader that last renewed at `lastRenew` must stop acting now: before its Lease can
 * expire for others (two thirds of the duration, client-go's default ratio of renew deadline to
 * lease duration), so two leaders never write at once.
 */
export function mustStepDown(lastRenew: number, durationSeconds: number, now: number): boolean {
  return now - lastRenew > (durationSeconds * 1000 * 2) / 3;
}

export interface LeaderOptions {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** @default 15 */
  readonly durationSeconds?: number;
  /** @default 2000 */
  readonly renewMs?: number;
  readonly log: (line: string) => void;
  /** Called when leadership starts or ends. */
  readonly onChange: (leading: boolean) => void;
}

export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private readonly observer = new LeaseObserver();
  /** When the Lease, held by another at the last look, expires if not renewed (monotonic ms). */
  private otherUntil: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private stopped = false;
  private lastError = '';

  constructor(private readonly options: LeaderOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops campaigning and, when leading, releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    if (!this.leading) return;
    this.set(false);
    try {
      const current = await this.options.api.request('GET', this.path());
      if (current.status !== 200 || current.body?.spec?.holderIdentity !== this.options.identity) return;
      const response = await this.options.api.request('PUT', this.path(), { ...current.body, spec: releasedSpec(current.body.spec, new Date()) });
      if (response.status !== 200) this.options.log(`controller: lease not released: ${describe(response)}`);
    } catch (err) {
      this.options.log(`controller: lease not released: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return name === '' ? base : `${base}/${name ?? this.options.name}`;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.round().finally(() => {
        this.tick = undefined;
        const retry = this.options.renewMs ?? 2000;
        // A standby looks again as the Lease would expire, not up to a retry period later.
        this.schedule(this.otherUntil === undefined ? retry : Math.min(retry, this.otherUntil - performance.now() + 1));
      });
    }, ms);
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.log(`controller: ${leading ? 'leading' : 'no longer leading'} (lease ${this.options.namespace}/${this.options.name}, identity ${this.options.identity})`);
    this.options.onChange(leading);
  }

  private async round(): Promise<void> {
    const duration = this.options.durationSeconds ?? 15;
    try {
      const won = await this.attempt(duration);
      if (won) this.lastRenew = performance.now();
      // Even when stopping: a Lease won meanwhile is then released by `stop`.
      this.set(won);
      this.lastError = '';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastError) this.options.log(`controller: lease ${this.options.namespace}/${this.options.name}: ${message}`);
      this.lastError = message;
      if (this.leading && mustStepDown(this.lastRenew, duration, performance.now())) this.set(false);
    }
  }

  /** One read and, when the Lease is ours or free, one write; true when we hold it afterwards. */
  private async attempt(duration: number): Promise<boolean> {
    const { api, identity } = this.options;
    this.otherUntil = undefined;
    const current = await api.request('GET', this.path());
    if (current.status === 404) {
      const created = await api.request('POST', this.path(''), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name, namespace: this.options.namespace },
        spec: claimedSpec(undefined, identity, duration, new Date()),
      });
      if (created.status === 201 || created.status === 200) return true;
      if (created.status === 409) return false;
      throw new Error(`create: ${describe(created)}`);
    }
    if (current.status !== 200) throw new Error(`read: ${describe(current)}`);
    const lease = current.body;
    const now = performance.now();
    if (this.observer.observe(lease.spec, identity, now) === 'other') {
      this.otherUntil = now + this.observer.expiresIn(lease.spec, now);
      return false;
    }
    const updated = await api.request('PUT', this.path(), { ...lease, spec: claimedSpec(lease.spec, identity, duration, new Date()) });
    if (updated.status === 200) return true;
    if (updated.status === 409) return false;
    throw new Error(`renew: ${describe(updated)}`);
  }
}
