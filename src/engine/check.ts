/**
 * The one verdict on a set of manifests. The constructs (at synth) and the CLI both call
 * `checkObjects`, so a manifest that passes one of them passes the other.
 */
import { crossCheck } from './crosscheck';
import { DEFAULT_NAMESPACE, KubeObject, objectKey, Violation } from './types';
import { validateObject } from './validate';

export interface CheckOptions {
  /** Which CRD channel the cluster runs. @default 'standard' */
  readonly channel?: 'standard' | 'experimental';
  /**
   * Check as the controller with this name: only its GatewayClasses count, and what it does
   * not implement is reported too. @default any controller: only what the Gateway API forbids
   */
  readonly controllerName?: string;
}

export interface IndexedViolation extends Violation {
  /** Position in the input list of the object the violation is about; -1 if it names no input object. */
  readonly index: number;
}

export interface CheckResult {
  /** The input objects as the API server would store them (defaults applied), in input order. */
  readonly objects: KubeObject[];
  /** Ordered by input position, then field path; objects without a violation do not appear. */
  readonly violations: IndexedViolation[];
}

/**
 * Kinds the API server stores without a namespace. Anything else is namespaced, which is the
 * safe guess for kinds this engine does not know: it only decides which namespace is assumed.
 */
const CLUSTER_SCOPED_KINDS = new Set([
  'GatewayClass', 'XMesh', 'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'IngressClass',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'RuntimeClass',
  'APIService', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CertificateSigningRequest',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

/** The label the API server puts on every Namespace, which listener namespace selectors rely on. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/** Schema, defaults and CEL for each object, then the cross-object checks over all of them. */
export function checkObjects(objects: KubeObject[], options: CheckOptions = {}): CheckResult {
  const defaulted: KubeObject[] = [];
  const violations: IndexedViolation[] = [];

  objects.forEach((input, index) => {
    const checked = checkObject(input, options);
    defaulted.push(checked.object);
    for (const v of checked.violations) violations.push({ ...v, index });
  });

  const positions = new Map<string, number>();
  defaulted.forEach((o, index) => {
    const key = objectKey(o.kind, o.metadata.namespace, o.metadata.name ?? '');
    // A name defined twice is attributed to its first definition, the one a reader finds first.
    if (!positions.has(key)) positions.set(key, index);
  });
  for (const v of crossCheck(defaulted, { controllerName: options.controllerName })) {
    violations.push({ ...v, index: positions.get(objectKey(v.kind, v.namespace, v.name)) ?? -1 });
  }

  return { objects: defaulted, violations: sortViolations(violations) };
}

/**
 * One object as the API server stores it (namespace, defaults) and what it would refuse about
 * it on its own (schema, CEL, metadata); the per-object half of `checkObjects`.
 */
export function checkObject(input: KubeObject, options: CheckOptions = {}): { object: KubeObject; violations: Violation[] } {
  const stored = asStored(input);
  try {
    const result = validateObject(stored, { channel: options.channel });
    return { object: result.object, violations: result.violations };
  } catch (err) {
    // A validator bug on one odd object must not hide what the others have to say.
    return {
      object: stored,
      violations: [{
        kind: stored.kind,
        namespace: stored.metadata.namespace,
        name: stored.metadata.name ?? '',
        path: '',
        message: `could not be validated: ${err instanceof Error ? err.message : String(err)}`,
        source: 'schema',
      }],
    };
  }
}

/**
 * What `kubectl apply` and the API server do to an object before any validation: a namespaced
 * object without a namespace lands in `default`, and a Namespace carries its name as a label.
 */
function asStored(input: KubeObject): KubeObject {
  const metadata = { ...input.metadata };
  if (isClusterScoped(input.kind)) {
    if (input.kind === 'Namespace' && typeof metadata.name === 'string') {
      metadata.labels = { ...metadata.labels, [NAMESPACE_NAME_LABEL]: metadata.name };
    }
  } else if (metadata.namespace === undefined || metadata.namespace === '') {
    metadata.namespace = DEFAULT_NAMESPACE;
  }
  return { ...input, metadata };
}

function sortViolations(violations: IndexedViolation[]): IndexedViolation[] {
  const rank = (v: IndexedViolation) => (v.index < 0 ? Number.MAX_SAFE_INTEGER : v.index);
  // Array.prototype.sort is stable, so violations at the same path keep the engine's order.
  return violations.sort((a, b) => rank(a) - rank(b) || compareStrings(a.path, b.path));
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
