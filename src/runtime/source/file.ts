/**
 * The file source: the paths given to `serve`, read with the CLI's loader (so `serve` and
 * `validate` see the same objects) and watched. Editors save in many ways (in place, rename
 * over, delete then create), so both the files and their folders are watched.
 *
 * A change is read almost at once: the first event of a burst starts a reload after a few
 * milliseconds, which lets a writer that truncates and then writes finish, and waiting for the
 * burst to end would only add its length to every change. Events that come while that reload
 * runs start one more, which `serve` coalesces (reloads run one at a time, with at most one
 * follow-up). A file caught half-written mostly fails to parse, which keeps the previous
 * config; the follow-up reads the whole file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadManifests, ParseCache } from '../../cli/load';
import { KubeObject } from '../../engine/types';

export interface Snapshot {
  readonly objects: KubeObject[];
  /** Lines that could not be read as objects (`file:line: message`); the objects that could are kept. */
  readonly problems: string[];
}

export function readSnapshot(paths: readonly string[], cwd: string, cache?: ParseCache): Snapshot {
  const loaded = loadManifests(paths, cwd, cache);
  return {
    objects: loaded.objects.map(o => o.object),
    problems: loaded.problems.map(p => `${p.file}:${p.line}: ${p.message}`),
  };
}

/** Delay between the first event of a burst and its reload; later events of the burst join it. */
const SETTLE_MS = 5;

export class FileWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `onChange` runs shortly after the first event of each burst; it re-reads the files itself. */
  constructor(private readonly paths: readonly string[], private readonly cwd: string, private readonly onChange: () => void) {
    this.rewatch();
  }

  /**
   * Watches every named path and every folder that holds one (to see a file replaced by rename
   * or created anew), plus the folders below named folders. Called again after each change,
   * since new folders may have appeared and replaced files need a fresh watch.
   */
  rewatch(): void {
    if (this.closed) return;
    const targets = new Set<string>();
    for (const given of this.paths) {
      const absolute = path.resolve(this.cwd, given);
      targets.add(path.dirname(absolute));
      if (!fs.existsSync(absolute)) continue;
      targets.add(absolute);
      if (fs.statSync(absolute).isDirectory()) for (const dir of subfolders(absolute)) targets.add(dir);
    }
    for (const [target, watcher] of this.watchers) {
      if (targets.has(target)) continue;
      watcher.close();
      this.watchers.delete(target);
    }
    for (const target of targets) {
      if (this.watchers.has(target)) continue;
      try {
        const watcher = fs.watch(target, { persistent: false }, () => this.schedule());
        // A watched path that disappears errors out; the next rewatch picks up what replaced it.
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(target);
          this.schedule();
        });
        this.watchers.set(target, watcher);
      } catch {
        // Gone between the check and the watch: the folder's watcher reports its return.
      }
    }
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rewatch();
      this.onChange();
    }, SETTLE_MS);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}

function subfolders(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    // Deep trees are not manifest folders; the bound also stops symlink loops.
    if (depth > 8) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = path.join(dir, entry.name);
      found.push(child);
      walk(child, depth + 1);
    }
  };
  try {
    walk(root, 0);
  } catch {
    // A folder removed during the walk: the next event rewatches.
  }
  return found;
}
