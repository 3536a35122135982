import { Construct } from 'constructs';
import { GatewayApiResource, ResourceProps } from './base';
import { GATEWAY_API_GROUP, compact } from './private/util';

/** Who may refer across namespaces: objects of a kind in a namespace. */
export interface ReferenceGrantFrom {
  /** API group of the referring kind (`gateway.networking.k8s.io` for routes and Gateways). */
  readonly group: string;
  /** The referring kind (HTTPRoute, Gateway, ...). */
  readonly kind: string;
  /** The namespace of the referring objects. */
  readonly namespace: string;
}

/** What may be referred to: objects of a kind in the grant's namespace. */
export interface ReferenceGrantTo {
  /** API group of the target kind (`""` for Services and Secrets). */
  readonly group: string;
  /** The target kind (Service, Secret, ...). */
  readonly kind: string;
  /**
   * One object by name.
   *
   * @default - every object of the kind in the namespace
   */
  readonly name?: string;
}

export interface ReferenceGrantProps extends ResourceProps {
  /** The referrers (at least one, at most 16). */
  readonly from: ReferenceGrantFrom[];
  /** The targets (at least one, at most 16). */
  readonly to: ReferenceGrantTo[];
}

/**
 * A ReferenceGrant: lets objects in other namespaces refer to objects in this one. It lives in
 * the namespace of the targets. Routes and Gateways of this library create the grants they
 * need on their own (see `inferReferenceGrants`); use this construct for references made
 * outside the app.
 */
export class ReferenceGrant extends GatewayApiResource {
  private readonly from: ReferenceGrantFrom[] = [];
  private readonly to: ReferenceGrantTo[] = [];

  public constructor(scope: Construct, id: string, props: ReferenceGrantProps) {
    // v1beta1 is the storage version and is served by every release that has ReferenceGrant.
    super(scope, id, 'ReferenceGrant', `${GATEWAY_API_GROUP}/v1beta1`, props);
    for (const f of props.from) this.addFrom(f);
    for (const t of props.to) this.addTo(t);
    this.node.addValidation({
      validate: () => (this.from.length === 0 || this.to.length === 0 ? ['a ReferenceGrant needs at least one `from` and one `to`; call addFrom() and addTo()'] : []),
    });
  }

  /** Adds a referrer. */
  public addFrom(from: ReferenceGrantFrom): void {
    this.from.push({ ...from });
  }

  /** Adds a target. */
  public addTo(to: ReferenceGrantTo): void {
    this.to.push({ ...to });
  }

  /** @internal */
  public _toSpec(): any {
    return {
      from: this.from.map((f) => ({ group: f.group, kind: f.kind, namespace: f.namespace })),
      to: this.to.map((t) => compact({ group: t.group, kind: t.kind, name: t.name })),
    };
  }
}
