import { Construct } from 'constructs';
import { GatewayApiResource, IResource, ResourceProps } from './base';
import { IGatewayClass } from './gateway-class';
import { AllowedRoutes, CertificateRef, Listener } from './listener';
import { grantInferenceEnabled, inferReferenceGrant } from './private/grants';
import { GATEWAY_API_GROUP, compact } from './private/util';

/** A Gateway routes attach to, owned by the app or not. */
export interface IGateway extends IResource {}

/** What the app knows of a Gateway it does not own. */
export interface GatewayAttributes {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The Gateway's namespace.
   *
   * @default - the namespace of the route that attaches to it
   */
  readonly namespace?: string;
}

/** An address a Gateway asks for. */
export class GatewayAddress {
  /** A specific IPv4 or IPv6 address. */
  public static ipAddress(value: string): GatewayAddress {
    return new GatewayAddress('IPAddress', value);
  }

  /** Any IP address the implementation assigns (an address entry without a value). */
  public static anyIpAddress(): GatewayAddress {
    return new GatewayAddress('IPAddress');
  }

  /** A DNS name. */
  public static hostname(value: string): GatewayAddress {
    return new GatewayAddress('Hostname', value);
  }

  /** An implementation-specific named address (e.g. a reserved cloud IP by name). */
  public static named(value: string): GatewayAddress {
    return new GatewayAddress('NamedAddress', value);
  }

  /** An implementation-specific address type (`domain/type`). */
  public static custom(type: string, value?: string): GatewayAddress {
    return new GatewayAddress(type, value);
  }

  private constructor(public readonly type: string, public readonly value?: string) {}
}

/** Clouds whose internal load balancer annotation this library knows. */
export enum LoadBalancerCloud {
  AWS = 'AWS',
  AZURE = 'AZURE',
  GCP = 'GCP',
}

/** A cert-manager issuer that provisions the certificates of a Gateway's listeners. */
export class CertManagerIssuer {
  /** A cluster-wide ClusterIssuer. */
  public static clusterIssuer(name: string): CertManagerIssuer {
    return new CertManagerIssuer('cert-manager.io/cluster-issuer', name);
  }

  /** An Issuer in the Gateway's namespace. */
  public static issuer(name: string): CertManagerIssuer {
    return new CertManagerIssuer('cert-manager.io/issuer', name);
  }

  private constructor(public readonly annotation: string, public readonly name: string) {}
}

/** A reference to an implementation-specific object in the Gateway's namespace. */
export interface LocalParametersReference {
  /** API group of the parameters object (`""` for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** Settings for the infrastructure an implementation creates for the Gateway (load balancer, pods). */
export interface GatewayInfrastructure {
  /** @default - none */
  readonly labels?: { [key: string]: string };
  /** @default - none */
  readonly annotations?: { [key: string]: string };
  /** @default - none */
  readonly parametersRef?: LocalParametersReference;
}

/** How strictly client certificates are checked. */
export enum ClientValidationMode {
  /** Only clients with a valid certificate may connect. */
  ALLOW_VALID_ONLY = 'AllowValidOnly',
  /** Clients without a valid certificate are admitted too (mark the Gateway insecure). */
  ALLOW_INSECURE_FALLBACK = 'AllowInsecureFallback',
}

/** A CA bundle clients' certificates are validated against. */
export class CaCertificateRef {
  /** A ConfigMap holding `ca.crt`. */
  public static fromConfigMapName(name: string, namespace?: string): CaCertificateRef {
    return new CaCertificateRef('', 'ConfigMap', name, namespace);
  }

  /** A Secret holding `ca.crt`. */
  public static fromSecretName(name: string, namespace?: string): CaCertificateRef {
    return new CaCertificateRef('', 'Secret', name, namespace);
  }

  private constructor(
    public readonly group: string,
    public readonly kind: string,
    public readonly name: string,
    public readonly namespace?: string,
  ) {}
}

/** Client certificate validation (mutual TLS) on HTTPS listeners. */
export interface ClientCertificateValidation {
  /** The CA bundles (1 to 16). */
  readonly caCertificates: CaCertificateRef[];
  /** @default ClientValidationMode.ALLOW_VALID_ONLY */
  readonly mode?: ClientValidationMode;
}

/** Client certificate validation for the listeners of one port. */
export interface PerPortClientCertificateValidation extends ClientCertificateValidation {
  readonly port: number;
}

export interface GatewayProps extends ResourceProps {
  /** The class of the Gateway: `new GatewayClass(...)` or `GatewayClass.fromGatewayClassName(...)`. */
  readonly gatewayClass: IGatewayClass;

