/**
 * The response form a request's Accept header asks for, negotiated as the API server does: the
 * plain object, a `meta.k8s.io` Table (kubectl get) or PartialObjectMetadata(List) (client-go's
 * metadata informers). Only JSON is spoken, so protobuf-only or YAML-only requests get 406.
 */
import { ApiError } from './status';

/** What the response carries: one object, a list, or the objects of watch events. */
export type Answer = 'object' | 'list' | 'watch';

export type Format =
  | { readonly as: 'object' }
  | { readonly as: 'Table' | 'PartialObjectMetadata'; readonly apiVersion: string };

const META_VERSIONS = ['v1', 'v1beta1'];
const PLAIN: Format = { as: 'object' };

/**
 * The first media range of `accept` (in order) this answer can be given in; a missing or empty
 * header means the plain object. Throws 406 NotAcceptable when no range can be satisfied.
 */
export function negotiate(accept: string | undefined, answer: Answer): Format {
  if (accept === undefined || accept.trim() === '') return PLAIN;
  for (const range of accept.split(',')) {
    const format = satisfy(range, answer);
    if (format !== undefined) return format;
  }
  throw new ApiError(406, 'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

function satisfy(range: string, answer: Answer): Format | undefined {
  const [mediaType, ...rawParams] = range.split(';').map((s) => s.trim());
  if (!['application/json', 'application/*', '*/*'].includes(mediaType.toLowerCase())) return undefined;
  const params = new Map<string, string>();
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  if (params.get('q') !== undefined && Number(params.get('q')) === 0) return undefined;
  const as = params.get('as');
  if (as === undefined) return PLAIN;
  // A conversion target is a meta.k8s.io kind named in full (as, g and v), as client-go sends it.
  const version = params.get('v') ?? '';
  if (params.get('g') !== 'meta.k8s.io' || !META_VERSIONS.includes(version)) return undefined;
  const apiVersion = `meta.k8s.io/${version}`;
  // Tables of watch events are not offered here: kubectl get -w falls back to plain objects.
  if (as === 'Table' && answer !== 'watch') return { as: 'Table', apiVersion };
  if (as === 'PartialObjectMetadata' && answer !== 'list') return { as: 'PartialObjectMetadata', apiVersion };
  if (as === 'PartialObjectMetadataList' && answer === 'list') return { as: 'PartialObjectMetadata', apiVersion };
  return undefined;
}

/** An object reduced to its metadata. */
export function partialObject(obj: any, apiVersion: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
}
