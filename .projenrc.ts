import { cdk8s, javascript, DependencyType } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  author: 'cdk8s-gateway maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-55467b86.example',
  description: 'Typed cdk8s constructs for the Kubernetes Gateway API, validated at synth time, with inferred ReferenceGrants, and a lightweight controller/proxy.',
  keywords: ['cdk8s', 'kubernetes', 'gateway-api', 'httproute', 'referencegrant'],
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  name: 'cdk8s-gateway',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/maintainers/main.git',
  defaultReleaseBranch: 'main',
  github: false,
  release: false,
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  // Runtime-only libraries used by the engine and the CLI; jsii requires them bundled,
  // and none of them appears in the public API.
  bundledDeps: ['yaml@^2.9.1', '@bufbuild/cel@0.6.1', '@bufbuild/re2@0.6.1', '@bufbuild/protobuf@^2.17.0', 'undici@7.30.2', '@kubernetes/client-node@1.4.0'],
  jestOptions: {
    // Never rewrite snapshots in a test run: a changed synth output must fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      coveragePathIgnorePatterns: ['/node_modules/', '/src/imports/', '/src/engine/schema/generated/', '/src/crds/'],
      testTimeout: 30_000,
    },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../bench/**/*.ts', '../scripts/**/*.ts'],
    compilerOptions: {},
  },
  gitignore: ['/dist/', '/.bench/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/bench/', '/scripts/', '/docs/', '/.ci/', '/Dockerfile', '/.dockerignore'] },
});

// The project's toolchain pins (see the feasibility notes in the repo history):
// typescript 6 matches jsii 6; @types/node follows the Node 20 runtime.
project.deps.addDependency('typescript@~6.0', DependencyType.BUILD);
project.deps.addDependency('@types/node@^20', DependencyType.BUILD);
// The registry lacks non-Linux bindings of unrs-resolver 1.13, which breaks `npm ci`.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });
project.package.addField('bin', { 'cdk8s-gateway': 'bin/cdk8s-gateway' });
project.eslint?.addIgnorePattern('src/imports/');
project.eslint?.addIgnorePattern('src/engine/schema/generated/');

// CLI tests run the compiled binary, so tests always see a fresh build.
project.testTask.prependSpawn(project.compileTask);

// Generated code: regenerate offline from the v1.6.1 CRDs beside the repo; output is committed.
project.addTask('gen:imports', {
  description: 'Regenerate the L1 types in src/imports from the Gateway API CRDs (standard channel)',
  exec: 'ts-node --project test/tsconfig.json scripts/gen-imports.ts',
});
project.addTask('gen:schemas', {
  description: 'Regenerate the validation schemas in src/engine/schema/generated from the Gateway API CRDs',
  exec: 'ts-node --project test/tsconfig.json scripts/gen-schemas.ts',
});
project.addTask('gen:crds', {
  description: 'Regenerate the Gateway API install manifests in src/crds from the Gateway API CRDs',
  exec: 'ts-node --project test/tsconfig.json scripts/gen-crds.ts',
});

// The main job: synthesize and validate every example into dist/.
const examples = project.addTask('examples', {
  description: 'Synthesize every example app into dist/ and validate the output',
});
examples.spawn(project.compileTask);
examples.exec('ts-node --project test/tsconfig.json scripts/synth-examples.ts');

/** A benchmark task: compile first (benchmarks load lib/ or bin/), then run the script with the task's arguments. */
function benchTask(name: string, description: string, script: string, nodeFlags = ''): void {
  const task = project.addTask(`bench:${name}`, { description });
  task.spawn(project.compileTask);
  task.exec(`node ${nodeFlags ? `${nodeFlags} ` : ''}-r ts-node/register/transpile-only ${script}`, { receiveArgs: true });
}
benchTask('synth', 'Benchmark: synthesize and validate 1,000 HttpRoutes across 100 namespaces', 'bench/synth/run.ts', '--expose-gc');
benchTask('route-table', 'Benchmark: compile 10,000 HTTPRoutes and look up 100,000 requests', 'bench/route-table/run.ts', '--expose-gc');
benchTask('propagation', 'Benchmark: one HTTPRoute changed among 10,000 until serve serves it', 'bench/propagation/run.ts');
benchTask('proxy', 'Benchmark: cdk8s-gateway serve vs nginx as reverse proxies (needs nginx and wrk)', 'bench/proxy/run.ts');
benchTask('controller', 'Benchmark: route change propagation and leader failover of two controller replicas on the test API server', 'bench/controller/run.ts');

project.synth();
