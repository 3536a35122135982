/**
 * The incremental engine against its contract: after any sequence of changes it answers
 * exactly what a full translate + compile of the resulting snapshot answers: statuses,
 * findings, the IR, and the route table's decisions.
 */
import { CONTROLLER, decisions, generatedVariants } from './generated-world';
import { conformanceWorld, CONTROLLER_NAME } from './translate/world';
import { compile, describedRequest, RouteTable } from '../../src/engine/compile';
import { Engine } from '../../src/engine/incremental';
import { translate, TranslateOptions } from '../../src/engine/translate';
import { keyOf } from '../../src/engine/translate/snapshot';
import { KubeObject } from '../../src/engine/types';

const OPTIONS = { controllerName: CONTROLLER_NAME };

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed % 2 ** 32;
  return () => {
    // Below 2^53 before the modulo, so the arithmetic stays exact in doubles.
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

const WORLD = conformanceWorld(
  'httproute-matching.yaml', 'httproute-header-matching.yaml', 'httproute-hostname-intersection.yaml',
  'gateway-http-listener-isolation.yaml', 'httproute-reference-grant.yaml',
);

/** Every object of the world, plus variants that change what routing and status depend on. */
function variants(object: KubeObject): KubeObject[] {
  const copy = () => JSON.parse(JSON.stringify(object)) as KubeObject;
  if (object.kind === 'HTTPRoute') {
    const older = copy();
    older.metadata.creationTimestamp = '2020-01-01T00:00:00Z';
    const narrowed = copy();
    narrowed.spec.hostnames = ['example.com'];
    const moved = copy();
    for (const rule of moved.spec.rules ?? []) rule.matches = [{ path: { type: 'PathPrefix', value: '/moved' } }];
    return [object, older, narrowed, moved];
  }
  if (object.kind === 'Gateway') {
    const bumped = copy();
    bumped.metadata.generation = 2;
    bumped.spec.listeners = [...bumped.spec.listeners, { name: 'extra', port: 8080, protocol: 'HTTP' }];
    return [object, bumped];
  }
  return [object];
}

const POOL = WORLD.flatMap(variants);
const REQUESTS = [
  ['GET', 'http://example.com/'], ['GET', 'http://example.com/v2'], ['GET', 'http://example.com/moved/x'],
  ['GET', 'http://very.specific.com/s1'], ['GET', 'http://foo.wildcard.io/s2'], ['GET', 'http://bar.example.com/wildcard-example-com'],
  ['POST', 'http://example.net/'], ['GET', 'http://first.com/'],
].map(([method, url]) => describedRequest({ method, url, headers: [['version', 'two']] }));

/** What a table answers, port by port, for the fixed requests. */
function answers(table: RouteTable): unknown {
  return [...table.gateways].map(([key, gateway]) => [key, [...gateway.httpPorts].map(([port, t]) => [port, REQUESTS.map((r) => {
    const m = t.match(r);
    return m && `${t.listenerFor(r.host)?.name} ${m.route.namespace}/${m.route.name}#${m.rule.index}`;
  })])]);
}

function expectSameAsFullRebuild(engine: Engine, snapshot: KubeObject[], options: TranslateOptions = OPTIONS) {
  const full = translate(snapshot, options);
  const result = engine.result;
  expect([...result.statuses]).toEqual([...full.statuses]);
  expect(result.gateways).toEqual(full.gateways);
  expect(result.findings).toEqual(full.findings);
  expect(answers(result.table)).toEqual(answers(compile(full.gateways)));
  expect(decisions(result.table)).toEqual(decisions(compile(full.gateways)));
}

describe('Engine', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('answers as a full rebuild after random changes (seed %i)', (seed) => {
    const next = random(seed);
    const pick = () => POOL[Math.floor(next() * POOL.length)];
    const model = new Map<string, KubeObject>();
    const engine = new Engine(OPTIONS);
    for (let step = 0; step < 40; step++) {
      const upserts = Array.from({ length: Math.floor(next() * 4) }, pick);
      const deletes = next() < 0.4 ? [...model.keys()].filter(() => next() < 0.15) : [];
      for (const key of deletes) model.delete(key);
      for (const object of upserts) model.set(keyOf(object), object);
      engine.update({ upserts, deletes });
      expect(engine.snapshot).toEqual([...model.values()]);
      expectSameAsFullRebuild(engine, [...model.values()]);
    }
  });

  const GENERATED = generatedVariants();
  test.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'answers as a full rebuild after random changes to every kind it reads, in any input order (seed %i)', (seed) => {
      const options = { controllerName: CONTROLLER };
      const next = random(seed * 7919);
      const pick = () => {
        const choices = GENERATED[Math.floor(next() * GENERATED.length)];
        return choices[Math.floor(next() * choices.length)];
      };
      let model = new Map<string, KubeObject>();
      const engine = new Engine(options);
      for (let step = 0; step < 60; step++) {
        const upserts = Array.from({ length: Math.floor(next() * 4) }, pick);
        const deletes = next() < 0.3 ? [...model.keys()].filter(() => next() < 0.2) : [];
        for (const key of deletes) model.delete(key);
        for (const object of upserts) model.set(keyOf(object), object);
        let order: string[] | undefined;
        if (next() < 0.15) {
          order = [...model.keys()].sort(() => next() - 0.5);
          model = new Map(order.map((key) => [key, model.get(key)!]));
        }
        engine.update({ upserts, deletes, order });
        expect(engine.snapshot).toEqual([...model.values()]);
        expectSameAsFullRebuild(engine, [...model.values()], options);
      }
    });

  test('starts from an initial snapshot', () => {
    const engine = new Engine(OPTIONS, WORLD);
    expectSameAsFullRebuild(engine, WORLD);
  });

  test('keeps the previous result when a change changes nothing', () => {
    const engine = new Engine(OPTIONS, WORLD);
    const before = engine.result;
    expect(engine.update({ upserts: [JSON.parse(JSON.stringify(WORLD[WORLD.length - 1]))], deletes: ['HTTPRoute/default/absent'] })).toBe(before);
  });

  test('reuses the compiled table of every Gateway whose IR did not change', () => {
    const engine = new Engine(OPTIONS, WORLD);
    const before = engine.result.table.gateways;
    const route = WORLD.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'matching')!;
    const after = engine.update({ upserts: variants(route).slice(3) }).table.gateways;
    const changed = [...after].filter(([key, compiled]) => before.get(key) !== compiled).map(([key]) => key);
    expect(changed).toEqual(['gateway-conformance-infra/same-namespace']);
  });
});
