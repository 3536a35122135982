/** Objects the API server would refuse never exist in a cluster, so serve does not serve them. */
import { backend, destroyAgent, Echo, get, httpRoute, manifests, serve, Served, startEcho } from './support';

let echo: Echo;
let served: Served;

beforeAll(async () => {
  echo = await startEcho('svc-a');
  const bad = httpRoute([{ matches: [{ path: { type: 'PathPrefix', value: 'no-slash' } }], backendRefs: [backend('svc-a')] }], { hostnames: ['bad.example'], name: 'bad' });
  served = await serve(manifests({
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    services: [{ name: 'svc-a', endpoints: [echo.port] }],
    routes: [httpRoute([{ backendRefs: [backend('svc-a')] }], { hostnames: ['good.example'], name: 'good' }), bad],
  }));
});

afterAll(async () => {
  await served.close();
  await echo.close();
  destroyAgent();
});

test('serves the valid route beside one the API server would refuse, and answers 404 for the refused one', async () => {
  expect((await get(served.port(80), '/', { host: 'good.example' })).status).toBe(200);
  expect((await get(served.port(80), '/no-slash', { host: 'bad.example' })).status).toBe(404);
});

test('logs why the refused route is not served', () => {
  expect(served.logs.join('\n')).toMatch(/HTTPRoute default\/bad is not served, the API server would refuse it: spec.rules\[0\].matches\[0\].path: value must be an absolute path/);
});