  /**
   * Listeners; more can be added with `addListener`.
   *
   * @default - none yet (a Gateway needs at least one)
   */
  readonly listeners?: Listener[];

  /**
   * Addresses the Gateway asks for.
   *
   * @default - the implementation assigns one
   */
  readonly addresses?: GatewayAddress[];

  /**
   * Labels, annotations and parameters for the infrastructure the implementation creates.
   *
   * @default - none
   */
  readonly infrastructure?: GatewayInfrastructure;

  /**
   * Client certificate validation for every HTTPS listener.
   *
   * @default - clients are not asked for certificates
   */
  readonly clientCertificateValidation?: ClientCertificateValidation;

  /**
   * Client certificate validation per port, overriding the default.
   *
   * @default - none
   */
  readonly clientCertificateValidationPerPort?: PerPortClientCertificateValidation[];

  /**
   * The client certificate the Gateway presents to TLS backends.
   *
   * @default - none
   */
  readonly backendClientCertificate?: CertificateRef;

  /**
   * Create the ReferenceGrants that certificates in other namespaces need.
   *
   * @default true (or the app's `cdk8s-gateway/infer-reference-grants` context)
   */
  readonly inferReferenceGrants?: boolean;
}

/**
 * A Gateway: an entry point with listeners (port, protocol, hostname, TLS) that routes attach to.
 */
export class Gateway extends GatewayApiResource implements IGateway {
  /** Refers to a Gateway the app does not own (e.g. one of the platform team). */
  public static fromGatewayAttributes(scope: Construct, id: string, attrs: GatewayAttributes): IGateway {
    return new ImportedGateway(scope, id, attrs);
  }

  public readonly gatewayClass: IGatewayClass;
  private readonly _listeners: Listener[] = [];
  private readonly addresses: GatewayAddress[] = [];
  private readonly infraLabels: { [key: string]: string } = {};
  private readonly infraAnnotations: { [key: string]: string } = {};
  private readonly infraParametersRef?: LocalParametersReference;
  private readonly clientValidation?: ClientCertificateValidation;
  private readonly clientValidationPerPort: PerPortClientCertificateValidation[];
  private readonly backendClientCertificate?: CertificateRef;
  private readonly inferGrants: boolean;

  public constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id, 'Gateway', `${GATEWAY_API_GROUP}/v1`, props);
    this.gatewayClass = props.gatewayClass;
    this.inferGrants = grantInferenceEnabled(this, props.inferReferenceGrants);
    this.infraParametersRef = props.infrastructure?.parametersRef;
    this.clientValidation = props.clientCertificateValidation;
    this.clientValidationPerPort = [...(props.clientCertificateValidationPerPort ?? [])];
    this.backendClientCertificate = props.backendClientCertificate;

    for (const [k, v] of Object.entries(props.infrastructure?.labels ?? {})) this.addInfrastructureLabel(k, v);
    for (const [k, v] of Object.entries(props.infrastructure?.annotations ?? {})) this.addInfrastructureAnnotation(k, v);
    for (const a of props.addresses ?? []) this.addAddress(a);
    for (const l of props.listeners ?? []) this.addListener(l);

    for (const v of [this.clientValidation, ...this.clientValidationPerPort]) {
      for (const ca of v?.caCertificates ?? []) this.grantFor(ca.group, ca.kind, ca.name, ca.namespace, 'a client CA bundle');
    }
    if (this.backendClientCertificate) {
      const c = this.backendClientCertificate;
      this.grantFor(c.group, c.kind, c.name, c.namespace, 'the backend client certificate');
    }

