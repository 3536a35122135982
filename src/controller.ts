import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_CONTROLLER_NAME, GATEWAY_NAME_LABEL, gatewayNameLabelValue, proxyServiceName } from './engine/constants';
import { referencedObjects } from './engine/references';
import { Gateway, LoadBalancerCloud } from './gateway';
import { GatewayClass } from './gateway-class';
import { ListenerProtocol } from './listener';
import { GATEWAY_API_GROUP, makeClusterScoped } from './private/util';

/** Where the image is published when none is given. */
export const DEFAULT_CONTROLLER_IMAGE = 'ghcr.io/maintainers/cdk8s-gateway';

/** The port of /healthz, /readyz and /metrics in every pod. */
export const CONTROLLER_ADMIN_PORT = 9901;

/**
 * Added to every listener port inside the proxy pod: the pod runs as a non-root user with no
 * capabilities, so it cannot bind ports below 1024 (adding NET_BIND_SERVICE does not help a
 * non-root process without file capabilities on the node binary). The Service maps the
 * listener port back, so clients never see the offset; 80 → 8080, 443 → 8443.
 */
export const PROXY_LISTEN_OFFSET = 8000;

const USER_ID = 65532;
const PROXY_PROTOCOLS: string[] = [ListenerProtocol.HTTP, ListenerProtocol.HTTPS];
/** The label GEP-1762 puts on the infrastructure of a Gateway. */

/** CPU and memory of one container. */
export interface ContainerResourceSettings {
  /** @default 100 */
  readonly cpuRequestMillis?: number;
  /** @default 1000 */
  readonly cpuLimitMillis?: number;
  /** @default 128 */
  readonly memoryRequestMebibytes?: number;
  /** @default 512 */
  readonly memoryLimitMebibytes?: number;
}

export interface GatewayControllerProps {
  /**
   * The namespace of the status controller (created by this construct), its ServiceAccount
   * and its leader-election Lease.
   *
   * @default 'cdk8s-gateway-system'
   */
  readonly namespace?: string;

  /**
   * The controllerName the controller answers to; GatewayClasses naming it are served.
   *
   * @default 'gateway.cdk8s.io/controller'
   */
  readonly controllerName?: string;

  /**
   * The GatewayClass this construct creates for the controller.
   *
   * @default 'cdk8s-gateway'
   */
  readonly gatewayClassName?: string;

  /**
   * The image repository, without tag.
   *
   * @default 'ghcr.io/maintainers/cdk8s-gateway'
   */
  readonly image?: string;

  /**
   * The image tag.
   *
   * @default - the version of this library, so the image matches the constructs
   */
  readonly imageTag?: string;

  /**
   * Replicas of the status controller; one leader writes status, the others wait.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * CPU and memory of the status controller.
   *
   * @default - 100m / 128Mi requested, 1 CPU / 512Mi limit
   */
  readonly resources?: ContainerResourceSettings;
}

/** Which Secrets the proxy of a Gateway may read. */
export enum ProxySecretAccess {
  /**
   * Only the Secrets its Gateway references (listener certificates, client CA bundles, the
   * backend client certificate), each by name, through a Role in the Secret's namespace: a
   * compromised proxy, the part of the system that faces the internet, reads no other Secret.
   */
  GATEWAY_REFERENCES = 'GatewayReferences',
  /**
   * Every Secret of the cluster: for Gateways whose certificates are not known when the app is
   * synthesized (listeners of ListenerSets in other namespaces, a Gateway changed outside the app).
   */
  CLUSTER = 'Cluster',
}

/** How the proxy of a Gateway is reached. */
export enum ProxyServiceType {
  /** A cloud load balancer (the usual entry point). */
  LOAD_BALANCER = 'LoadBalancer',
  /** A port on every node. */
  NODE_PORT = 'NodePort',
  /** Inside the cluster only. */
  CLUSTER_IP = 'ClusterIP',
}

/** Options of the proxy that serves one Gateway. */
export interface ServeGatewayOptions {
  /**
   * Proxy replicas; every replica serves traffic.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * The type of the proxy's Service.
   *
   * @default ProxyServiceType.LOAD_BALANCER
   */
  readonly serviceType?: ProxyServiceType;

  /**
   * Ask the cloud for a load balancer on the private network only.
   *
   * @default - a public load balancer
   */
  readonly internalLoadBalancer?: LoadBalancerCloud;

  /**
   * Annotations of the proxy's Service (cloud load balancer settings).
   *
   * @default - the Gateway's infrastructure annotations only
   */
  readonly serviceAnnotations?: { [key: string]: string };

