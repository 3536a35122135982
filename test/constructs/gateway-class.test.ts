import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { chartIn, only, synthApp } from './util';
import { GatewayClass } from '../../src';

describe('GatewayClass', () => {
  test('synthesizes a cluster-scoped class without a namespace, even in a chart with one', () => {
    const chart = chartIn('infra');
    new GatewayClass(chart, 'Class', {
      metadata: { name: 'ours' },
      controllerName: 'example.com/gateway-controller',
      description: 'the lightweight proxy',
      parametersRef: { group: '', kind: 'ConfigMap', name: 'params', namespace: 'infra' },
    });
    const gc = only(synthApp(chart), 'GatewayClass');
    expect(gc).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'ours' },
      spec: {
        controllerName: 'example.com/gateway-controller',
        description: 'the lightweight proxy',
        parametersRef: { group: '', kind: 'ConfigMap', name: 'params', namespace: 'infra' },
      },
    });
  });

  test('reports no namespace for a class in a namespaced chart', () => {
    const gc = new GatewayClass(chartIn('infra'), 'Class', { controllerName: 'example.com/c' });
    expect(gc.namespace).toBeUndefined();
  });

  test('keeps the ApiObject as child "Resource" so JSON patches work', () => {
    const chart = chartIn();
    const gc = new GatewayClass(chart, 'Class', { controllerName: 'example.com/c' });
    ApiObject.of(gc).addJsonPatch(JsonPatch.add('/spec/description', 'patched'));
    expect(only(Testing.synth(chart), 'GatewayClass').spec.description).toBe('patched');
  });

  test('fails synth for an unknown field added with a JSON patch, as kubectl would', () => {
    const chart = chartIn();
    const gc = new GatewayClass(chart, 'Class', { metadata: { name: 'c' }, controllerName: 'example.com/c' });
    ApiObject.of(gc).addJsonPatch(JsonPatch.add('/spec/x-custom', 1));
    expect(() => Testing.synth(chart)).toThrow(/GatewayClass c spec.x-custom: unknown field "spec.x-custom"/);
  });

  test('rejects a description over 64 characters', () => {
    expect(() => new GatewayClass(chartIn(), 'Class', { controllerName: 'example.com/c', description: 'x'.repeat(65) }))
      .toThrow(/65 characters; the limit is 64/);
  });

  test('fails synth when the controller name is not domain/path', () => {
    const chart = chartIn();
    new GatewayClass(chart, 'Class', { metadata: { name: 'bad' }, controllerName: 'no-slash' });
    expect(() => synthApp(chart)).toThrow(/GatewayClass bad spec.controllerName/);
  });

  test('imports a class by name', () => {
    const gc = GatewayClass.fromGatewayClassName(chartIn('infra'), 'Imported', 'envoy');
    expect([gc.name, gc.kind, gc.namespace]).toStrictEqual(['envoy', 'GatewayClass', undefined]);
  });
});
