/**
 * The config of a reloading `serve`: built from the previous one by the objects that changed,
 * it is the config a fresh build of the same input gives, and routes changed on disk are served
 * while the others keep answering.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { backend, CONTROLLER, destroyAgent, Echo, freePort, get, httpRoute, manifests, startEcho, tempDir } from './support';
import { KubeObject } from '../../src/engine/types';
import { buildConfig, ConfigBuilder, ConfigOptions, DataPlaneConfig } from '../../src/runtime/config';
import { startServe } from '../../src/runtime/serve';
import { CONTROLLER as WORLD_CONTROLLER, decisions, generatedVariants } from '../engine/generated-world';

const OPTIONS: ConfigOptions = { controllerName: WORLD_CONTROLLER, gateways: [], bind: '127.0.0.1', listenOffset: 0 };

function random(seed: number): () => number {
  let state = seed % 2 ** 32;
  return () => {
    // Below 2^53 before the modulo, so the arithmetic stays exact in doubles.
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** What a config serves: bindings, warnings and every table's decisions. */
function served(config: DataPlaneConfig): unknown {
  return {
    bindings: config.bindings.map((b) => [b.key, b.protocol, b.gateway, b.declaredPort, b.tls !== undefined]),
    warnings: config.warnings,
    table: decisions(config.table),
  };
}

/** A copy, as a file parsed again yields: equal objects, new instances. */
function reparsed(object: KubeObject): KubeObject {
  return JSON.parse(JSON.stringify(object));
}

describe('ConfigBuilder', () => {
  const variants = generatedVariants();
  const refused = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bad', namespace: 'ns-a' }, spec: { hostnames: ['-nope-'] } } as KubeObject;

  test.each([1, 2, 3, 4, 5])('serves what a fresh build serves as files change, come, go and repeat objects (seed %i)', (seed) => {
    const next = random(seed * 104729);
    const pick = () => {
      const list = variants[Math.floor(next() * variants.length)];
      return list[Math.floor(next() * list.length)];
    };
    // Files as the file source hands them over: unchanged files keep their object instances.
    let files: KubeObject[][] = Array.from({ length: 6 }, () => Array.from({ length: 5 }, pick));
    const builder = new ConfigBuilder(OPTIONS);
    for (let step = 0; step < 30; step++) {
      files = files.map((file) => file.slice());
      const f = Math.floor(next() * files.length);
      const roll = next();
      if (roll < 0.4) {
        // An edit: the file is parsed again, one object changes.
        files[f] = files[f].map(reparsed);
        if (files[f].length > 0) files[f][Math.floor(next() * files[f].length)] = pick();
      } else if (roll < 0.55) {
        files.splice(f, 0, [pick(), pick()]);
      } else if (roll < 0.65 && files.length > 1) {
        files.splice(f, 1);
      } else if (roll < 0.75) {
        files[f] = [...files[f], refused];
      } else if (roll < 0.85) {
        files[f] = files[f].slice(1);
      } else {
        files[f] = [...files[f].reverse()];
      }
      const objects = files.flat();
      expect(served(builder.build(objects))).toEqual(served(buildConfig(objects, OPTIONS)));
    }
  });

  test('of an object repeated in two files, serves the later one, whichever copy is edited', () => {
    const world = variants.map(([first]) => first).filter((o) => o.metadata.name !== 'r1');
    const r1 = variants.find(([o]) => o.metadata.name === 'r1')!;
    const builder = new ConfigBuilder(OPTIONS);
    const hostOf = (config: DataPlaneConfig) => config.table.gateways.get('ns-a/gw1')!.httpPorts.get(80)!
      .match({ host: 'web.com', path: '/shared', method: 'GET', header: () => undefined, query: () => undefined })?.route.name;
    const later = reparsed(r1[2]);
    expect(hostOf(builder.build([...world, r1[0], later]))).toBe('r1');
    // The earlier copy is edited (its file parsed again): the later one still wins.
    const edited = [...world, reparsed(r1[4]), later];
    expect(served(builder.build(edited))).toEqual(served(buildConfig(edited, OPTIONS)));
    expect(hostOf(builder.build(edited))).toBe('r1');
  });

  test('keeps its endpoints, and their round-robin cursors, until an EndpointSlice or a Service changes', () => {
    const world = variants.map(([first]) => first);
    const builder = new ConfigBuilder(OPTIONS);
    const first = builder.build(world);
    const route = variants.find(([o]) => o.metadata.name === 'r1')!;
    const second = builder.build(world.map((o) => o === route[0] ? route[2] : o));
    expect(second.endpoints).toBe(first.endpoints);
    const slice = variants.find(([o]) => o.kind === 'EndpointSlice')!;
    const third = builder.build(world.map((o) => o === route[0] ? route[2] : o === slice[0] ? slice[1] : o));
    expect(third.endpoints).not.toBe(first.endpoints);
  });
});

