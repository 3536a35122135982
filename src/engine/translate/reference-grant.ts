/**
 * ReferenceGrant: a cross-namespace reference is allowed only by a grant in the namespace of
 * the target. `from` entries and `to` entries are each ORed; a `to` without a name covers
 * every object of that group and kind in the grant's namespace.
 */
import { Snapshot } from './snapshot';

export interface ReferenceFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface ReferenceTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function isReferencePermitted(snapshot: Snapshot, from: ReferenceFrom, to: ReferenceTo): boolean {
  if (from.namespace === to.namespace) return true;
  return snapshot.inNamespace('ReferenceGrant', to.namespace).some((grant) => {
    const froms: any[] = Array.isArray(grant.spec?.from) ? grant.spec.from : [];
    const tos: any[] = Array.isArray(grant.spec?.to) ? grant.spec.to : [];
    return froms.some((f) => (f?.group ?? '') === from.group && f?.kind === from.kind && f?.namespace === from.namespace)
      && tos.some((t) => (t?.group ?? '') === to.group && t?.kind === to.kind && (!t?.name || t.name === to.name));
  });
}

/** How to write the missing grant, for hints. */
export function grantHint(from: ReferenceFrom, to: ReferenceTo): string {
  const target = to.kind === 'Service' || to.kind === 'Secret' ? `${to.kind} ${to.name}` : `${to.group || 'core'} ${to.kind} ${to.name}`;
  return `create a ReferenceGrant in namespace ${to.namespace} from ${from.kind} in ${from.namespace} to ${target}`;
}