  /**
   * CPU and memory of each proxy replica.
   *
   * @default - 100m / 128Mi requested, 1 CPU / 512Mi limit
   */
  readonly resources?: ContainerResourceSettings;

  /**
   * Which Secrets the proxy may read.
   *
   * @default ProxySecretAccess.GATEWAY_REFERENCES
   */
  readonly secretAccess?: ProxySecretAccess;
}

/** The objects that serve one Gateway. */
export interface GatewayProxy {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly serviceAccount: kplus.ServiceAccount;
}

/**
 * Deploys the in-repo controller: a status controller (leader-elected, writes status) and, per
 * Gateway passed to `serve`, a proxy Deployment and Service. Everything is synthesized, so the
 * whole data plane is in Git; nothing is provisioned at runtime.
 */
export class GatewayController extends Construct {
  public readonly namespace: string;
  public readonly controllerName: string;
  /** The image reference every pod runs (`repository:tag`). */
  public readonly image: string;
  public readonly gatewayClass: GatewayClass;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly deployment: kplus.Deployment;
  /** Read access for the proxies, bound to each proxy's ServiceAccount. */
  private readonly proxyRole: kplus.ClusterRole;
  /** One binding for every proxy ServiceAccount, made on the first `serve`. */
  private proxyRoleBinding?: kplus.ClusterRoleBinding;
  private proxySecretsBinding?: kplus.ClusterRoleBinding;
  private readonly served = new Map<string, GatewayProxy>();

