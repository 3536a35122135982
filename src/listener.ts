import { IConstruct } from 'constructs';
import { GATEWAY_API_GROUP, compact, nameOf, namespaceOf } from './private/util';

/** Protocols every conformant implementation understands. */
export enum ListenerProtocol {
  HTTP = 'HTTP',
  HTTPS = 'HTTPS',
  TLS = 'TLS',
  TCP = 'TCP',
  UDP = 'UDP',
}

/** A kind of route a listener admits. */
export class RouteKind {
  public static readonly HTTP_ROUTE = new RouteKind(GATEWAY_API_GROUP, 'HTTPRoute');
  public static readonly GRPC_ROUTE = new RouteKind(GATEWAY_API_GROUP, 'GRPCRoute');
  public static readonly TLS_ROUTE = new RouteKind(GATEWAY_API_GROUP, 'TLSRoute');
  public static readonly TCP_ROUTE = new RouteKind(GATEWAY_API_GROUP, 'TCPRoute');
  public static readonly UDP_ROUTE = new RouteKind(GATEWAY_API_GROUP, 'UDPRoute');

  /** A route kind of another API group (an implementation's own route type). */
  public static of(group: string, kind: string): RouteKind {
    return new RouteKind(group, kind);
  }

  private constructor(public readonly group: string, public readonly kind: string) {}
}

/** Operators of a label selector requirement. */
export enum LabelSelectorOperator {
  IN = 'In',
  NOT_IN = 'NotIn',
  EXISTS = 'Exists',
  DOES_NOT_EXIST = 'DoesNotExist',
}

/** One requirement of a label selector. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  /**
   * Values for In and NotIn.
   *
   * @default - none (Exists, DoesNotExist)
   */
  readonly values?: string[];
}

/** Options shared by every `AllowedRoutes` factory. */
export interface AllowedRoutesOptions {
  /**
   * The route kinds the listener admits.
   *
   * @default - the kinds that fit the listener's protocol (HTTPRoute and GRPCRoute for
   * HTTP/HTTPS, TLSRoute for TLS, TCPRoute for TCP, UDPRoute for UDP)
   */
  readonly kinds?: RouteKind[];
}

/** Which routes, from which namespaces, may attach to a listener. */
export class AllowedRoutes {
  /** Routes in the Gateway's own namespace only (the API's default). */
  public static sameNamespace(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('Same', undefined, undefined, options.kinds);
  }

  /** Routes in every namespace. */
  public static allNamespaces(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('All', undefined, undefined, options.kinds);
  }

  /** Routes in namespaces whose labels include all of `labels`. */
  public static fromNamespacesLabelled(labels: { [key: string]: string }, options: AllowedRoutesOptions = {}): AllowedRoutes {
    if (Object.keys(labels).length === 0) {
      throw new Error('a namespace label selector needs at least one label; use AllowedRoutes.allNamespaces() to admit every namespace');
    }
    return new AllowedRoutes('Selector', { ...labels }, undefined, options.kinds);
  }

  /** Routes in namespaces that match a full label selector. */
  public static fromNamespaceSelector(
    matchLabels: { [key: string]: string },
    matchExpressions: LabelSelectorRequirement[],
    options: AllowedRoutesOptions = {},
  ): AllowedRoutes {
    return new AllowedRoutes('Selector', { ...matchLabels }, [...matchExpressions], options.kinds);
  }

  /**
   * Routes in the named namespaces only. Uses the `kubernetes.io/metadata.name` label that the
   * API server puts on every namespace, so no labelling is needed.
   */
  public static fromNamespaces(names: string[], options: AllowedRoutesOptions = {}): AllowedRoutes {
    if (names.length === 0) {
      throw new Error('AllowedRoutes.fromNamespaces() needs at least one namespace');
    }
    const sorted = [...new Set(names)].sort();
    return new AllowedRoutes('Selector', undefined, [{
      key: 'kubernetes.io/metadata.name', operator: LabelSelectorOperator.IN, values: sorted,
    }], options.kinds);
  }

  private constructor(
    /** `Same`, `All` or `Selector`. */
    public readonly from: string,
    public readonly matchLabels?: { [key: string]: string },
    public readonly matchExpressions?: LabelSelectorRequirement[],
    public readonly kinds?: RouteKind[],
  ) {}

