/**
 * Process lifecycle of `serve`: SIGTERM and SIGINT stop accepting, let in-flight requests
 * finish within a bound, then resolve so the command exits 0 (what Kubernetes expects from a
 * pod being rolled).
 */
import { ServeHandle } from './serve';

export function untilSignalled(handle: ServeHandle, drainMs: number, log: (line: string) => void): Promise<void> {
  return new Promise(resolve => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log(`serve: ${signal} received, draining for up to ${drainMs} ms`);
      void handle.close(drainMs).then(() => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
