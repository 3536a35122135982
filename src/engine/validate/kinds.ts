/**
 * Which apiVersion/kind pairs a channel's CRDs serve. A schema is compiled the first time an
 * object of its kind and version is validated, then kept.
 */
import { schemaBundle, type Channel, type Crd, type CrdVersion } from '../schema';
import { compileSchema, type SchemaNode } from './compile';

export interface ServedKind {
  readonly kind: string;
  readonly namespaced: boolean;
  /** Status is a subresource: writes to the main resource never set or validate it. */
  readonly statusSubresource: boolean;
  readonly schema: SchemaNode;
}

const CHANNELS: readonly Channel[] = ['standard', 'experimental'];

/** API groups of the Gateway API in any channel: objects of other groups are not ours to judge. */
const GATEWAY_API_GROUPS: ReadonlySet<string> = new Set(CHANNELS.flatMap(c => schemaBundle(c).crds.map(crd => crd.group)));

const served: Record<Channel, Map<string, ServedKind>> = { standard: index('standard'), experimental: index('experimental') };

function index(channel: Channel): Map<string, ServedKind> {
  const kinds = new Map<string, ServedKind>();
  for (const crd of schemaBundle(channel).crds) {
    for (const version of crd.versions) kinds.set(`${crd.group}/${version.name}/${crd.kind}`, lazyKind(crd, version));
  }
  return kinds;
}

function lazyKind(crd: Crd, version: CrdVersion): ServedKind {
  let schema: SchemaNode | undefined;
  return {
    kind: crd.kind,
    namespaced: crd.scope === 'Namespaced',
    statusSubresource: version.statusSubresource,
    get schema() {
      schema ??= compileSchema(version.schema);
      return schema;
    },
  };
}

/** The served kind, or undefined when the channel does not serve this apiVersion and kind. */
export function servedKind(apiVersion: unknown, kind: unknown, channel: Channel): ServedKind | undefined {
  return typeof apiVersion === 'string' && typeof kind === 'string' ? served[channel].get(`${apiVersion}/${kind}`) : undefined;
}

/** The apiVersion names a Gateway API group (served or not by the channel). */
export function isGatewayApiGroup(apiVersion: unknown): boolean {
  if (typeof apiVersion !== 'string') return false;
  const slash = apiVersion.indexOf('/');
  return slash > 0 && GATEWAY_API_GROUPS.has(apiVersion.slice(0, slash));
}
