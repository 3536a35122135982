/**
 * The file source's watcher: a change is read at once rather than after the writes around it
 * stop, and the events of one write (the file's and its folder's) make one reload.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './support';
import { FileWatcher } from '../../src/runtime/source/file';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FileWatcher', () => {
  let dir: string;
  let file: string;
  let watcher: FileWatcher | undefined;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'manifests.yaml');
    fs.writeFileSync(file, 'a: 1\n');
  });
  afterEach(() => {
    watcher?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reports a change while the writes of a burst still go on', async () => {
    const calls: number[] = [];
    watcher = new FileWatcher([file], dir, () => calls.push(Date.now()));
    await sleep(50);
    for (let i = 0; i < 12; i++) {
      fs.writeFileSync(file, `a: ${i}\n`);
      await sleep(25);
    }
    const burstEnd = Date.now();
    await sleep(100);
    expect(calls.length).toBeGreaterThan(1);
    // A quiet-period debounce would report only once the burst is over.
    expect(calls[0]).toBeLessThan(burstEnd - 100);
  });

  test('reports the events of one write once', async () => {
    let calls = 0;
    watcher = new FileWatcher([file], dir, () => calls++);
    await sleep(50);
    fs.writeFileSync(`${file}.tmp`, 'a: 2\n');
    fs.renameSync(`${file}.tmp`, file);
    await sleep(150);
    expect(calls).toBe(1);
  });

  test('reports nothing once closed', async () => {
    let calls = 0;
    watcher = new FileWatcher([file], dir, () => calls++);
    watcher.close();
    fs.writeFileSync(file, 'a: 3\n');
    await sleep(100);
    expect(calls).toBe(0);
  });
});