    this.node.addValidation({
      validate: () => (this._listeners.length === 0 ? [`gateway ${this.name} has no listeners; call addListener(Listener.http())`] : []),
    });
  }

  /** The listeners, in order. */
  public get listeners(): Listener[] {
    return [...this._listeners];
  }

  /** Adds a listener. Certificates in other namespaces get their ReferenceGrant. */
  public addListener(listener: Listener): void {
    if (this._listeners.some((l) => l.name === listener.name)) {
      throw new Error(`gateway ${this.node.path} already has a listener named "${listener.name}"; give the new one another name`);
    }
    for (const cert of listener.certificates) {
      if (cert._namespaceUnknown && this.namespace !== undefined) {
        throw new Error(`the certificate of listener ${listener.name} is Secret ${cert.name}, whose namespace is not known (neither it nor its chart `
          + `sets one), while gateway ${this.node.path} is in namespace ${this.namespace}; set the namespace of the Secret's chart`);
      }
    }
    this._listeners.push(listener);
    for (const cert of listener.certificates) {
      this.grantFor(cert.group, cert.kind, cert.name, cert.namespace, `the certificate of listener ${listener.name}`);
    }
  }

  /** Finds a listener by name; throws with the names that exist when there is none. */
  public listener(name: string): Listener {
    const found = this._listeners.find((l) => l.name === name);
    if (!found) {
      throw new Error(`gateway ${this.node.path} has no listener "${name}"; it has: ${this._listeners.map((l) => l.name).join(', ') || 'none'}`);
    }
    return found;
  }

  /** Asks for an address. */
  public addAddress(address: GatewayAddress): void {
    this.addresses.push(address);
  }

  /** Adds a label to the infrastructure the implementation creates (load balancer Service, pods). */
  public addInfrastructureLabel(key: string, value: string): void {
    this.infraLabels[key] = value;
  }

  /** Adds an annotation to the infrastructure the implementation creates. */
  public addInfrastructureAnnotation(key: string, value: string): void {
    this.infraAnnotations[key] = value;
  }

  /** Asks for an internal (private network only) load balancer on the given cloud. */
  public useInternalLoadBalancer(cloud: LoadBalancerCloud): void {
    switch (cloud) {
      case LoadBalancerCloud.AWS:
        this.addInfrastructureAnnotation('service.beta.kubernetes.io/aws-load-balancer-scheme', 'internal');
        break;
      case LoadBalancerCloud.AZURE:
        this.addInfrastructureAnnotation('service.beta.kubernetes.io/azure-load-balancer-internal', 'true');
        break;
      case LoadBalancerCloud.GCP:
        this.addInfrastructureAnnotation('networking.gke.io/load-balancer-type', 'Internal');
        break;
    }
  }

  /**
   * Lets cert-manager provision the certificates of the HTTPS listeners: it reads this
   * annotation on the Gateway and writes each listener's certificate Secret.
   */
  public addCertManagerIssuer(issuer: CertManagerIssuer): void {
    this.metadata.addAnnotation(issuer.annotation, issuer.name);
  }

  /**
   * The allowedRoutes a listener gets when it names none.
   *
   * @internal
   */
  protected _defaultAllowedRoutes(_listener: Listener): AllowedRoutes | undefined {
    return undefined;
  }

  /** @internal */
  public _toSpec(): any {
    const ns = this.namespace;
    const frontend = this.clientValidation || this.clientValidationPerPort.length > 0
      ? compact({
        default: this.clientValidation ? { validation: validationToKube(this.clientValidation, ns) } : undefined,
        perPort: this.clientValidationPerPort.map((p) => ({ port: p.port, tls: { validation: validationToKube(p, ns) } })),
      })
      : undefined;
    return {
      gatewayClassName: this.gatewayClass.name,
      listeners: this._listeners.map((l) => l._toKube(ns, this._defaultAllowedRoutes(l))),
      ...compact({
        addresses: this.addresses.map((a) => compact({ type: a.type, value: a.value })),
        infrastructure: compact({
          labels: Object.keys(this.infraLabels).length > 0 ? { ...this.infraLabels } : undefined,
          annotations: Object.keys(this.infraAnnotations).length > 0 ? { ...this.infraAnnotations } : undefined,
          parametersRef: this.infraParametersRef && {
            group: this.infraParametersRef.group, kind: this.infraParametersRef.kind, name: this.infraParametersRef.name,
          },
        }),
        tls: compact({
          backend: this.backendClientCertificate ? { clientCertificateRef: this.backendClientCertificate._toKube(ns) } : undefined,
          frontend,
        }),
      }),
    };
  }

  private grantFor(group: string, kind: string, name: string, namespace: string | undefined, what: string): void {
    if (!this.inferGrants || namespace === undefined) return;
    inferReferenceGrant(this, {
      fromKind: 'Gateway',
      fromNamespace: this.namespace,
      toGroup: group,
      toKind: kind,
      toName: name,
      toNamespace: namespace,
    }, `${what} (${kind} ${namespace}/${name}) of gateway ${this.node.path}`);
  }
}

function validationToKube(v: ClientCertificateValidation, gatewayNamespace: string | undefined): any {
  return compact({
    caCertificateRefs: v.caCertificates.map((c) => compact({
      group: c.group,
      kind: c.kind,
      name: c.name,
      namespace: c.namespace !== undefined && c.namespace !== gatewayNamespace ? c.namespace : undefined,
    })),
    mode: v.mode,
  });
}

class ImportedGateway extends Construct implements IGateway {
  public readonly apiGroup = GATEWAY_API_GROUP;
  public readonly kind = 'Gateway';
  public readonly name: string;
  public readonly namespace?: string;
  public constructor(scope: Construct, id: string, attrs: GatewayAttributes) {
    super(scope, id);
    this.name = attrs.name;
    this.namespace = attrs.namespace;
  }
}