describe('serve, reloading', () => {
  let a: Echo;
  let b: Echo;
  beforeAll(async () => {
    [a, b] = await Promise.all([startEcho('a'), startEcho('b')]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    destroyAgent();
  });

  test('serves a route changed on disk while the routes of other files keep answering', async () => {
    const dir = tempDir();
    const write = (name: string, objects: object[]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(`${file}.tmp`, objects.map((o) => stringify(o)).join('---\n'));
      fs.renameSync(`${file}.tmp`, file);
    };
    const base = manifests({
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      services: [{ name: 'svc-a', endpoints: [a.port] }, { name: 'svc-b', endpoints: [b.port] }],
      routes: [],
    });
    const route = (name: string, host: string, p: string, target: string) =>
      httpRoute([{ matches: [{ path: { type: 'PathPrefix', value: p } }], backendRefs: [backend(target)] }], { name, hostnames: [host] });
    write('000-base.yaml', base);
    for (let f = 0; f < 5; f++) write(`routes-${f}.yaml`, Array.from({ length: 20 }, (_, r) => route(`r-${f}-${r}`, `h${f}-${r}.example.com`, `/p${r}`, 'svc-a')));
    write('zz-changing.yaml', [route('changing', 'changing.example.com', '/v0', 'svc-a')]);
    const offset = (await freePort()) - 80;
    const handle = await startServe({ paths: [dir], controllerName: CONTROLLER, listenOffset: offset, bind: '127.0.0.1', adminPort: 0, log: () => undefined });
    try {
      const port = 80 + offset;
      expect((await get(port, '/v0', { host: 'changing.example.com' })).status).toBe(200);
      for (let i = 1; i <= 3; i++) {
        write('zz-changing.yaml', [route('changing', 'changing.example.com', `/v${i}`, i % 2 === 0 ? 'svc-a' : 'svc-b')]);
        const end = Date.now() + 10_000;
        let answer = await get(port, `/v${i}`, { host: 'changing.example.com' });
        while (answer.status !== 200 && Date.now() < end) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          answer = await get(port, `/v${i}`, { host: 'changing.example.com' });
        }
        expect(answer.json().pod).toBe(i % 2 === 0 ? 'a' : 'b');
        expect((await get(port, `/v${i - 1}`, { host: 'changing.example.com' })).status).toBe(404);
        expect((await get(port, '/p7', { host: 'h3-7.example.com' })).json().pod).toBe('a');
      }
      // A route moved to another file, and a file that goes away, are served as a fresh start would.
      write('routes-1.yaml', [route('changing', 'changing.example.com', '/moved', 'svc-b')]);
      fs.rmSync(path.join(dir, 'zz-changing.yaml'));
      const end = Date.now() + 10_000;
      while ((await get(port, '/p3', { host: 'h1-3.example.com' })).status !== 404 && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await handle.reload();
      expect((await get(port, '/p3', { host: 'h1-3.example.com' })).status).toBe(404);
      expect((await get(port, '/moved', { host: 'changing.example.com' })).json().pod).toBe('b');
      expect((await get(port, '/v3', { host: 'changing.example.com' })).status).toBe(404);
    } finally {
      await handle.close(1000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
