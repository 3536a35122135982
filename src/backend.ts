import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { compact, nameOf, namespaceOf } from './private/util';
import type { HttpRouteFilter } from './route-filter';

/** How much traffic a backend gets, and what happens to requests sent to it. */
export interface BackendOptions {
  /**
   * The port of the Service. Required unless the Service has exactly one port.
   *
   * @default - the Service's only port
   */
  readonly port?: number;
  /**
   * Share of the rule's traffic, relative to the other backends (0 sends none).
   *
   * @default 1
   */
  readonly weight?: number;
  /**
   * Filters applied only to requests sent to this backend.
   *
   * @default - none
   */
  readonly filters?: HttpRouteFilter[];
}

export interface ServiceNameBackendOptions extends BackendOptions {
  /**
   * The Service's namespace. A namespace other than the route's gets its ReferenceGrant inferred.
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;
}

/** A reference to a backend object of any kind (implementation-specific backends). */
export interface BackendReference {
  /** API group (`""` for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** @default - the route's namespace */
  readonly namespace?: string;
  /** @default - none */
  readonly port?: number;
}

const servicesOfDeployments = new WeakMap<kplus.Deployment, kplus.Service>();

/** Where a rule sends requests: a Service of the app, a Service by name, or another kind. */
export class Backend {
  /** A cdk8s-plus-28 Service of the app. */
  public static fromService(service: kplus.Service, options: BackendOptions = {}): Backend {
    const ports = service.ports.map((p) => p.port);
    return Backend.resolvedService(service, ports, options);
  }

  /**
   * The Deployment of an app: the backend is the Service that exposes it, created once per
   * Deployment with `exposeViaService()` (ports taken from its containers).
   */
  public static fromDeployment(deployment: kplus.Deployment, options: BackendOptions = {}): Backend {
    let service = servicesOfDeployments.get(deployment);
    if (!service) {
      service = deployment.exposeViaService();
      servicesOfDeployments.set(deployment, service);
    }
    return Backend.fromService(service, options);
  }

  /**
   * A Service object of the app made by other means: an `ApiObject` of kind Service, or a
   * Service of another cdk8s-plus version.
   */
  public static fromServiceObject(service: IConstruct, options: BackendOptions = {}): Backend {
    const obj = ApiObject.isApiObject(service) ? service : ApiObject.of(service);
    if (obj.kind !== 'Service') {
      throw new Error(`Backend.fromServiceObject() needs a Service, got a ${obj.kind}`);
    }
    const ports = ((obj.toJson() as any).spec?.ports ?? []).map((p: any) => p.port);
    return Backend.resolvedService(service, ports, options);
  }

  /** A Service by name (not made by the app), possibly in another namespace. */
  public static fromServiceName(name: string, options: ServiceNameBackendOptions = {}): Backend {
    if (options.port === undefined) {
      throw new Error(`Backend.fromServiceName("${name}") needs a port: a Service backend must say which port it uses`);
    }
    return new Backend('', 'Service', name, options.namespace, options);
  }

  /** A backend of another kind, for implementations that support one. */
  public static fromReference(ref: BackendReference, options: BackendOptions = {}): Backend {
    return new Backend(ref.group, ref.kind, ref.name, ref.namespace, { ...options, port: options.port ?? ref.port });
  }

  private static resolvedService(service: IConstruct, ports: number[], options: BackendOptions): Backend {
    const name = nameOf(service);
    let port = options.port;
    if (port === undefined) {
      if (ports.length !== 1) {
        throw new Error(`service ${name} has ${ports.length === 0 ? 'no ports' : `ports ${ports.join(', ')}`}; say which one the backend uses with { port }`);
      }
      port = ports[0];
    } else if (ports.length > 0 && !ports.includes(port)) {
      throw new Error(`service ${name} exposes ports ${ports.join(', ')}, not ${port}; use one of them`);
    }
    const namespace = namespaceOf(service);
    const backend = new Backend('', 'Service', name, namespace, { ...options, port });
    backend._namespaceUnknown = namespace === undefined;
    return backend;
  }

  public readonly port?: number;
  public readonly weight?: number;
  public readonly filters: HttpRouteFilter[];

  /**
   * The backend is an object of the app whose namespace neither it nor its chart names, so a
   * route in a namespace cannot refer to it reliably.
   *
   * @internal
   */
  public _namespaceUnknown = false;

  private constructor(
    public readonly group: string,
    public readonly kind: string,
    public readonly name: string,
    /** undefined: the route's namespace. */
    public readonly namespace: string | undefined,
    options: BackendOptions,
  ) {
    if (options.weight !== undefined && (!Number.isInteger(options.weight) || options.weight < 0 || options.weight > 1_000_000)) {
      throw new Error(`backend weight ${options.weight} is out of range; use an integer 0-1000000`);
    }
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
      throw new Error(`backend port ${options.port} is out of range; use 1-65535`);
    }
    this.port = options.port;
    this.weight = options.weight;
    this.filters = [...(options.filters ?? [])];
  }

  /** The same backend with another weight. */
  public withWeight(weight: number): Backend {
    const copy = new Backend(this.group, this.kind, this.name, this.namespace, { port: this.port, weight, filters: this.filters });
    copy._namespaceUnknown = this._namespaceUnknown;
    return copy;
  }

  /** @internal */
  public _toRef(routeNamespace: string | undefined): any {
    return compact({
      group: this.group === '' ? undefined : this.group,
      kind: this.kind === 'Service' && this.group === '' ? undefined : this.kind,
      name: this.name,
      namespace: this.namespace !== undefined && this.namespace !== routeNamespace ? this.namespace : undefined,
      port: this.port,
    });
  }

  /** @internal */
  public _toBackendRef(routeNamespace: string | undefined): any {
    return compact({
      ...this._toRef(routeNamespace),
      weight: this.weight,
      filters: this.filters.map((f) => f._toKube(routeNamespace)),
    });
  }
}