  /** The same admission for other route kinds. */
  public withKinds(kinds: RouteKind[]): AllowedRoutes {
    return new AllowedRoutes(this.from, this.matchLabels, this.matchExpressions, kinds);
  }

  /** @internal */
  public _toKube(): any {
    const selector = this.from === 'Selector'
      ? compact({
        matchLabels: this.matchLabels && Object.keys(this.matchLabels).length > 0 ? this.matchLabels : undefined,
        matchExpressions: this.matchExpressions?.map((e) => compact({ key: e.key, operator: e.operator, values: e.values })),
      }) ?? {}
      : undefined;
    return compact({
      namespaces: compact({ from: this.from, selector }),
      kinds: this.kinds?.map((k) => ({ group: k.group, kind: k.kind })),
    });
  }
}

/** A certificate (and key) a listener serves: a `kubernetes.io/tls` Secret by default. */
export class CertificateRef {
  /**
   * A Secret by name. A Secret in another namespace than the Gateway gets its ReferenceGrant
   * inferred.
   */
  public static fromSecretName(name: string, namespace?: string): CertificateRef {
    return new CertificateRef('', 'Secret', name, namespace);
  }

  /** A Secret of the app (a cdk8s-plus Secret of any version, or an ApiObject). */
  public static fromSecret(secret: IConstruct): CertificateRef {
    const namespace = namespaceOf(secret);
    const ref = new CertificateRef('', 'Secret', nameOf(secret), namespace);
    ref._namespaceUnknown = namespace === undefined;
    return ref;
  }

  /** A certificate object of another kind, for implementations that support one. */
  public static custom(group: string, kind: string, name: string, namespace?: string): CertificateRef {
    return new CertificateRef(group, kind, name, namespace);
  }

  /**
   * The Secret is an object of the app whose namespace neither it nor its chart names.
   *
   * @internal
   */
  public _namespaceUnknown = false;

  private constructor(
    public readonly group: string,
    public readonly kind: string,
    public readonly name: string,
    public readonly namespace?: string,
  ) {}

  /** @internal */
  public _toKube(fromNamespace: string | undefined): any {
    return compact({
      group: this.group === '' ? undefined : this.group,
      kind: this.kind === 'Secret' && this.group === '' ? undefined : this.kind,
      name: this.name,
      namespace: this.namespace !== undefined && this.namespace !== fromNamespace ? this.namespace : undefined,
    });
  }
}

/** How a TLS listener treats connections. */
export enum TlsMode {
  /** The Gateway terminates TLS with the listener's certificates. */
  TERMINATE = 'Terminate',
  /** The Gateway forwards the encrypted stream, routing on SNI. */
  PASSTHROUGH = 'Passthrough',
}

/** Options of every listener. */
export interface ListenerOptions {
  /**
   * Unique name of the listener in its Gateway; routes select it as `sectionName`.
   *
   * @default - the protocol in lower case (`http`, `https`, `tls`, `tcp`, `udp`)
   */
  readonly name?: string;

  /**
   * Which routes may attach, from which namespaces.
   *
   * @default - routes of the Gateway's namespace, of the kinds that fit the protocol
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/** Options of listeners that match a hostname. */
export interface HostnameListenerOptions extends ListenerOptions {
  /**
   * The hostname (or `*.` wildcard) the listener serves. Routes attached to it only serve
   * hostnames that intersect it.
   *
   * @default - every hostname
   */
  readonly hostname?: string;
}

export interface HttpListenerOptions extends HostnameListenerOptions {
  /** @default 80 */
  readonly port?: number;
}

export interface HttpsListenerOptions extends HostnameListenerOptions {
  /** @default 443 */
  readonly port?: number;
  /** Certificates the listener serves (at least one, unless `tlsOptions` configures them). */
  readonly certificates?: CertificateRef[];
  /**
   * Implementation-specific TLS options (`tls.options`).
   *
   * @default - none
   */
  readonly tlsOptions?: { [key: string]: string };
}

export interface TlsPassthroughListenerOptions extends HostnameListenerOptions {
  /** @default 443 */
  readonly port?: number;
}

export interface TcpListenerOptions extends ListenerOptions {
  readonly port: number;
}

export interface CustomListenerOptions extends HostnameListenerOptions {
  /** A protocol an implementation supports, domain-prefixed (`example.com/proto`). */
  readonly protocol: string;
  readonly port: number;
  /** @default - no TLS section */
  readonly tlsMode?: TlsMode;
  /** @default - none */
  readonly certificates?: CertificateRef[];
  /** @default - none */
  readonly tlsOptions?: { [key: string]: string };
}

/** A listener of a Gateway: a port, a protocol, an optional hostname and TLS settings. */
export class Listener {
  /** Plain HTTP. */
  public static http(options: HttpListenerOptions = {}): Listener {
    return new Listener(ListenerProtocol.HTTP, options.port ?? 80, options);
  }

