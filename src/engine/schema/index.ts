/**
 * The Gateway API CRD schemas as the API server sees them, generated from the vendored CRDs by
 * `scripts/gen-schemas.ts` (projen task `gen:schemas`). Never edit the generated JSON by hand.
 */
import experimentalBundle from './generated/experimental.json';
import standardBundle from './generated/standard.json';

export type Channel = 'standard' | 'experimental';

/** One node of a CRD's openAPIV3Schema, descriptions removed. */
export interface JsonSchema {
  readonly 'type'?: string;
  readonly 'format'?: string;
  readonly 'nullable'?: boolean;
  readonly 'default'?: unknown;
  readonly 'enum'?: readonly unknown[];
  readonly 'required'?: readonly string[];
  readonly 'pattern'?: string;
  readonly 'maxLength'?: number;
  readonly 'minLength'?: number;
  readonly 'maxItems'?: number;
  readonly 'minItems'?: number;
  readonly 'maxProperties'?: number;
  readonly 'minimum'?: number;
  readonly 'maximum'?: number;
  readonly 'properties'?: Readonly<Record<string, JsonSchema>>;
  readonly 'additionalProperties'?: JsonSchema;
  readonly 'items'?: JsonSchema;
  readonly 'oneOf'?: readonly JsonSchema[];
  readonly 'anyOf'?: readonly JsonSchema[];
  readonly 'not'?: JsonSchema;
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: string;
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
}

/** An `x-kubernetes-validations` entry, verbatim from the CRD. */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
}

export interface CrdVersion {
  readonly name: string;
  readonly statusSubresource: boolean;
  readonly schema: JsonSchema;
}

export interface Crd {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: 'Namespaced' | 'Cluster';
  /** Served versions only: an unserved version cannot be created. */
  readonly versions: readonly CrdVersion[];
}

export interface SchemaBundle {
  /** The Gateway API release the CRDs come from (their bundle-version annotation). */
  readonly bundleVersion: string;
  readonly channel: Channel;
  /** The upstream tag and commit the CRDs were taken from. */
  readonly source: string;
  readonly crds: readonly Crd[];
}

const BUNDLES: Record<Channel, SchemaBundle> = {
  standard: standardBundle as unknown as SchemaBundle,
  experimental: experimentalBundle as unknown as SchemaBundle,
};

export function schemaBundle(channel: Channel): SchemaBundle {
  return BUNDLES[channel];
}
