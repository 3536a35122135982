/**
 * No Docker engine runs here, so the image is checked from its recipe: the runtime stage's
 * entry command is run as a plain process from the repository (its WORKDIR stands for the
 * repository root, as the stage copies the repository's files there), everything the stage
 * copies must exist after a compile, and the runtime stage is assembled in a folder (its
 * dependencies installed by the deps stage's own commands) and runs the controller.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { backend, CONTROLLER, Echo, freePort, httpRoute, manifests, startEcho } from './runtime/support';
import { TestApiServer } from './util/apiserver';
import { ControllerProcess, fetchText, kubectl, spawnController, until } from './util/kubectl';
import { SHARED_DIR } from './util/shared';

const REPO = path.resolve(__dirname, '..');

interface Instruction {
  readonly op: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

/** The stages of a Dockerfile: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from, name, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before the first FROM`);
      stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** An exec-form (JSON array) instruction's arguments. */
function execForm(stage: Stage, op: string): string[] {
  const found = stage.instructions.filter((i) => i.op === op);
  if (found.length !== 1) throw new Error(`expected one ${op} in the runtime stage, found ${found.length}`);
  const value = JSON.parse(found[0].args);
  if (!Array.isArray(value)) throw new Error(`${op} is not in exec form`);
  return value;
}

function last(stage: Stage, op: string): string | undefined {
  return stage.instructions.filter((i) => i.op === op).pop()?.args;
}

interface Copy {
  readonly from?: string;
  readonly sources: string[];
  readonly destination: string;
}

function copies(stage: Stage): Copy[] {
  return stage.instructions.filter((i) => i.op === 'COPY').map((i) => {
    const words = i.args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
  });
}

const stages = parseDockerfile(fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1];
const workdir = last(runtime, 'WORKDIR')!;
const entrypoint = execForm(runtime, 'ENTRYPOINT');
const cmd = execForm(runtime, 'CMD');

