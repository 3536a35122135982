import { Construct } from 'constructs';
import { GatewayApiResource, IResource, ResourceProps } from './base';
import { registerStandIn } from './private/synth-validation';
import { GATEWAY_API_GROUP, compact, makeClusterScoped } from './private/util';

/** A GatewayClass the app refers to, owned by the app or not. */
export interface IGatewayClass extends IResource {}

/** A reference to an implementation-specific object that configures a GatewayClass or Gateway. */
export interface ParametersReference {
  /** API group of the parameters object (`""` for the core group, e.g. a ConfigMap). */
  readonly group: string;
  /** Kind of the parameters object. */
  readonly kind: string;
  /** Name of the parameters object. */
  readonly name: string;
  /**
   * Namespace of the parameters object, for namespaced kinds.
   *
   * @default - the object is cluster-scoped
   */
  readonly namespace?: string;
}

export interface GatewayClassProps extends ResourceProps {
  /**
   * The controller that implements this class, as `domain/path`
   * (e.g. `gateway.envoyproxy.io/gatewayclass-controller`). Immutable once created.
   */
  readonly controllerName: string;

  /**
   * A human-readable description (at most 64 characters).
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Implementation-specific configuration for the class.
   *
   * @default - none
   */
  readonly parametersRef?: ParametersReference;
}

/**
 * A GatewayClass: a kind of Gateway offered by one controller. Cluster-scoped: it never carries
 * a namespace, even inside a chart that has one.
 */
export class GatewayClass extends GatewayApiResource implements IGatewayClass {
  /** Refers to a GatewayClass the app does not own (installed by the controller, or another repo). */
  public static fromGatewayClassName(scope: Construct, id: string, name: string): IGatewayClass {
    return new ImportedGatewayClass(scope, id, name);
  }

  public readonly controllerName: string;
  public readonly description?: string;
  public readonly parametersRef?: ParametersReference;

  public constructor(scope: Construct, id: string, props: GatewayClassProps) {
    super(scope, id, 'GatewayClass', `${GATEWAY_API_GROUP}/v1`, props);
    makeClusterScoped(this.apiObject);
    if (props.description !== undefined && props.description.length > 64) {
      throw new Error(`gateway class description is ${props.description.length} characters; the limit is 64`);
    }
    this.controllerName = props.controllerName;
    this.description = props.description;
    this.parametersRef = props.parametersRef;
  }

  public override get namespace(): string | undefined {
    return undefined;
  }

  /** @internal */
  public _toSpec(): any {
    return {
      controllerName: this.controllerName,
      ...compact({
        description: this.description,
        parametersRef: this.parametersRef && compact({ ...this.parametersRef }),
      }),
    };
  }
}

class ImportedGatewayClass extends Construct implements IGatewayClass {
  public readonly apiGroup = GATEWAY_API_GROUP;
  public readonly kind = 'GatewayClass';
  public readonly namespace = undefined;
  public constructor(scope: Construct, id: string, public readonly name: string) {
    super(scope, id);
    // Checked as if its controller accepts it, so its Gateways and routes are checked too.
    registerStandIn(this, {
      apiVersion: `${GATEWAY_API_GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: { name },
      spec: { controllerName: 'gateway.cdk8s.io/imported-class' },
    });
  }
}
