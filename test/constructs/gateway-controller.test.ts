import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { chartIn, ofKind, only, synthApp } from './util';
import {
  CertificateRef, Gateway, GatewayClass, GatewayController, Listener, LoadBalancerCloud, ProxySecretAccess, ProxyServiceType,
} from '../../src';
import { checkObjects } from '../../src/engine/check';
import { DEFAULT_CONTROLLER_NAME, proxyServiceName } from '../../src/engine/constants';
import { RESOURCES } from '../../src/runtime/source/kubernetes';
import { proxyAddresses } from '../../src/runtime/status-writer';

const VERSION = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

/** A controller in its own chart and one Gateway (HTTP 80, HTTPS 443) in namespace `edge`, served. */
function deployed(options: { replicas?: number; proxyReplicas?: number } = {}) {
  const platform = chartIn();
  const controller = new GatewayController(platform, 'Controller', { replicas: options.replicas });
  const edge = new Chart(platform.node.root, 'edge', { namespace: 'edge' });
  const gateway = new Gateway(edge, 'Gateway', {
    metadata: { name: 'public' },
    gatewayClass: controller.gatewayClass,
    listeners: [Listener.http(), Listener.https({ certificates: [CertificateRef.fromSecretName('public-tls')] })],
  });
  controller.serve(gateway, { replicas: options.proxyReplicas });
  return { controller, gateway, objects: synthApp(platform) };
}

function byComponent(objects: any[], kind: string, component: string): any {
  const found = ofKind(objects, kind).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component);
  if (found.length !== 1) throw new Error(`expected one ${component} ${kind}, found ${found.length}`);
  return found[0];
}

function container(deployment: any): any {
  return deployment.spec.template.spec.containers[0];
}

