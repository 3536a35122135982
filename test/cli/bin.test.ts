/**
 * The installed command: bin/cdk8s-gateway runs the compiled CLI in lib/ (the projen test
 * task compiles first, so lib/ is fresh there).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'cdk8s-gateway');

function cli(...args: string[]) {
  if (!fs.existsSync(path.join(REPO, 'lib', 'cli', 'main.js'))) {
    throw new Error('lib/cli/main.js is missing: compile first (npx jsii --silence-warnings=reserved-word)');
  }
  const result = spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('is an executable node script', () => {
  expect(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(() => fs.accessSync(BIN, fs.constants.X_OK)).not.toThrow();
});

test('prints the version of the package', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  expect(cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

test('exits 0 on valid manifests', () => {
  expect(cli('validate', 'test/fixtures/cli/valid')).toEqual({ code: 0, stdout: '', stderr: '7 objects in 4 files: 0 violations\n' });
});

test('exits 1 with one line per violation on invalid manifests', () => {
  const result = cli('validate', 'test/fixtures/cli/valid', 'test/fixtures/cli/bad/syntax.yaml');
  expect(result).toEqual({
    code: 1,
    stdout: 'test/fixtures/cli/bad/syntax.yaml:14: invalid YAML: All mapping items must start at the same column\n',
    stderr: '9 objects in 5 files: 1 violations\n',
  });
});

test('fails with exit 2 on a path that does not exist', () => {
  expect(cli('validate', 'missing.yaml')).toMatchObject({ code: 2, stdout: '' });
});
