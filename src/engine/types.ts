/**
 * Shared vocabulary of the engine. The engine is pure: no I/O, no cdk8s, no clocks.
 * Every face (constructs, CLI, proxy, controller) passes plain Kubernetes objects in and
 * reads plain data out, so what each of them says about one manifest cannot disagree.
 */

/** A Kubernetes object as it appears in YAML or JSON (after parsing, before defaulting). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export interface KubeMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

/** The API group of every Gateway API kind. */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The namespace the API server assigns to a namespaced object that names none. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * One problem found in one object. `path` is the field path in the API server's notation
 * (`spec.rules[0].matches[0].path.value`; `metadata.name`; empty for the whole object).
 */
export interface Violation {
  readonly kind: string;
  /** Namespace of the offending object; undefined for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  /**
   * Where the rule comes from: `schema` (OpenAPI keywords, defaults, unknown fields),
   * `cel` (an x-kubernetes-validations rule, message verbatim from the CRD),
   * `metadata` (object metadata rules of the API server), or `reference` (what a
   * conformant controller would refuse across objects: attachment, refs, conflicts).
   */
  readonly source: 'schema' | 'cel' | 'metadata' | 'reference';
  /** For `reference` violations: the condition reason a controller would write (e.g. NotAllowedByListeners). */
  readonly reason?: string;
  /** Optional hint that tells the user how to fix it. */
  readonly hint?: string;
}

/** Stable identity of an object inside a snapshot: `Kind/namespace/name` (namespace empty when cluster-scoped). */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
