import { ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { registerSynthValidation } from './private/synth-validation';
import { GATEWAY_API_GROUP } from './private/util';

/** Options every Gateway API construct accepts. */
export interface ResourceProps {
  /**
   * Metadata of the object. Set `name` for objects other repos refer to (Gateways,
   * GatewayClasses): names are part of their contract.
   *
   * @default - a name derived from the construct path, and the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/** An object the app refers to: its kind, name and namespace. */
export interface IResource extends IConstruct {
  /** The API group of the object (`""` for the core group). */
  readonly apiGroup: string;
  /** The kind of the object. */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
  /**
   * The object's namespace.
   *
   * undefined when it is cluster-scoped or when neither the object nor its chart names one
   * (the API server then uses the namespace of the kubectl context).
   */
  readonly namespace?: string;
}

/**
 * Base of the Gateway API constructs: one plain `ApiObject` child with id `Resource`, so
 * `ApiObject.of(construct).addJsonPatch(...)` works as an escape hatch and the id does not
 * show in generated names. The spec is produced lazily by `_toSpec()`, so `addXxx` calls
 * made after construction are reflected.
 */
export abstract class GatewayApiResource extends Construct implements IResource {
  public readonly apiObject: ApiObject;
  public readonly apiGroup: string = GATEWAY_API_GROUP;
  public readonly kind: string;

  protected constructor(scope: Construct, id: string, kind: string, apiVersion: string, props: ResourceProps) {
    super(scope, id);
    this.kind = kind;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion,
      kind,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this._toSpec() }),
    });
    registerSynthValidation(this, this.apiObject);
  }

  /** The object's metadata (add labels and annotations here). */
  public get metadata(): ApiObjectMetadataDefinition {
    return this.apiObject.metadata;
  }

  public get name(): string {
    return this.apiObject.name;
  }

  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  /**
   * The spec of the object.
   *
   * @internal
   */
  public abstract _toSpec(): any;
}
