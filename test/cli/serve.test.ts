/**
 * The options of `serve` that are refused before anything is bound.
 */
import { Writable } from 'stream';
import { main } from '../../src/cli/main';

async function run(...argv: string[]) {
  let stderr = '';
  const sink = (write: (s: string) => void) => new Writable({ write: (chunk, _enc, done) => { write(String(chunk)); done(); } });
  const code = await main(['serve', ...argv], { stdout: sink(() => undefined), stderr: sink(s => stderr += s) });
  return { code, stderr };
}

test.each([
  ['--workers', '0', '--workers must be an integer from 1 to 256'],
  ['--header-timeout', '0', '--header-timeout must be an integer from 1 to 3600000'],
  ['--idle-timeout', '5s', '--idle-timeout must be an integer from 1 to 3600000'],
])('refuses %s %s with exit 2', async (flag, value, message) => {
  const { code, stderr } = await run('manifests.yaml', flag, value);
  expect(code).toBe(2);
  expect(stderr).toContain(message);
});

test('documents the timeouts and workers in its usage', async () => {
  let stdout = '';
  await main(['serve', '--help'], { stdout: new Writable({ write: (chunk, _enc, done) => { stdout += chunk; done(); } }) });
  expect(stdout).toMatch(/--header-timeout MS[^]*--idle-timeout MS[^]*--workers N/);
});
