/**
 * `serve --workers N`: N processes serve the same files through node:cluster, whose primary
 * accepts connections and hands them out round-robin (Node 20 has no SO_REUSEPORT for net).
 * The primary serves no traffic: it restarts workers that die, answers the admin port for all
 * of them, and on SIGTERM has each one drain before it exits itself.
 */
import cluster, { Worker } from 'cluster';
import { startAdmin } from './admin';
import { MetricsSnapshot, renderMetrics } from './metrics';
import { untilSignalled } from './process';
import { ServeHandle } from './serve';

/** Set in the environment of each worker to its slot, 1..N; a replacement takes the slot it fills. */
export const WORKER_SLOT_ENV = 'CDK8S_GATEWAY_WORKER';

/** A probe must not hang on a worker that is stuck or gone; it just counts as not ready. */
const STATUS_TIMEOUT_MS = 1_000;
/** A worker that dies this soon after starting would die again at once: wait before the next try. */
const CRASH_LOOP_MS = 1_000;
/** Beyond the drain bound, how long a worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;

interface StatusRequest {
  readonly type: 'status';
  readonly id: number;
}

interface StatusReply {
  readonly type: 'status';
  readonly id: number;
  readonly ready: boolean;
  readonly metrics: MetricsSnapshot;
}

export interface PrimaryOptions {
  readonly workers: number;
  /** The script each worker runs, and its arguments: the same `serve` command line. */
  readonly exec: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly bind: string;
  readonly adminPort: number;
  readonly drainMs: number;
  readonly log: (line: string) => void;
}

/** The worker's side of the slot in its environment, or undefined outside a cluster worker. */
export function workerSlot(): number | undefined {
  const slot = process.env[WORKER_SLOT_ENV];
  return cluster.isWorker && slot !== undefined ? Number(slot) : undefined;
}

/** Answers the primary's status requests until SIGTERM, then drains like a single process. */
export async function runWorker(handle: ServeHandle, drainMs: number, log: (line: string) => void): Promise<void> {
  const onMessage = (message: StatusRequest) => {
    if (message?.type !== 'status') return;
    const reply: StatusReply = { type: 'status', id: message.id, ready: handle.ready(), metrics: handle.metrics() };
    process.send?.(reply);
  };
  process.on('message', onMessage);
  await untilSignalled(handle, drainMs, log);
  process.off('message', onMessage);
  // The IPC channel would keep the process alive; closing it also tells the primary the exit is intended.
  cluster.worker?.disconnect();
}

export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { log } = options;
  cluster.setupPrimary({ exec: options.exec, args: [...options.args], cwd: options.cwd });
  const slots: (Worker | undefined)[] = Array.from({ length: options.workers }, () => undefined);
  let stopping = false;

  const fork = (slot: number) => {
    const started = Date.now();
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    const pid = worker.process.pid;
    slots[slot - 1] = worker;
    log(`serve: worker ${slot} started (pid ${pid})`);
    worker.on('exit', (code, signal) => {
      slots[slot - 1] = undefined;
      if (stopping) return;
      const delay = Date.now() - started < CRASH_LOOP_MS ? CRASH_LOOP_MS : 0;
      log(`serve: worker ${slot} (pid ${pid}) exited (${signal ?? `code ${code}`}), restarting in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay);
    });
  };

  let asked = 0;
  const ask = (worker: Worker) => new Promise<StatusReply | undefined>(resolve => {
    const id = ++asked;
    const done = (reply: StatusReply | undefined) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(reply);
    };
    const onMessage = (message: StatusReply) => {
      if (message?.type === 'status' && message.id === id) done(message);
    };
    const onExit = () => done(undefined);
    const timer = setTimeout(onExit, STATUS_TIMEOUT_MS);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    const request: StatusRequest = { type: 'status', id };
    worker.send(request, err => err && onExit());
  });
  const statuses = () => Promise.all(slots.map(w => (w ? ask(w) : Promise.resolve(undefined))));

  const admin = await startAdmin(options.bind, options.adminPort, {
    ready: async () => (await statuses()).every(s => s?.ready === true),
    draining: () => stopping,
    metrics: async () => renderMetrics((await statuses()).flatMap((s, i) => (s ? [{ worker: i + 1, snapshot: s.metrics }] : []))),
  });
  const address = admin.address();
  log(`serve: ${options.workers} workers; admin on port ${typeof address === 'object' && address ? address.port : options.adminPort}`);
  for (let slot = 1; slot <= options.workers; slot++) fork(slot);

  await new Promise<void>(resolve => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const running = slots.filter((w): w is Worker => w !== undefined);
      log(`serve: ${signal} received, draining ${running.length} workers for up to ${options.drainMs} ms`);
      const kill = setTimeout(() => running.filter(w => !w.isDead()).forEach(w => {
        log(`serve: worker pid ${w.process.pid} still running after the drain, killing it`);
        w.process.kill('SIGKILL');
      }), options.drainMs + EXIT_GRACE_MS);
      void Promise.all(running.map(w => new Promise(exited => {
        if (w.isDead()) return exited(undefined);
        w.once('exit', exited);
        w.process.kill('SIGTERM');
      }))).then(() => {
        clearTimeout(kill);
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        admin.close(() => resolve());
        admin.closeAllConnections();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
