import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { crossCheck } from '../../src/engine/crosscheck';
import { KubeObject, Violation } from '../../src/engine/types';
import { validateObject } from '../../src/engine/validate';

// The engine is replaced by one with fixed messages, so these tests pin the CLI's own
// behaviour (reading, exit codes, the exact line format) independently of the engine's wording.
// validate-engine.test.ts runs the same fixtures through the real engine.
jest.mock('../../src/engine/validate', () => ({ validateObject: jest.fn() }));
jest.mock('../../src/engine/crosscheck', () => ({ crossCheck: jest.fn() }));

const validateMock = validateObject as jest.MockedFunction<typeof validateObject>;
const crossCheckMock = crossCheck as jest.MockedFunction<typeof crossCheck>;

const REPO = path.resolve(__dirname, '..', '..');
const VALID = 'test/fixtures/cli/valid';
const BAD = 'test/fixtures/cli/bad';

function on(o: KubeObject, path_: string, message: string, more: Partial<Violation> = {}): Violation {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name!, path: path_, message, source: 'schema', ...more };
}

/** Fixed verdicts per object name, standing in for the schema, CEL and cross-object checks. */
const SCHEMA: Record<string, (o: KubeObject) => Violation[]> = {
  'weight-out-of-range': o => [on(o, 'spec.rules[0].backendRefs[0].weight', 'Invalid value: 1000001: must be less than or equal to 1000000')],
  'relative-path': o => [on(o, 'spec.rules[0].matches[0].path', "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']", { source: 'cel' })],
};

beforeEach(() => {
  validateMock.mockImplementation((o: KubeObject) => ({ object: o, violations: SCHEMA[o.metadata.name!]?.(o) ?? [], known: true }));
  crossCheckMock.mockImplementation((objects: KubeObject[]) => objects
    .filter(o => o.metadata.name === 'missing-backend')
    .map(o => on(o, 'spec.rules[0].backendRefs[0]', 'Service team-a/does-not-exist not found', {
      source: 'reference', reason: 'BackendNotFound', hint: 'create the Service or fix backendRefs[0].name',
    })));
});

async function run(args: string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd });
  return { code, stdout, stderr };
}

