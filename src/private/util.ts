import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The API group of every Gateway API kind. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Removes the namespace a chart stamps on every object: cluster-scoped kinds must not carry one. */
export function makeClusterScoped(obj: ApiObject): void {
  obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}

/**
 * Namespace of any construct that wraps an ApiObject (a cdk8s-plus object of any version, an
 * ApiObject, one of ours), or undefined when neither it nor its chart names one.
 */
export function namespaceOf(c: IConstruct): string | undefined {
  const apiObject = ApiObject.isApiObject(c) ? c : ApiObject.of(c);
  return apiObject.metadata.namespace ?? Chart.of(c).namespace;
}

/**
 * Drops keys whose value is undefined and empty arrays, so the output carries only what the
 * user said; undefined when nothing is left.
 */
export function compact<T extends Record<string, any>>(obj: T): T | undefined {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : (out as T);
}

/** A DNS-1123 label made from free text, for generated names. */
export function toDnsLabel(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}

/** Name of any construct that wraps an ApiObject (cdk8s-plus objects of any version included). */
export function nameOf(c: IConstruct): string {
  return (ApiObject.isApiObject(c) ? c : ApiObject.of(c)).name;
}