  public constructor(scope: Construct, id: string, props: GatewayControllerProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? 'cdk8s-gateway-system';
    this.controllerName = props.controllerName ?? DEFAULT_CONTROLLER_NAME;
    this.image = `${props.image ?? DEFAULT_CONTROLLER_IMAGE}:${props.imageTag ?? libraryVersion()}`;
    const replicas = positive(props.replicas ?? 2, 'replicas');

    clusterScoped(new kplus.Namespace(this, 'Namespace', { metadata: { name: this.namespace } }));
    this.gatewayClass = new GatewayClass(this, 'GatewayClass', {
      metadata: { name: props.gatewayClassName ?? 'cdk8s-gateway' },
      controllerName: this.controllerName,
    });

    const labels = { 'app.kubernetes.io/name': 'cdk8s-gateway', 'app.kubernetes.io/component': 'status-controller' };
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { namespace: this.namespace, labels },
      automountToken: true,
    });

    const reader = clusterScoped(new kplus.ClusterRole(this, 'StatusRole', { metadata: { labels } }));
    allowReadInputs(reader);
    reader.allow(['update', 'patch'], ...gatewayApiResources().filter((r) => r !== 'referencegrants').map((r) => api(GATEWAY_API_GROUP, `${r}/status`)));
    // The gateway-exists finalizer goes on this controller's own GatewayClass, and on no other object.
    const className = this.gatewayClass.name;
    reader.allow(['patch'], {
      asApiResource: () => ({ apiGroup: GATEWAY_API_GROUP, resourceType: 'gatewayclasses', resourceName: className }),
      asNonApiResource: () => undefined,
    });
    clusterScoped(reader.bind(this.serviceAccount));

    // A Role, not a ClusterRole: the Lease lives in the controller's namespace only.
    const election = new kplus.Role(this, 'LeaderElectionRole', { metadata: { namespace: this.namespace, labels } });
    election.allow(['get', 'create', 'update'], api('coordination.k8s.io', 'leases'));
    election.bind(this.serviceAccount);

    this.deployment = workload(this, 'Deployment', {
      namespace: this.namespace,
      labels,
      replicas,
      serviceAccount: this.serviceAccount,
      image: this.image,
      args: ['controller', '--no-serve', '--controller-name', this.controllerName, '--admin-port', String(CONTROLLER_ADMIN_PORT)],
      ports: [],
      resources: props.resources,
    });

    this.proxyRole = clusterScoped(new kplus.ClusterRole(this, 'ProxyRole', {
      metadata: { labels: { 'app.kubernetes.io/name': 'cdk8s-gateway', 'app.kubernetes.io/component': 'proxy' } },
    }));
    // Secrets: by name per Gateway (serve()), or through ProxySecretsRole for CLUSTER access.
    allowReadInputs(this.proxyRole, { secrets: false });
  }

  /**
   * Deploys the proxy of a Gateway of this controller's class, in the Gateway's namespace:
   * a Deployment whose container ports are the Gateway's HTTP and HTTPS listener ports, a
   * Service that maps them, a ServiceAccount with read-only access, and a
   * PodDisruptionBudget when there is more than one replica. Call it after adding listeners.
   */
  public serve(gateway: Gateway, options: ServeGatewayOptions = {}): GatewayProxy {
    if (gateway.gatewayClass.name !== this.gatewayClass.name) {
      throw new Error(`gateway ${gateway.node.path} is of class ${gateway.gatewayClass.name}, not ${this.gatewayClass.name}; `
        + 'give it gatewayClass: controller.gatewayClass');
    }
    const ns = gateway.namespace;
    if (ns === undefined) {
      throw new Error(`gateway ${gateway.node.path} has no namespace; set the namespace of its chart (its proxy runs beside it)`);
    }
    const key = `${ns}/${gateway.name}`;
    if (this.served.has(key)) throw new Error(`gateway ${key} is already served by ${this.node.path}`);

    const ports = proxyPorts(gateway);
    const replicas = positive(options.replicas ?? 2, 'replicas');
    const labels = {
      'app.kubernetes.io/name': 'cdk8s-gateway',
      'app.kubernetes.io/component': 'proxy',
      [GATEWAY_NAME_LABEL]: gatewayNameLabelValue(gateway.name),
    };
    const name = proxyServiceName(gateway.name);
    const scope = new Construct(this, `Proxy-${ns}-${gateway.name}`);

    const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', {
      metadata: { name, namespace: ns, labels },
      automountToken: true,
    });
    this.proxyRoleBinding ??= clusterScoped(new kplus.ClusterRoleBinding(this, 'ProxyRoleBinding', {
      metadata: { labels: { 'app.kubernetes.io/name': 'cdk8s-gateway', 'app.kubernetes.io/component': 'proxy' } },
      role: this.proxyRole,
    }));
    this.proxyRoleBinding.addSubjects(serviceAccount);

    const deployment = workload(scope, 'Deployment', {
      namespace: ns,
      name,
      labels,
      replicas,
      serviceAccount,
      image: this.image,
      args: ['controller', '--no-status', '--gateway', key, '--controller-name', this.controllerName,
        '--listen-offset', String(PROXY_LISTEN_OFFSET), '--admin-port', String(CONTROLLER_ADMIN_PORT)],
      ports,
      resources: options.resources,
    });

    const infrastructure = gatewayInfrastructure(gateway);
    const annotations: { [key: string]: string } = { ...infrastructure.annotations, ...options.serviceAnnotations };
    if (options.internalLoadBalancer !== undefined) Object.assign(annotations, internalLoadBalancerAnnotations(options.internalLoadBalancer));
    const service = new kplus.Service(scope, 'Service', {
      // The Gateway's infrastructure labels and annotations go on the Service, as GEP-1762 asks.
      metadata: { name, namespace: ns, labels: { ...infrastructure.labels, ...labels }, annotations },
      type: (options.serviceType ?? ProxyServiceType.LOAD_BALANCER) as string as kplus.ServiceType,
      selector: deployment,
      ports: ports.map((p) => ({ name: p.name, port: p.listenerPort, targetPort: p.listenerPort + PROXY_LISTEN_OFFSET })),
    });

    // What serve() read from the Gateway is fixed in the proxy; a later change would be lost.
    const declared = ports.map((p) => p.listenerPort).join(',');
    const declaredInfrastructure = JSON.stringify(infrastructure);
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const now = proxyPorts(gateway).map((p) => p.listenerPort).join(',');
        if (now !== declared) {
          errors.push(`gateway ${key} listens on ports ${now || 'none'} but its proxy was made for ${declared || 'none'}; `
            + 'call serve() after the last addListener()');
        }
        if (JSON.stringify(gatewayInfrastructure(gateway)) !== declaredInfrastructure) {
          errors.push(`the infrastructure labels or annotations of gateway ${key} changed after serve(); `
            + 'call serve() after the last addInfrastructureLabel(), addInfrastructureAnnotation() and useInternalLoadBalancer()');
        }
        return errors;
      },
    });

    this.allowProxySecrets(scope, gateway, serviceAccount, options.secretAccess ?? ProxySecretAccess.GATEWAY_REFERENCES, labels);

    const proxy: GatewayProxy = { deployment, service, serviceAccount };
    this.served.set(key, proxy);
    return proxy;
  }

  /**
   * Lets a proxy read the Secrets its Gateway references, by name, with a Role and RoleBinding in
   * each namespace they are in (or every Secret, for CLUSTER access). The references are fixed
   * when serve() is called: a later change fails the synth, as it would break the proxy.
   */
  private allowProxySecrets(scope: Construct, gateway: Gateway, serviceAccount: kplus.ServiceAccount, access: ProxySecretAccess,
    labels: { [key: string]: string }): void {
    if (access === ProxySecretAccess.CLUSTER) {
      if (!this.proxySecretsBinding) {
        const role = clusterScoped(new kplus.ClusterRole(this, 'ProxySecretsRole', { metadata: { labels: { 'app.kubernetes.io/name': 'cdk8s-gateway', 'app.kubernetes.io/component': 'proxy' } } }));
        role.allowRead(api('', 'secrets'));
        this.proxySecretsBinding = clusterScoped(new kplus.ClusterRoleBinding(this, 'ProxySecretsRoleBinding', {
          metadata: { labels: { 'app.kubernetes.io/name': 'cdk8s-gateway', 'app.kubernetes.io/component': 'proxy' } },
          role,
        }));
      }
      this.proxySecretsBinding.addSubjects(serviceAccount);
      return;
    }
    const secrets = () => gatewaySecrets(gateway);
    const declared = secrets();
    const byNamespace = new Map<string, string[]>();
    for (const ref of declared) {
      const [, namespace, name] = ref.split('/');
      byNamespace.set(namespace, [...byNamespace.get(namespace) ?? [], name]);
    }
    for (const [namespace, names] of byNamespace) {
      const role = new kplus.Role(scope, `Secrets-${namespace}`, { metadata: { namespace, labels } });
      for (const name of [...new Set(names)].sort()) {
        role.allowRead({ apiGroup: '', resourceType: 'secrets', resourceName: name });
      }
      role.bind(serviceAccount);
    }
    const key = `${gateway.namespace}/${gateway.name}`;
    this.node.addValidation({
      validate: () => (JSON.stringify(secrets()) === JSON.stringify(declared) ? [] : [
        `the Secrets gateway ${key} references changed after serve() (now ${secrets().join(', ') || 'none'}, its proxy may read ${declared.join(', ') || 'none'}); `
        + 'call serve() after the last listener and certificate, or serve it with secretAccess: ProxySecretAccess.CLUSTER',
      ]),
    });
  }
}

