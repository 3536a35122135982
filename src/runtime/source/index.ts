/**
 * Where the data plane's objects come from. `serve` reads files, `controller` the API; both feed
 * one pipeline (serve.ts): snapshot → ConfigBuilder → listeners. A snapshot hands back the very
 * same object instances for what did not change, in a stable order, which is how the
 * ConfigBuilder tells what changed without comparing contents.
 */
import { FileWatcher, readSnapshot, Snapshot } from './file';
import { ParseCache } from '../../cli/load';

export type { Snapshot } from './file';

export interface Source {
  /** Resolves once the first snapshot is complete; then `onChange` is called after each change (debounced). */
  start(onChange: () => void): Promise<void>;
  /** The objects now. */
  snapshot(): Snapshot;
  close(): Promise<void>;
}

/** Manifest files and folders, read with the CLI's loader, watched unless `watch` is false. */
export class FileSource implements Source {
  private readonly cache = new ParseCache();
  private watcher: FileWatcher | undefined;

  constructor(private readonly paths: readonly string[], private readonly cwd: string, private readonly watch = true) {}

  async start(onChange: () => void): Promise<void> {
    if (this.watch) this.watcher = new FileWatcher(this.paths, this.cwd, onChange);
  }

  snapshot(): Snapshot {
    return readSnapshot(this.paths, this.cwd, this.cache);
  }

  async close(): Promise<void> {
    this.watcher?.close();
  }
}
