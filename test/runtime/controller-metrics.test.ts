/** The controller's own Prometheus series. */
import { renderControllerMetrics } from '../../src/runtime/metrics';

test('renders leadership, status writes and per-kind watch health in the text format', () => {
  const text = renderControllerMetrics(true, new Map([['written', 3], ['error', 1]]), [
    { kind: 'Gateway', up: true, errors: 0, objects: 2 },
    { kind: 'HTTPRoute', up: false, errors: 4, objects: 10 },
  ]);
  expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
    'gateway_controller_watch_up{kind="Gateway"} 1',
    'gateway_controller_watch_up{kind="HTTPRoute"} 0',
    'gateway_controller_watch_errors_total{kind="Gateway"} 0',
    'gateway_controller_watch_errors_total{kind="HTTPRoute"} 4',
    'gateway_controller_objects{kind="Gateway"} 2',
    'gateway_controller_objects{kind="HTTPRoute"} 10',
    'gateway_controller_leader 1',
    'gateway_status_writes_total{outcome="written"} 3',
    'gateway_status_writes_total{outcome="conflict"} 0',
    'gateway_status_writes_total{outcome="error"} 1',
    '',
  ]);
  // Each family once, with its HELP and TYPE before its samples.
  const types = text.split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
  expect(types).toEqual(['gateway_controller_watch_up', 'gateway_controller_watch_errors_total', 'gateway_controller_objects', 'gateway_controller_leader', 'gateway_status_writes_total']);
});

test('leaves out leadership without an election, and watch health without a Kubernetes source', () => {
  const text = renderControllerMetrics(undefined, new Map());
  expect(text).not.toMatch(/gateway_controller_leader|gateway_controller_watch_up/);
  expect(text).toMatch(/^gateway_status_writes_total\{outcome="written"\} 0$/m);
});