/** `Secret/namespace/name` of every Secret a Gateway references, sorted. */
function gatewaySecrets(gateway: Gateway): string[] {
  const object = { apiVersion: `${GATEWAY_API_GROUP}/v1`, kind: 'Gateway', metadata: { name: gateway.name, namespace: gateway.namespace }, spec: gateway._toSpec() };
  return [...new Set(referencedObjects(object).filter((ref) => ref.startsWith('Secret/')))].sort();
}

interface ProxyPort {
  readonly name: string;
  readonly listenerPort: number;
}

/** One container port per distinct HTTP/HTTPS listener port; the proxy serves no other protocol. */
function proxyPorts(gateway: Gateway): ProxyPort[] {
  const seen = new Map<number, ProxyPort>();
  for (const l of gateway.listeners) {
    if (!PROXY_PROTOCOLS.includes(l.protocol) || seen.has(l.port)) continue;
    if (l.port + PROXY_LISTEN_OFFSET > 65535 || l.port + PROXY_LISTEN_OFFSET === CONTROLLER_ADMIN_PORT) {
      throw new Error(`listener ${l.name} of gateway ${gateway.node.path} is on port ${l.port}, which the proxy binds as `
        + `${l.port + PROXY_LISTEN_OFFSET}: out of range or the admin port; use a port below ${65536 - PROXY_LISTEN_OFFSET} other than ${CONTROLLER_ADMIN_PORT - PROXY_LISTEN_OFFSET}`);
    }
    seen.set(l.port, { name: `${l.protocol.toLowerCase()}-${l.port}`, listenerPort: l.port });
  }
  return [...seen.values()].sort((a, b) => a.listenerPort - b.listenerPort);
}

function gatewayInfrastructure(gateway: Gateway): { labels: { [key: string]: string }; annotations: { [key: string]: string } } {
  const infrastructure = gateway._toSpec().infrastructure;
  return { labels: { ...infrastructure?.labels }, annotations: { ...infrastructure?.annotations } };
}

