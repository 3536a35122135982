import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

const REPO = path.resolve(__dirname, '..', '..');
const ROUTING = 'test/fixtures/routing/manifests';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd: REPO });
  return { code, stdout, stderr };
}

const WEB = '  listener web: its wildcard *.example.com is the most specific one covering a.example.com';

describe('explain', () => {
  test('names the listener, the candidates in order and the weighted backends, an invalid one answered 500', async () => {
    expect(await run(['explain', ROUTING, '--url', 'http://a.example.com/api/x', '--header', 'Version: 2'])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'GET http://a.example.com/api/x (host a.example.com, path /api/x, listener port 80)',
        '',
        'Gateway infra/edge, port 80 (HTTP)',
        WEB,
        '  candidates, in order of precedence:',
        '    infra/api rule 0 match 0 [PathPrefix /api, hostname *.example.com]: matched',
        '  route infra/api, rule 0, match 0',
        '  response: forwarded to',
        '    Service infra/api:8080 weight 3 (75%)',
        '    Service infra/gone:8080 weight 1 (25%): answered 500, BackendNotFound: Service infra/gone not found',
        '',
      ].join('\n'),
    });
  });

  test('answers 404 and says which condition each candidate failed on', async () => {
    expect((await run(['explain', ROUTING, '--url', 'http://a.example.com/api', '--method', 'post', '--header', 'version: 1'])).stdout).toBe([
      'POST http://a.example.com/api (host a.example.com, path /api, listener port 80)',
      '',
      'Gateway infra/edge, port 80 (HTTP)',
      WEB,
      '  candidates, in order of precedence:',
      '    infra/api rule 0 match 0 [PathPrefix /api, hostname *.example.com]: header version is "1", wanted "2"',
      '  response: 404 (no candidate rule matches)',
      '',
    ].join('\n'));
  });

  test('answers 404 from the exact listener, which isolates the host from the wildcard listener routes', async () => {
    expect((await run(['explain', ROUTING, '--url', 'http://docs.example.com/api', '--header', 'version: 2'])).stdout).toBe([
      'GET http://docs.example.com/api (host docs.example.com, path /api, listener port 80)',
      '',
      'Gateway infra/edge, port 80 (HTTP)',
      '  listener docs: its hostname is docs.example.com',
      '  response: 404 (no route of listener docs has a rule whose hostname and path select the request)',
      '',
    ].join('\n'));
  });

  test('answers 404 when no listener serves the host', async () => {
    expect((await run(['explain', ROUTING, '--url', 'http://other.org/'])).stdout).toBe([
      'GET http://other.org/ (host other.org, path /, listener port 80)',
      '',
      'Gateway infra/edge, port 80 (HTTP)',
      '  listener: none',
      '  response: 404 (no listener on this port serves host other.org)',
      '',
    ].join('\n'));
  });

  test('computes a redirect Location with the declared listener port behind a listen offset, as JSON', async () => {
    const result = await run(['explain', ROUTING, '--url', 'http://a.example.com:8080/old/x?q=1', '--listen-offset', '8000', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      request: { method: 'GET', url: 'http://a.example.com:8080/old/x?q=1', host: 'a.example.com', path: '/old/x', port: 80 },
      gateways: [{
        gateway: 'infra/edge',
        port: 80,
        protocol: 'HTTP',
        listener: { name: 'web', hostname: '*.example.com', why: 'its wildcard *.example.com is the most specific one covering a.example.com' },
        candidates: [{ route: 'infra/api', rule: 1, match: 0, path: 'PathPrefix /old', hostname: '*.example.com', result: 'matched' }],
        route: 'infra/api',
        rule: 1,
        match: 0,
        response: { action: 'redirect', status: 302, location: 'https://a.example.com/new/x?q=1' },
      }],
    });
  });

  test('takes the host from a Host header', async () => {
    const result = JSON.parse((await run(['explain', ROUTING, '--url', 'http://127.0.0.1/old', '--header', 'Host: B.example.com:80', '-o', 'json'])).stdout);
    expect([result.request.host, result.gateways[0].response.location]).toEqual(['b.example.com', 'https://b.example.com/new']);
  });

  test('says the connection is refused when no Gateway listens on the port', async () => {
    expect((await run(['explain', ROUTING, '--url', 'http://a.example.com:81/'])).stdout).toBe(
      'GET http://a.example.com:81/ (host a.example.com, path /, listener port 81)\n'
      + 'no Gateway listens on port 81 with HTTP or HTTPS: the connection is refused\n');
  });

  test('says why a listener declared on the port does not serve', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-explain-'));
    try {
      fs.writeFileSync(path.join(dir, 'gw.yaml'), [
        'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: gc }\nspec: { controllerName: example.com/c }',
        'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: infra }\nspec:\n  gatewayClassName: gc\n'
          + '  listeners: [{ name: https, port: 443, protocol: HTTPS, tls: { certificateRefs: [{ name: missing-tls }] } }]',
      ].join('\n---\n'));
      expect((await run(['explain', dir, '--controller-name', 'example.com/c', '--url', 'https://a.example.com/'])).stdout).toBe(
        'GET https://a.example.com/ (host a.example.com, path /, listener port 443)\n'
        + 'no Gateway listens on port 443 with HTTP or HTTPS: the connection is refused\n'
        + '  listener https of Gateway infra/gw (port 443) does not serve: ResolvedRefs False InvalidCertificateRef: Secret infra/missing-tls not found\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('limits the explanation to the Gateways named', async () => {
    expect(JSON.parse((await run(['explain', ROUTING, '--url', 'http://a.example.com/', '--gateway', 'infra/other', '-o', 'json'])).stdout).gateways).toEqual([]);
  });

  test.each([
    [['--url', 'http://a.example.com/', '--header', 'no-colon'], "--header must be 'NAME: VALUE' (got 'no-colon')"],
    [['--url', 'example.com/'], "--url must be an absolute URL (got 'example.com/')"],
    [['--url', 'ftp://example.com/'], "--url must use http or https (got 'ftp://example.com/')"],
    [['--url', 'http://a/', '--listen-offset', 'x'], "--listen-offset must be an integer (got 'x')"],
    [[], 'explain needs --url'],
  ])('rejects %j', async (args, message) => {
    expect(await run(['explain', ROUTING, ...args])).toEqual({
      code: 2, stdout: '', stderr: `cdk8s-gateway explain: ${message}\nRun 'cdk8s-gateway explain --help' for usage.\n`,
    });
  });

  test('prints its usage', async () => {
    expect((await run(['explain', '--help'])).stdout).toMatch(/^Usage: cdk8s-gateway explain <file\|dir>\.\.\. --url URL \[options\]/);
  });
});