  /** HTTPS, terminated at the Gateway with the given certificates. */
  public static https(options: HttpsListenerOptions): Listener {
    assertTerminate(options.certificates, options.tlsOptions, 'https');
    return new Listener(ListenerProtocol.HTTPS, options.port ?? 443, options, TlsMode.TERMINATE, options.certificates, options.tlsOptions);
  }

  /** TLS passed through to the backend, routed by SNI (TLSRoute). */
  public static tlsPassthrough(options: TlsPassthroughListenerOptions = {}): Listener {
    return new Listener(ListenerProtocol.TLS, options.port ?? 443, options, TlsMode.PASSTHROUGH);
  }

  /** TLS terminated at the Gateway, forwarding the plain stream (TLSRoute). */
  public static tlsTerminate(options: HttpsListenerOptions): Listener {
    assertTerminate(options.certificates, options.tlsOptions, 'tlsTerminate');
    return new Listener(ListenerProtocol.TLS, options.port ?? 443, options, TlsMode.TERMINATE, options.certificates, options.tlsOptions);
  }

  /** Plain TCP (TCPRoute). */
  public static tcp(options: TcpListenerOptions): Listener {
    return new Listener(ListenerProtocol.TCP, options.port, options);
  }

  /** UDP (UDPRoute). */
  public static udp(options: TcpListenerOptions): Listener {
    return new Listener(ListenerProtocol.UDP, options.port, options);
  }

  /** A protocol specific to an implementation. */
  public static custom(options: CustomListenerOptions): Listener {
    return new Listener(options.protocol, options.port, options, options.tlsMode, options.certificates, options.tlsOptions);
  }

  public readonly name: string;
  public readonly hostname?: string;
  public readonly allowedRoutes?: AllowedRoutes;

  private constructor(
    public readonly protocol: string,
    public readonly port: number,
    options: HostnameListenerOptions,
    public readonly tlsMode?: TlsMode,
    public readonly certificates: CertificateRef[] = [],
    public readonly tlsOptions?: { [key: string]: string },
  ) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`listener port ${port} is out of range; use 1-65535`);
    }
    this.name = options.name ?? protocol.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
    this.hostname = options.hostname;
    this.allowedRoutes = options.allowedRoutes;
  }

  /** @internal */
  public _toKube(gatewayNamespace: string | undefined, defaultAllowedRoutes?: AllowedRoutes): any {
    const allowed = this.allowedRoutes ?? defaultAllowedRoutes;
    const tls = this.tlsMode === undefined ? undefined : compact({
      mode: this.tlsMode,
      certificateRefs: this.certificates.map((c) => c._toKube(gatewayNamespace)),
      options: this.tlsOptions && Object.keys(this.tlsOptions).length > 0 ? { ...this.tlsOptions } : undefined,
    });
    return compact({
      name: this.name,
      hostname: this.hostname,
      port: this.port,
      protocol: this.protocol,
      tls,
      allowedRoutes: allowed?._toKube(),
    });
  }
}

function assertTerminate(certificates: CertificateRef[] | undefined, options: { [key: string]: string } | undefined, factory: string): void {
  if ((certificates ?? []).length === 0 && Object.keys(options ?? {}).length === 0) {
    throw new Error(`Listener.${factory}() needs at least one certificate (certificates: [CertificateRef.fromSecretName('my-tls')])`);
  }
}
