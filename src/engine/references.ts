/**
 * The Secrets and ConfigMaps objects point at, for reading just those: the controller watches
 * each by name, and a Gateway's proxy is allowed to read its own and no other.
 */
import { KubeObject } from './types';

/**
 * `Kind/namespace/name` of the Secrets and ConfigMaps an object references: any `certificateRefs`,
 * `caCertificateRefs` or `clientCertificateRef` in its spec, in the core group.
 */
export function referencedObjects(object: KubeObject): string[] {
  const found: string[] = [];
  const namespace = object.metadata.namespace ?? 'default';
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const ref = value as Record<string, unknown>;
    if ((key === 'certificateRefs' || key === 'caCertificateRefs' || key === 'clientCertificateRef') && typeof ref.name === 'string') {
      const kind = typeof ref.kind === 'string' ? ref.kind : 'Secret';
      if ((ref.group ?? '') === '' && (kind === 'Secret' || kind === 'ConfigMap')) {
        found.push(`${kind}/${typeof ref.namespace === 'string' ? ref.namespace : namespace}/${ref.name}`);
      }
      return;
    }
    for (const [k, v] of Object.entries(ref)) visit(v, k);
  };
  visit(object.spec, 'spec');
  return found;
}