/** Runs the image's entry command with these arguments, from the repository as the WORKDIR. */
function runEntry(args: string[]) {
  if (!fs.existsSync(path.join(REPO, 'lib', 'cli', 'main.js'))) {
    throw new Error('lib/cli/main.js is missing: compile first (npx jsii --silence-warnings=reserved-word)');
  }
  const [command, ...rest] = entrypoint;
  const executable = command === 'node' ? process.execPath : command;
  const result = spawnSync(executable, [...rest, ...args], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Where a path of the runtime stage comes from in the repository (absolute WORKDIR-relative paths). */
function inRepo(imagePath: string, stageWorkdir: string): string {
  const relative = path.posix.relative(stageWorkdir, path.posix.resolve(stageWorkdir, imagePath));
  if (relative.startsWith('..')) throw new Error(`${imagePath} is outside ${stageWorkdir}`);
  return path.join(REPO, relative);
}

test('builds on node:20-bookworm-slim with npm ci and a compile', () => {
  const build = stages.find((s) => s.name === 'build')!;
  expect(build.from).toBe('node:20-bookworm-slim');
  const runs = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
  expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
  expect(runs.some((r) => /\b(tsc|jsii)\b/.test(r))).toBe(true);
});

test('installs the runtime stage\'s node_modules without dev dependencies', () => {
  const modules = copies(runtime).find((c) => c.destination.replace(/\/$/, '').endsWith('node_modules'))!;
  const source = stages.find((s) => s.name === modules.from)!;
  expect(source.instructions.filter((i) => i.op === 'RUN').map((i) => i.args)).toContainEqual(expect.stringMatching(/^npm ci --omit=dev\b/));
});

test('runs as uid 65532 and starts the controller by default', () => {
  expect(last(runtime, 'USER')).toMatch(/^65532(:65532)?$/);
  expect(entrypoint).toStrictEqual(['node', 'bin/cdk8s-gateway']);
  expect(cmd).toStrictEqual(['controller']);
});

test('copies into the runtime stage only lib/, bin/, package.json and node_modules, all of which exist after a compile', () => {
  const copied = copies(runtime);
  // `COPY a b/` and `COPY a .` put a inside the directory; `COPY a b` names the copy b.
  const destinations = copied.flatMap((c) => c.sources.map((source) => {
    const target = c.destination.endsWith('/') || c.destination === '.' ? path.posix.join(c.destination, path.posix.basename(source)) : c.destination;
    return path.posix.relative(workdir, path.posix.resolve(workdir, target));
  }));
  expect(destinations.sort()).toStrictEqual(['bin', 'lib', 'node_modules', 'package.json']);
  for (const c of copied) {
    if (c.from === 'deps') continue; // node_modules is installed in the image, not copied from the repo
    const stageWorkdir = c.from ? last(stages.find((s) => s.name === c.from)!, 'WORKDIR')! : '.';
    for (const source of c.sources) {
      const local = c.from ? inRepo(source, stageWorkdir) : path.join(REPO, source);
      expect(fs.existsSync(local) ? source : `${source} (missing: ${local})`).toBe(source);
    }
  }
  // The entry script and what it loads.
  expect(fs.existsSync(path.join(REPO, 'lib', 'cli', 'main.js'))).toBe(true);
  expect(fs.existsSync(path.join(REPO, 'lib', 'engine', 'schema', 'generated', 'standard.json'))).toBe(true);
});

test('sends the build context only what the Dockerfile copies from it', () => {
  const ignore = fs.readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  expect(ignore[0]).toBe('*');
  const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
  const fromContext = stages.flatMap((s) => copies(s).filter((c) => !c.from).flatMap((c) => c.sources));
  for (const source of fromContext) expect(allowed).toContain(source.replace(/\/$/, ''));
});

test('the default command is the controller, whose usage the entry command prints', () => {
  const result = runEntry([...cmd, '--help']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Usage: cdk8s-gateway controller/);
  expect(result.stdout).toContain('--no-serve');
  expect(result.stdout).toContain('--no-status');
});

test('the entry command runs the CLI on a manifest', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-'));
  try {
    const file = path.join(dir, 'gateway.yaml');
    fs.writeFileSync(file, [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: { name: web, namespace: default }',
      'spec:',
      '  gatewayClassName: cdk8s-gateway',
      '  listeners: [{ name: http, port: 80, protocol: HTTP }]',
      '',
    ].join('\n'));
    const result = runEntry(['validate', file]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '1 objects in 1 files: 0 violations\n' });
    expect(runEntry(['validate', path.join(dir, 'missing.yaml')]).code).not.toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The runtime stage assembled in a folder, as far as that can be done without Docker:
 * - the `deps` stage is run for real: its COPYs from the repository, then its RUN commands
 *   (`npm ci --omit=dev …`) as written, in its folder (npm may use its cache);
 * - the `build` stage's output is the repository's compiled lib/: the same tsconfig.json
 *   compiles it (jsii writes that file and compiles with it), from the same lockfile;
 * - the runtime stage's COPYs take from those, and its USER, ENV, ENTRYPOINT and CMD decide how
 *   the process runs: as uid 65532 (when the test runs as root) in a folder it cannot write.
 * What this cannot show: the base image itself, and a read-only root filesystem beyond the app.
 */
describe('the runtime stage, assembled without Docker', () => {
  jest.setTimeout(180_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-'));
  const folderOf = (stage: Stage) => path.join(root, stage.name ?? 'runtime');
  let server: TestApiServer | undefined;
  let controller: ControllerProcess | undefined;
  let echo: Echo | undefined;

  afterAll(async () => {
    await controller?.stop('SIGKILL');
    await echo?.close();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function runStage(stage: Stage): void {
    const dir = folderOf(stage);
    fs.mkdirSync(dir, { recursive: true });
    for (const instruction of stage.instructions) {
      if (instruction.op === 'COPY') {
        const [c] = copies({ ...stage, instructions: [instruction] });
        if (c.from !== undefined) throw new Error(`the deps stage copies from ${c.from}: not emulated`);
        for (const source of c.sources) fs.cpSync(path.join(REPO, source), path.join(dir, c.destination, path.basename(source)));
      } else if (instruction.op === 'RUN') {
        const result = spawnSync('sh', ['-c', instruction.args], {
          cwd: dir, encoding: 'utf8', timeout: 150_000, env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
        });
        if (result.status !== 0) throw new Error(`RUN ${instruction.args}: exit ${result.status}\n${result.stderr}`);
      }
    }
  }

  function assembleRuntime(): string {
    const app = path.join(folderOf(runtime), workdir.replace(/^\//, ''));
    fs.mkdirSync(app, { recursive: true });
    for (const c of copies(runtime)) {
      for (const source of c.sources) {
        const target = path.join(app, c.destination.endsWith('/') || c.destination === '.' ? path.basename(source) : c.destination.replace(/^\.\//, ''));
        if (c.from === undefined) {
          fs.cpSync(path.join(REPO, source), target, { recursive: true });
        } else if (c.from === 'build') {
          // The build stage's files are the repository's compiled ones.
          fs.cpSync(inRepo(source, last(stages.find((s) => s.name === 'build')!, 'WORKDIR')!), target, { recursive: true });
        } else {
          const from = stages.find((s) => s.name === c.from)!;
          const inStage = path.join(folderOf(from), path.posix.relative(last(from, 'WORKDIR')!, path.posix.resolve(last(from, 'WORKDIR')!, source)));
          fs.renameSync(inStage, target);
        }
      }
    }
    // Nothing in the image is the runtime user's: every folder readable, none writable.
    spawnSync('chmod', ['-R', 'u=rwX,go=rX', root]);
    return app;
  }

  test('installs the runtime dependencies with the deps stage\'s own commands, and no dev dependency', () => {
    runStage(stages.find((s) => s.name === 'deps')!);
    const modules = path.join(folderOf(stages.find((s) => s.name === 'deps')!), 'node_modules');
    expect(fs.existsSync(path.join(modules, '@kubernetes', 'client-node'))).toBe(true);
    for (const dev of ['jsii', 'typescript', 'jest', 'cdk8s', 'constructs', 'cdk8s-plus-28']) expect(fs.existsSync(path.join(modules, dev)) ? dev : 'absent').toBe('absent');
  });

  test('runs the controller from the assembled stage as uid 65532: readiness, status and traffic', async () => {
    const app = assembleRuntime();
    server = await TestApiServer.start({ crdDir: path.join(SHARED_DIR, 'gateway-api', 'crds', 'standard') });
    const kubeconfig = path.join(root, 'kubeconfig');
    server.writeKubeconfig(kubeconfig);
    fs.chmodSync(kubeconfig, 0o644);
    echo = await startEcho('image');
    const objects = manifests({
      listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
      routes: [httpRoute([{ backendRefs: [backend('echo')] }], { name: 'web' })],
      services: [{ name: 'echo', endpoints: [echo.port] }],
    });
    const applied = await kubectl(kubeconfig, ['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
    expect(applied.stderr).toBe('');

    const [user, group] = last(runtime, 'USER')!.split(':').map(Number);
    const asRoot = process.getuid?.() === 0;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent' };
    for (const e of runtime.instructions.filter((i) => i.op === 'ENV')) {
      const [, k, v] = /^(\S+?)[= ](.*)$/.exec(e.args)!;
      env[k] = v;
    }
    const [command, ...rest] = entrypoint;
    const offset = (await freePort()) - 80;
    controller = await spawnController(kubeconfig, ['--controller-name', CONTROLLER, '--listen-offset', String(offset), '--lease-namespace', 'default'], {
      command: [command === 'node' ? process.execPath : command, ...rest],
      cwd: app,
      env,
      ...asRoot ? { uid: user, gid: group ?? user } : {},
    });
    expect(cmd).toStrictEqual(['controller']);
    if (asRoot) expect(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${controller.child.pid}/status`, 'utf8'))![1]).toBe(String(user));
    await until('/readyz', async () => (await fetchStatus(controller!.adminPort, '/readyz')) === 200 || undefined, 30_000);
    await until('traffic', async () => (await fetchStatus(80 + offset, '/')) === 200 || undefined);
    const route = await until('the route status', async () => {
      const r = await kubectl(kubeconfig, ['get', 'httproute', 'web', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}']);
      return r.stdout === 'True' ? r.stdout : undefined;
    });
    expect(route).toBe('True');
    expect(controller.logs.filter((l) => /EACCES|EROFS|Error/.test(l))).toEqual([]);
  });
});

async function fetchStatus(port: number, urlPath: string): Promise<number> {
  return (await fetchText(port, urlPath)).status;
}
