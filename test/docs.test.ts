import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as ts from 'typescript';
import * as library from '../src';

// Every page under docs/ opens with a complete app in a ```ts block. This suite type-checks
// that block against src/ and runs it, so a page whose example stops compiling, throws, or
// fails synth-time validation fails here. The code never touches the disk: it is checked
// through an in-memory compiler host and run with a `require` that hands it src/ as
// 'cdk8s-gateway', and the same cdk8s and cdk8s-plus-28 instances that src/ uses.

const REPO = path.resolve(__dirname, '..');
const DOCS = path.join(REPO, 'docs');
const SRC = path.join(REPO, 'src');
/** Where the examples pretend to live, so module resolution and tsconfig behave as for a test. */
const VIRTUAL_DIR = path.join(REPO, 'test', '.doc-examples');

/** The packages a page's example may import: what a user of the library has installed. */
const ALLOWED_IMPORTS = new Set(['cdk8s-gateway', 'cdk8s', 'cdk8s-plus-28']);

/** What the example's `require` returns, keyed by the specifiers of the runnable code. */
const MODULES: Record<string, unknown> = { [SRC]: library, 'cdk8s': cdk8s, 'cdk8s-plus-28': kplus };

interface DocExample {
  readonly page: string;
  /** The example as written in the page. */
  readonly source: string;
  /** The example pointed at src/, returning the synthesized YAML instead of writing files. */
  readonly runnable: string;
  readonly virtualFile: string;
}

function firstTsBlock(markdown: string): string | undefined {
  return /^```ts[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/m.exec(markdown)?.[1];
}

function importedModules(source: string): string[] {
  const file = ts.createSourceFile('example.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  return file.statements
    .filter(ts.isImportDeclaration)
    .map((s) => (s.moduleSpecifier as ts.StringLiteral).text);
}

function toRunnable(source: string): string {
  return source
    .replace(/(from\s+)(['"])cdk8s-gateway\2/g, (_m, from) => `${from}${JSON.stringify(SRC)}`)
    // The last statement: synthesize in memory and hand the YAML to the test.
    .replace(/^app\.synth\(\);[ \t]*$/m, 'export const synthesized = app.synthYaml();');
}

// Reference pages (measurements, design notes) carry no runnable example; every other page is a guide.
const REFERENCE_PAGES = new Set(['benchmarks.md', 'conformance.md', 'architecture.md', 'data-plane.md']);
// The README's opening example is held to the same standard as the guides.
const pages = [
  '../README.md',
  ...(fs.existsSync(DOCS) ? fs.readdirSync(DOCS).filter((f) => f.endsWith('.md') && !REFERENCE_PAGES.has(f)).sort() : []),
];
const examples: DocExample[] = pages.map((page) => {
  const source = firstTsBlock(fs.readFileSync(path.join(DOCS, page), 'utf8')) ?? '';
  return {
    page,
    source,
    runnable: toRunnable(source),
    virtualFile: path.join(VIRTUAL_DIR, path.basename(page).replace(/\.md$/, '.ts')),
  };
});

/** Type errors of the examples, per virtual file, checked in one program against src/. */
function typeCheck(all: readonly DocExample[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(REPO, 'test', 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (!config) throw new Error('cannot read test/tsconfig.json');
  // Later sections of a page use names the opening example declares without using them.
  const options: ts.CompilerOptions = { ...config.options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true };

  const virtual = new Map(all.map((e) => [e.virtualFile, e.runnable]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists(f);
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile(f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(path.resolve(f));
    return text !== undefined
      ? ts.createSourceFile(f, text, languageVersion, true, ts.ScriptKind.TS)
      : getSourceFile(f, languageVersion, onError, shouldCreate);
  };

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const errors = new Map<string, string[]>();
  for (const e of all) {
    const file = program.getSourceFile(e.virtualFile);
    if (!file) {
      errors.set(e.virtualFile, ['the example is not part of the program']);
      continue;
    }
    errors.set(e.virtualFile, ts.getPreEmitDiagnostics(program, file).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = where ? `line ${where.line + 1}: ` : '';
      return `${at}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }));
  }
  return errors;
}

/** Runs an example as a CommonJS module whose 'cdk8s-gateway' is src/. */
function run(example: DocExample): { synthesized?: string } {
  const js = ts.transpileModule(example.runnable, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: example.virtualFile,
  }).outputText;
  const moduleExports: { synthesized?: string } = {};
  const requireFromExample = (id: string): unknown => {
    if (!(id in MODULES)) throw new Error(`docs/${example.page} imports ${id}; examples may import only ${[...ALLOWED_IMPORTS].join(', ')}`);
    return MODULES[id];
  };
  new Function('require', 'module', 'exports', '__filename', '__dirname', js)(
    requireFromExample, { exports: moduleExports }, moduleExports, example.virtualFile, VIRTUAL_DIR,
  );
  return moduleExports;
}

test('every guide under docs/ opens with an example to run', () => {
  expect(pages.length).toBeGreaterThan(0);
  expect(examples.filter((e) => e.source === '').map((e) => e.page)).toEqual([]);
});

// One program for every page: checking src/ and its dependencies is the slow part, so it gets
// its own time limit rather than eating into the first test's.
let typeErrors = new Map<string, string[]>();
beforeAll(() => { typeErrors = typeCheck(examples); }, 120_000);

describe.each(examples.map((e) => [e.page, e] as const))('the opening example of docs/%s', (_page, example) => {
  test('imports only cdk8s-gateway, cdk8s and cdk8s-plus-28', () => {
    expect(importedModules(example.source).filter((m) => !ALLOWED_IMPORTS.has(m))).toEqual([]);
  });

  test('ends by synthesizing the app with app.synth()', () => {
    expect(example.source.trimEnd().split('\n').pop()).toBe('app.synth();');
  });

  test('compiles against the library', () => {
    expect(typeErrors.get(example.virtualFile)).toEqual([]);
  });

  test('synthesizes without error, synth-time validation included', () => {
    const { synthesized } = run(example);
    expect(synthesized).toMatch(/^kind: /m);
  });
});