describe('GatewayController', () => {
  test('synthesizes the status controller and one proxy as in the snapshot', () => {
    expect(deployed().objects).toMatchSnapshot();
  });

  test('creates its namespace and a GatewayClass naming the default controller', () => {
    const { objects } = deployed();
    expect(only(objects, 'Namespace').metadata.name).toBe('cdk8s-gateway-system');
    const gc = only(objects, 'GatewayClass');
    expect(gc.metadata).toStrictEqual({ name: 'cdk8s-gateway' });
    expect(gc.spec.controllerName).toBe(DEFAULT_CONTROLLER_NAME);
  });

  test('runs the status controller without a data plane, and the proxy for its Gateway only', () => {
    const { objects } = deployed();
    expect(container(byComponent(objects, 'Deployment', 'status-controller')).args).toStrictEqual([
      'controller', '--no-serve', '--controller-name', DEFAULT_CONTROLLER_NAME, '--admin-port', '9901',
    ]);
    expect(container(byComponent(objects, 'Deployment', 'proxy')).args).toStrictEqual([
      'controller', '--no-status', '--gateway', 'edge/public', '--controller-name', DEFAULT_CONTROLLER_NAME,
      '--listen-offset', '8000', '--admin-port', '9901',
    ]);
  });

  test('tags the default image with the library version', () => {
    const { controller, objects } = deployed();
    expect(controller.image).toBe(`ghcr.io/maintainers/cdk8s-gateway:${VERSION}`);
    for (const d of ofKind(objects, 'Deployment')) expect(container(d).image).toBe(controller.image);
  });

  test('uses the image and tag it is given', () => {
    const controller = new GatewayController(chartIn(), 'Controller', { image: 'registry.example/gw', imageTag: '1.2.3' });
    expect(controller.image).toBe('registry.example/gw:1.2.3');
  });

  test('runs every container non-root, read-only, without privilege escalation or capabilities', () => {
    for (const d of ofKind(deployed().objects, 'Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
      expect(container(d).securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container(d).securityContext.capabilities.add).toBeUndefined();
      expect(pod.automountServiceAccountToken).toBe(true);
    }
  });

  test('probes /readyz and /healthz on the admin port', () => {
    for (const d of ofKind(deployed().objects, 'Deployment')) {
      expect(container(d).readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 9901 });
      expect(container(d).livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 9901 });
    }
  });

  test('binds each listener port plus the offset and maps it back in a LoadBalancer Service', () => {
    const { objects } = deployed();
    const proxy = byComponent(objects, 'Deployment', 'proxy');
    expect(proxy.metadata).toMatchObject({ name: 'public-proxy', namespace: 'edge' });
    expect(container(proxy).ports.map((p: any) => p.containerPort)).toStrictEqual([9901, 8080, 8443]);
    const service = byComponent(objects, 'Service', 'proxy');
    expect(service.metadata).toMatchObject({ name: 'public-proxy', namespace: 'edge' });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toStrictEqual([
      { name: 'http-80', port: 80, targetPort: 8080 },
      { name: 'https-443', port: 443, targetPort: 8443 },
    ]);
    expect(service.spec.selector).toStrictEqual(proxy.spec.selector.matchLabels);
  });

  test('asks for an internal load balancer and keeps the Gateway infrastructure annotations', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
    gateway.addInfrastructureAnnotation('example.com/team', 'edge');
    controller.serve(gateway, {
      internalLoadBalancer: LoadBalancerCloud.GCP,
      serviceType: ProxyServiceType.LOAD_BALANCER,
      serviceAnnotations: { 'example.com/cost-center': '42' },
    });
    const service = byComponent(synthApp(chart), 'Service', 'proxy');
    expect(service.metadata.annotations).toStrictEqual({
      'example.com/team': 'edge',
      'example.com/cost-center': '42',
      'networking.gke.io/load-balancer-type': 'Internal',
    });
  });

  test('gives each Deployment with replicas to spare a PodDisruptionBudget of minAvailable 1 selecting its pods', () => {
    const { objects } = deployed();
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    expect(budgets).toHaveLength(2);
    for (const d of ofKind(objects, 'Deployment')) {
      const labels = d.spec.template.metadata.labels;
      const mine = budgets.filter((b) => b.metadata.namespace === d.metadata.namespace
        && Object.entries(b.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(mine).toHaveLength(1);
      expect(mine[0].spec.minAvailable).toBe(1);
    }
  });

  test('makes no PodDisruptionBudget for a single replica', () => {
    expect(ofKind(deployed({ replicas: 1, proxyReplicas: 1 }).objects, 'PodDisruptionBudget')).toEqual([]);
  });

  describe('RBAC', () => {
    const rules = (objects: any[], kind: string, component: string): any[] => byComponent(objects, kind, component).rules;

    test('grants no wildcard verbs, resources or groups, and never writes Secrets', () => {
      const { objects } = deployed();
      for (const role of [...ofKind(objects, 'ClusterRole'), ...ofKind(objects, 'Role')]) {
        for (const rule of role.rules) {
          expect(rule.verbs).not.toContain('*');
          expect(rule.resources).not.toContain('*');
          expect(rule.apiGroups).not.toContain('*');
          if (rule.resources.includes('secrets')) expect(rule.verbs).toStrictEqual(['get', 'list', 'watch']);
        }
      }
    });

    test('lets the status controller write only the status of Gateway API objects, and the finalizer of its own GatewayClass', () => {
      const all = rules(deployed().objects, 'ClusterRole', 'status-controller').filter((r) => r.verbs.some((v: string) => !['get', 'list', 'watch'].includes(v)));
      const finalizer = all.filter((r) => r.resourceNames?.length > 0);
      expect(finalizer).toStrictEqual([{ apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses'], resourceNames: ['cdk8s-gateway'], verbs: ['patch'] }]);
      const writes = all.filter((r) => !(r.resourceNames?.length > 0));
      expect(writes.length).toBeGreaterThan(0);
      for (const r of writes) {
        expect(r.apiGroups).toStrictEqual(['gateway.networking.k8s.io']);
        expect(r.verbs).toStrictEqual(['update', 'patch']);
        for (const res of r.resources) expect(res).toMatch(/^[a-z]+\/status$/);
      }
      expect(writes.flatMap((r) => r.resources)).toEqual(expect.arrayContaining(['gateways/status', 'httproutes/status', 'gatewayclasses/status']));
    });

    test('lets the status controller hold a Lease in its own namespace only', () => {
      const { objects } = deployed();
      const role = byComponent(objects, 'Role', 'status-controller');
      expect(role.metadata.namespace).toBe('cdk8s-gateway-system');
      expect(role.rules).toStrictEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
      const bindings = ofKind(objects, 'RoleBinding').filter((b) => b.roleRef.name === role.metadata.name);
      expect(bindings).toHaveLength(1);
      const binding = bindings[0];
      expect(binding.subjects).toStrictEqual([expect.objectContaining({
        kind: 'ServiceAccount', name: byComponent(objects, 'ServiceAccount', 'status-controller').metadata.name, namespace: 'cdk8s-gateway-system',
      })]);
    });

    test('lets each process read exactly what the Kubernetes source watches, CRDs included; Secrets cluster-wide for status only', () => {
      const watched = [...RESOURCES.map((r) => `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.plural}`), '/configmaps'];
      for (const [component, expected] of [['status-controller', [...watched, '/secrets']], ['proxy', watched]] as const) {
        const reads = rules(deployed().objects, 'ClusterRole', component)
          .filter((r) => r.verbs.join() === 'get,list,watch')
          .flatMap((r) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}`)));
        expect(reads.sort()).toStrictEqual([...expected].sort());
      }
    });

    test('lets a proxy read the Secrets its Gateway references by name, in their namespaces, and no other', () => {
      const chart = chartIn('edge');
      const controller = new GatewayController(chart, 'Controller');
      const gateway = new Gateway(chart, 'Gateway', {
        metadata: { name: 'public' },
        gatewayClass: controller.gatewayClass,
        listeners: [
          Listener.https({ name: 'a', port: 443, hostname: 'a.example.com', certificates: [CertificateRef.fromSecretName('a-tls'), CertificateRef.fromSecretName('shared-tls', 'certs')] }),
          Listener.https({ name: 'b', port: 443, hostname: 'b.example.com', certificates: [CertificateRef.fromSecretName('b-tls')] }),
        ],
      });
      const { serviceAccount } = controller.serve(gateway);
      const objects = synthApp(chart);
      const roles = ofKind(objects, 'Role').filter((r) => r.metadata.labels?.['app.kubernetes.io/component'] === 'proxy');
      expect(roles.map((r) => [r.metadata.namespace, r.rules])).toStrictEqual([
        ['certs', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['shared-tls'], verbs: ['get', 'list', 'watch'] }]],
        ['edge', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a-tls'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['b-tls'], verbs: ['get', 'list', 'watch'] }]],
      ]);
      for (const role of roles) {
        const binding = ofKind(objects, 'RoleBinding').find((b) => b.roleRef.name === role.metadata.name)!;
        expect(binding.metadata.namespace).toBe(role.metadata.namespace);
        expect(binding.subjects).toStrictEqual([expect.objectContaining({ kind: 'ServiceAccount', name: serviceAccount.name, namespace: 'edge' })]);
      }
    });

    test('lets a proxy read every Secret only when asked to', () => {
      const chart = chartIn('edge');
      const controller = new GatewayController(chart, 'Controller');
      const gateway = new Gateway(chart, 'Gateway', { metadata: { name: 'public' }, gatewayClass: controller.gatewayClass, listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('a-tls')] })] });
      const { serviceAccount } = controller.serve(gateway, { secretAccess: ProxySecretAccess.CLUSTER });
      const objects = synthApp(chart);
      expect(ofKind(objects, 'Role').filter((r) => r.metadata.labels?.['app.kubernetes.io/component'] === 'proxy')).toEqual([]);
      const secretsRole = ofKind(objects, 'ClusterRole').find((r) => r.rules.some((x: any) => x.resources.includes('secrets')) && r.metadata.labels['app.kubernetes.io/component'] === 'proxy')!;
      expect(secretsRole.rules.map((r: any) => ({ ...r, resourceNames: r.resourceNames ?? [] })))
        .toStrictEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: [], verbs: ['get', 'list', 'watch'] }]);
      const binding = ofKind(objects, 'ClusterRoleBinding').find((b) => b.roleRef.name === secretsRole.metadata.name)!;
      expect(binding.subjects).toStrictEqual([expect.objectContaining({ kind: 'ServiceAccount', name: serviceAccount.name, namespace: 'edge' })]);
    });

    test('fails synth when the Gateway references another Secret after serve()', () => {
      const chart = chartIn('edge');
      const controller = new GatewayController(chart, 'Controller');
      const gateway = new Gateway(chart, 'Gateway', { metadata: { name: 'public' }, gatewayClass: controller.gatewayClass, listeners: [Listener.https({ certificates: [CertificateRef.fromSecretName('a-tls')] })] });
      controller.serve(gateway);
      gateway.addListener(Listener.https({ name: 'other', hostname: 'other.example.com', certificates: [CertificateRef.fromSecretName('other-tls')] }));
      expect(() => synthApp(chart)).toThrow(/the Secrets gateway edge\/public references changed after serve\(\) \(now Secret\/edge\/a-tls, Secret\/edge\/other-tls, its proxy may read Secret\/edge\/a-tls\)/);
    });

    test('gives the proxy read-only access, bound to its own ServiceAccount', () => {
      const { objects } = deployed();
      for (const r of rules(objects, 'ClusterRole', 'proxy')) expect(r.verbs).toStrictEqual(['get', 'list', 'watch']);
      const sa = byComponent(objects, 'ServiceAccount', 'proxy');
      expect(byComponent(objects, 'Deployment', 'proxy').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
      const binding = byComponent(objects, 'ClusterRoleBinding', 'proxy');
      expect(binding.roleRef.name).toBe(byComponent(objects, 'ClusterRole', 'proxy').metadata.name);
      expect(binding.subjects).toStrictEqual([expect.objectContaining({ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'edge' })]);
    });
  });

  test('puts no namespace on cluster-scoped objects, even in a chart with one', () => {
    const chart = chartIn('platform');
    new GatewayController(chart, 'Controller');
    for (const o of synthApp(chart)) {
      if (['Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace).toBe('cdk8s-gateway-system');
    }
  });

  test('synthesizes objects that pass the project validation as this controller', () => {
    const { objects } = deployed();
    expect(checkObjects(objects, { controllerName: DEFAULT_CONTROLLER_NAME }).violations).toEqual([]);
  });

  test('rejects a Gateway of another class', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const other = new GatewayClass(chart, 'Other', { metadata: { name: 'other' }, controllerName: 'example.com/other' });
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: other, listeners: [Listener.http()] });
    expect(() => controller.serve(gateway)).toThrow(/is of class other, not cdk8s-gateway/);
  });

  test('rejects a Gateway without a namespace', () => {
    const chart = chartIn();
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
    expect(() => controller.serve(gateway)).toThrow(/has no namespace/);
  });

  test('rejects a listener port the offset pushes out of range', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: controller.gatewayClass, listeners: [Listener.http({ port: 60000 })] });
    expect(() => controller.serve(gateway)).toThrow(/port 60000.*68000/);
  });

  test('fails synth when a listener is added after serve()', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
    controller.serve(gateway);
    gateway.addListener(Listener.http({ name: 'alt', port: 8081 }));
    expect(() => Testing.synth(chart)).toThrow(/call serve\(\) after the last addListener\(\)/);
  });

  test('fails synth when the Gateway infrastructure annotations change after serve()', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
    controller.serve(gateway);
    gateway.useInternalLoadBalancer(LoadBalancerCloud.AZURE);
    expect(() => Testing.synth(chart)).toThrow(/changed after serve\(\)/);
  });

  test('puts the Gateway infrastructure labels on the proxy Service', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', {
      gatewayClass: controller.gatewayClass, listeners: [Listener.http()], infrastructure: { labels: { team: 'edge' } },
    });
    controller.serve(gateway);
    expect(byComponent(synthApp(chart), 'Service', 'proxy').metadata.labels).toMatchObject({ team: 'edge' });
  });

  test('names the proxy a valid Service name when the Gateway name is not one', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', {
      metadata: { name: `1.${'a'.repeat(70)}` }, gatewayClass: controller.gatewayClass, listeners: [Listener.http()],
    });
    const { service } = controller.serve(gateway);
    expect(service.name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(service.name.length).toBeLessThanOrEqual(63);
    const label = byComponent(synthApp(chart), 'Service', 'proxy').metadata.labels['gateway.networking.k8s.io/gateway-name'];
    expect(label).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    expect(label.length).toBeLessThanOrEqual(63);
    // The controller finds the Service, and takes its addresses, by the same names.
    const synthesized = byComponent(synthApp(chart), 'Service', 'proxy');
    expect(proxyAddresses({ ...synthesized, spec: { ...synthesized.spec, type: 'ClusterIP', clusterIP: '10.0.0.1' } }, gateway.name))
      .toEqual([{ type: 'IPAddress', value: '10.0.0.1' }]);
    expect(proxyServiceName(gateway.name)).toBe(service.name);
  });

  test('gives Gateways whose names clean up alike different proxy names', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const names = ['a.b', 'a-b', 'A-b', `${'x'.repeat(70)}`, `${'x'.repeat(71)}`].map((name, i) => {
      const gateway = new Gateway(chart, `Gateway${i}`, { metadata: { name: name.toLowerCase() === name ? name : `q${i}` }, gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
      return controller.serve(gateway).service.name;
    });
    expect(new Set(names).size).toBe(names.length);
    expect(names[1]).toBe('a-b-proxy');
    expect(names[0]).toMatch(/^gw-a-b-[0-9a-f]{8}-proxy$/);
    // The example docs/controller.md gives.
    expect(proxyServiceName('edge.example')).toBe('gw-edge-example-103ece1c-proxy');
  });

  test('rejects serving one Gateway twice', () => {
    const chart = chartIn('edge');
    const controller = new GatewayController(chart, 'Controller');
    const gateway = new Gateway(chart, 'Gateway', { metadata: { name: 'web' }, gatewayClass: controller.gatewayClass, listeners: [Listener.http()] });
    controller.serve(gateway);
    expect(() => controller.serve(gateway)).toThrow(/edge\/web is already served/);
  });

  test('rejects zero replicas', () => {
    expect(() => new GatewayController(chartIn(), 'Controller', { replicas: 0 })).toThrow(/replicas is 0/);
  });
});
