/**
 * Cross-object checks: what a conformant controller would refuse about a set of manifests
 * (attachment, references, listener conflicts), reported as violations. It reads translate's
 * findings, so a manifest the checks accept is one the controller accepts.
 */
import { Finding, Premise, translate } from './translate';
import { namespaceOf } from './translate/snapshot';
import { KubeObject, Violation } from './types';

export interface CrossCheckOptions {
  /**
   * Check as the controller with this name would: only its GatewayClasses count, and what it
   * does not implement is reported. Undefined: every GatewayClass counts and only what the
   * Gateway API itself forbids is reported.
   */
  readonly controllerName?: string;
}

/**
 * Violations (source `reference`) for every refusal translate finds, with the condition
 * reason, the field path and a hint.
 *
 * The input is often one repository, not the whole cluster, so a verdict that rests on an
 * object being absent is only reported where the input speaks for that part of the world:
 * - a reference to a missing object (a backend Service, a certificate Secret) is reported only
 *   when the input holds at least one object of that kind in that namespace;
 * - a missing ReferenceGrant is reported only when the input holds some object in the target
 *   namespace;
 * - a listener namespace selector that rejects a route is trusted only when the route's
 *   Namespace is in the input (otherwise only its `kubernetes.io/metadata.name` label is known);
 * - a route whose parent Gateway is absent, or whose Gateway's GatewayClass is absent, is not
 *   checked for attachment (its own references still are); a Gateway whose GatewayClass is
 *   absent is not checked at all;
 * - what only this implementation refuses (an unsupported parametersRef, address type,
 *   regular-expression dialect...) is reported only when `controllerName` is given.
 */
export function crossCheck(objects: KubeObject[], options: CrossCheckOptions = {}): Violation[] {
  const { findings } = translate(objects, { controllerName: options.controllerName });
  const world = new InputWorld(objects);
  return findings
    .filter((f) => world.supports(f.premise, options.controllerName !== undefined))
    .map(toViolation);
}

function toViolation(finding: Finding): Violation {
  return {
    kind: finding.kind,
    ...(finding.namespace !== undefined ? { namespace: finding.namespace } : {}),
    name: finding.name,
    path: finding.path,
    message: finding.message,
    source: 'reference',
    reason: finding.reason,
    hint: finding.hint,
  };
}

/** What the input tells about which kinds of objects each namespace holds. */
class InputWorld {
  private readonly kindsByNamespace = new Map<string, Set<string>>();
  private readonly namespaces = new Set<string>();

  constructor(objects: readonly KubeObject[]) {
    for (const obj of objects) {
      if (!obj?.metadata) continue;
      if (obj.kind === 'Namespace' && obj.metadata.name) this.namespaces.add(obj.metadata.name);
      const ns = namespaceOf(obj);
      if (ns === undefined) continue;
      const kinds = this.kindsByNamespace.get(ns) ?? new Set<string>();
      kinds.add(obj.kind);
      this.kindsByNamespace.set(ns, kinds);
    }
  }

  supports(premise: Premise, implementationKnown: boolean): boolean {
    if (premise.implementationSpecific && !implementationKnown) return false;
    const missing = premise.missingObject;
    if (missing && !this.kindsByNamespace.get(missing.namespace)?.has(missing.kind)) return false;
    if (premise.missingGrantIn !== undefined && !this.kindsByNamespace.has(premise.missingGrantIn)) return false;
    if (premise.unknownNamespaceLabels !== undefined && !this.namespaces.has(premise.unknownNamespaceLabels)) return false;
    return true;
  }
}