describe('validate', () => {
  test('exits 0 with only the summary when every object is valid', async () => {
    expect(await run(['validate', VALID])).toEqual({ code: 0, stdout: '', stderr: '7 objects in 4 files: 0 violations\n' });
  });

  test('checks objects without a namespace as in default', async () => {
    await run(['validate', `${VALID}/routes/list.yaml`]);
    expect(validateMock.mock.calls.map(([o]) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'HTTPRoute default/docs',
      'Service default/docs',
    ]);
  });

  test('reports a syntax error with file and line, and still checks the other documents', async () => {
    const result = await run(['validate', `${BAD}/syntax.yaml`, `${BAD}/syntax.json`]);
    expect(result).toEqual({
      code: 1,
      stdout: [
        `${BAD}/syntax.yaml:14: invalid YAML: All mapping items must start at the same column`,
        `${BAD}/syntax.json:4: invalid JSON: expected a property name but found '}'`,
        '',
      ].join('\n'),
      stderr: '2 objects in 2 files: 2 violations\n',
    });
    expect(validateMock.mock.calls.map(([o]) => o.metadata.name)).toEqual(['before-the-error', 'after-the-error']);
  });

  test('reports documents without kind or name, or that are no object, with their lines', async () => {
    const result = await run(['validate', `${BAD}/missing.yaml`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe([
      `${BAD}/missing.yaml:1: object is missing kind (every object needs apiVersion, kind and metadata.name)`,
      `${BAD}/missing.yaml:5: HTTPRoute is missing metadata.name (every object needs apiVersion, kind and metadata.name)`,
      `${BAD}/missing.yaml:11: not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.name`,
      '',
    ].join('\n'));
    expect(result.stderr).toBe('0 objects in 1 files: 3 violations\n');
  });

  test('reports a schema violation as file, Kind namespace/name, field path and message', async () => {
    const result = await run(['validate', VALID, `${BAD}/schema.yaml`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${BAD}/schema.yaml: HTTPRoute team-a/weight-out-of-range: spec.rules[0].backendRefs[0].weight: Invalid value: 1000001: must be less than or equal to 1000000\n`);
  });

  test('reports a CEL violation with the rule’s message', async () => {
    const result = await run(['validate', VALID, `${BAD}/cel.yaml`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${BAD}/cel.yaml: HTTPRoute team-a/relative-path: spec.rules[0].matches[0].path: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']\n`,
    );
  });

  test('reports a cross-object violation followed by its fix', async () => {
    const result = await run(['validate', VALID, `${BAD}/cross.yaml`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${BAD}/cross.yaml: HTTPRoute team-a/missing-backend: spec.rules[0].backendRefs[0]: Service team-a/does-not-exist not found (fix: create the Service or fix backendRefs[0].name)\n`,
    );
    expect(result.stderr).toBe('8 objects in 5 files: 1 violations\n');
  });

  test('names cluster-scoped objects without a namespace and leaves out an empty path', async () => {
    validateMock.mockImplementation((o: KubeObject) => ({
      object: o,
      violations: o.kind === 'GatewayClass' ? [on(o, '', 'first line\n  second line')] : [],
      known: true,
    }));
    const result = await run(['validate', `${VALID}/00-platform.yaml`]);
    expect(result.stdout).toBe(`${VALID}/00-platform.yaml: GatewayClass example: first line second line\n`);
  });

  test('reports a violation about an object in no file last, without a file', async () => {
    crossCheckMock.mockReturnValue([{ kind: 'Gateway', namespace: 'infra', name: 'shared', path: '', message: 'is not programmed', source: 'reference' }]);
    const result = await run(['validate', `${VALID}/gateway.json`, `${BAD}/syntax.json`]);
    expect(result.stdout).toBe([
      `${BAD}/syntax.json:4: invalid JSON: expected a property name but found '}'`,
      'Gateway infra/shared: is not programmed',
      '',
    ].join('\n'));
  });

  test('prints the findings of all files in file order, then line order', async () => {
    const result = await run(['validate', VALID, BAD]);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').map(line => line.split(':').slice(0, 2).join(':'))).toEqual([
      `${BAD}/cel.yaml: HTTPRoute team-a/relative-path`,
      `${BAD}/cross.yaml: HTTPRoute team-a/missing-backend`,
      `${BAD}/missing.yaml:1`,
      `${BAD}/missing.yaml:5`,
      `${BAD}/missing.yaml:11`,
      `${BAD}/schema.yaml: HTTPRoute team-a/weight-out-of-range`,
      `${BAD}/syntax.json:4`,
      `${BAD}/syntax.yaml:14`,
      '',
    ]);
    expect(result.stderr).toBe('12 objects in 10 files: 8 violations\n');
  });

  test('prints a JSON array of the violations with -o json', async () => {
    const result = await run(['validate', VALID, `${BAD}/cross.yaml`, `${BAD}/syntax.json`, '-o', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        file: `${BAD}/cross.yaml`,
        line: 1,
        kind: 'HTTPRoute',
        namespace: 'team-a',
        name: 'missing-backend',
        path: 'spec.rules[0].backendRefs[0]',
        message: 'Service team-a/does-not-exist not found',
        source: 'reference',
        reason: 'BackendNotFound',
        hint: 'create the Service or fix backendRefs[0].name',
      },
      { file: `${BAD}/syntax.json`, line: 4, message: "invalid JSON: expected a property name but found '}'", source: 'input' },
    ]);
  });

  test('prints an empty JSON array when everything is valid', async () => {
    const result = await run(['validate', '--output=json', VALID]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  test('passes the channel to the validator and the controller name to the cross-object check', async () => {
    await run(['validate', `${VALID}/gateway.json`, '--channel', 'experimental', '--controller-name', 'example.com/gateway-controller']);
    expect(validateMock.mock.calls[0][1]).toEqual({ channel: 'experimental' });
    expect(crossCheckMock.mock.calls[0][1]).toEqual({ controllerName: 'example.com/gateway-controller' });
  });

  test('validates against the standard channel by default', async () => {
    await run(['validate', `${VALID}/gateway.json`]);
    expect(validateMock.mock.calls[0][1]).toEqual({ channel: 'standard' });
  });

  test('shows absolute paths inside the working directory relative to it', async () => {
    const result = await run(['validate', path.join(REPO, BAD, 'schema.yaml')]);
    expect(result.stdout.startsWith(`${BAD}/schema.yaml: HTTPRoute`)).toBe(true);
  });

  test('fails with exit 2 and the reason on a path that cannot be read', async () => {
    expect(await run(['validate', VALID, 'no/such/file.yaml'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cdk8s-gateway validate: cannot read no/such/file.yaml: no such file or directory\n',
    });
  });

  test.each([
    [['validate'], 'validate needs at least one file or folder'],
    [['validate', VALID, '--channel', 'beta'], "--channel must be one of standard, experimental (got 'beta')"],
    [['validate', VALID, '-o', 'yaml'], "--output must be one of text, json (got 'yaml')"],
    [['validate', VALID, '--strict'], "unknown option '--strict'"],
  ])('fails with exit 2 on the usage error in %j', async (args, message) => {
    expect(await run(args)).toEqual({
      code: 2,
      stdout: '',
      stderr: `cdk8s-gateway validate: ${message}\nRun 'cdk8s-gateway validate --help' for usage.\n`,
    });
  });

  test('prints its usage with --help and exits 0', async () => {
    const result = await run(['validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk8s-gateway validate <file\|dir>\.\.\. \[options\]/);
  });

  test('fails with exit 2 on an internal error instead of reporting the manifests invalid', async () => {
    crossCheckMock.mockImplementation(() => {
      throw new Error('engine bug');
    });
    const result = await run(['validate', VALID]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cdk8s-gateway validate: internal error: Error: engine bug/);
  });
});

describe('the command line', () => {
  test('prints the usage with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cdk8s-gateway <command>/);
    expect(result.stdout).toContain('validate <file|dir>...');
  });

  test('prints the version from package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('fails with exit 2 and the usage when no command is given', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: cdk8s-gateway <command>/);
  });

  test.each([
    [['deploy'], "unknown command 'deploy'"],
    [['--verbose'], "unknown option '--verbose'"],
  ])('fails with exit 2 on %j', async (args, message) => {
    expect(await run(args)).toEqual({ code: 2, stdout: '', stderr: `cdk8s-gateway: ${message}\nRun 'cdk8s-gateway --help' for usage.\n` });
  });

  test('fails with exit 2 when controller is asked to do nothing', async () => {
    const result = await run(['controller', '--no-serve', '--no-status']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cdk8s-gateway controller: /);
  });
});