/** The same annotations `Gateway.useInternalLoadBalancer` records for the implementation. */
function internalLoadBalancerAnnotations(cloud: LoadBalancerCloud): { [key: string]: string } {
  switch (cloud) {
    case LoadBalancerCloud.AWS:
      return { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' };
    case LoadBalancerCloud.AZURE:
      return { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' };
    case LoadBalancerCloud.GCP:
      return { 'networking.gke.io/load-balancer-type': 'Internal' };
  }
}

/** The plural resource names of the Gateway API kinds the engine reads (all but ReferenceGrant have status). */
function gatewayApiResources(): string[] {
  return ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes',
    'referencegrants', 'backendtlspolicies', 'listenersets'];
}

/** Everything the engine takes as input: get, list and watch only. */
function allowReadInputs(role: kplus.ClusterRole, options: { secrets: boolean } = { secrets: true }): void {
  role.allowRead(
    ...gatewayApiResources().map((r) => api(GATEWAY_API_GROUP, r)),
    api('', 'services'), api('', 'namespaces'), ...options.secrets ? [api('', 'secrets')] : [], api('', 'configmaps'),
    api('discovery.k8s.io', 'endpointslices'),
    // Read metadata-only, for the bundle-version annotation behind GatewayClass SupportedVersion.
    api('apiextensions.k8s.io', 'customresourcedefinitions'),
  );
}

function api(apiGroup: string, resourceType: string): kplus.ApiResource {
  return kplus.ApiResource.custom({ apiGroup, resourceType });
}

interface WorkloadSpec {
  readonly namespace: string;
  readonly name?: string;
  readonly labels: { [key: string]: string };
  readonly replicas: number;
  readonly serviceAccount: kplus.ServiceAccount;
  readonly image: string;
  readonly args: string[];
  readonly ports: ProxyPort[];
  readonly resources?: ContainerResourceSettings;
}

/** A hardened Deployment of the image, with its PodDisruptionBudget when it has replicas to spare. */
function workload(scope: Construct, id: string, spec: WorkloadSpec): kplus.Deployment {
  const r = spec.resources ?? {};
  const adminProbe = (p: string) => kplus.Probe.fromHttpGet(p, { port: CONTROLLER_ADMIN_PORT });
  const deployment = new kplus.Deployment(scope, id, {
    metadata: objectMetadata(spec),
    podMetadata: { labels: spec.labels },
    replicas: spec.replicas,
    serviceAccount: spec.serviceAccount,
    // The process talks to the API server with the ServiceAccount's token.
    automountServiceAccountToken: true,
    securityContext: { ensureNonRoot: true, user: USER_ID, group: USER_ID, fsGroup: USER_ID },
    containers: [{
      name: 'cdk8s-gateway',
      image: spec.image,
      // Tags are versions, never moved: no pull on every start.
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: spec.args,
      ports: [
        { name: 'admin', number: CONTROLLER_ADMIN_PORT },
        ...spec.ports.map((p) => ({ name: p.name, number: p.listenerPort + PROXY_LISTEN_OFFSET })),
      ],
      envVariables: {
        // Each replica's identity in the Lease, and the namespace the Lease lives in.
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      },
      readiness: adminProbe('/readyz'),
      liveness: adminProbe('/healthz'),
      securityContext: {
        ensureNonRoot: true,
        user: USER_ID,
        group: USER_ID,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: [kplus.Capability.ALL] },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(r.cpuRequestMillis ?? 100), limit: kplus.Cpu.millis(r.cpuLimitMillis ?? 1000) },
        memory: {
          request: Size.mebibytes(r.memoryRequestMebibytes ?? 128),
          limit: Size.mebibytes(r.memoryLimitMebibytes ?? 512),
        },
      },
      // Node writes nothing to disk but may need a scratch /tmp; the root filesystem is read-only.
      volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(scope, `${id}Tmp`, 'tmp') }],
    }],
  });

  if (spec.replicas > 1) {
    // cdk8s-plus-28 has no PodDisruptionBudget construct; the generated L1 is typed.
    new kplus.k8s.KubePodDisruptionBudget(scope, `${id}Budget`, {
      metadata: objectMetadata(spec),
      spec: { minAvailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: spec.labels } },
    });
  }
  return deployment;
}

/** A name only when one is given: an explicit `name: undefined` would drop the generated one. */
function objectMetadata(spec: WorkloadSpec): { name?: string; namespace: string; labels: { [key: string]: string } } {
  return spec.name === undefined
    ? { namespace: spec.namespace, labels: spec.labels }
    : { name: spec.name, namespace: spec.namespace, labels: spec.labels };
}

/** cdk8s-plus stamps the chart's namespace on cluster-scoped kinds too; the API server would refuse it. */
function clusterScoped<T extends Construct>(c: T): T {
  makeClusterScoped(ApiObject.of(c));
  return c;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} is ${n}; use a whole number of at least 1`);
  return n;
}

/** This library's version: the default image tag, so constructs and image always match. */
function libraryVersion(): string {
  // From src/ (tests) and lib/ (the package) alike, package.json is one level up.
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
}
