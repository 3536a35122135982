/** GatewayClass: which classes are ours, whether we accept them, and whether we support the installed CRDs. */
import { SUPPORTED_FEATURES } from '../features';
import { KubeObject } from '../types';
import { Issue } from './finding';
import { Problem } from './ir';
import { nameOf, Snapshot } from './snapshot';
import { condition, GatewayClassStatus, Stamp } from './status';

export interface ClassNode {
  readonly name: string;
  readonly controllerName: string;
  /** Why the class is not Accepted; undefined when accepted. */
  readonly rejection?: Problem;
  /** The SupportedVersion condition's verdict on the installed CRDs. */
  readonly versions: CrdVersions;
}

/** The annotation every Gateway API CRD carries with the release it came from. */
export const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';

/** The release whose CRDs (and schemas, and rules) this engine is built on. */
export const SUPPORTED_BUNDLE = { major: 1, minor: 6, text: 'v1.6' } as const;

/** The API groups of Gateway API CRDs: the standard and experimental group and the x- group. */
const CRD_NAME_SUFFIXES = ['.gateway.networking.k8s.io', '.gateway.networking.x-k8s.io'];

/** What the installed Gateway API CRDs say about the release they came from. */
export interface CrdVersions {
  /** SupportedVersion: every Gateway API CRD seen is of the supported release (or none was seen). */
  readonly supported: boolean;
  /**
   * Accepted can still be True: an unrecognised v1 release is served best-effort (fields this
   * engine does not know are dropped by the API server or ignored). A release of another major
   * version is refused, since its v1 kinds cannot be assumed to mean what they mean here.
   */
  readonly refused: boolean;
  readonly message: string;
}

function parseBundle(value: unknown): { major: number; minor: number } | undefined {
  const m = typeof value === 'string' ? /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(value.trim()) : null;
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The verdict on the Gateway API CRDs in the snapshot (a controller sees the cluster's, a file
 * input those it contains). No CRD at all means there is nothing to contradict the schemas this
 * engine validated against, which the message says.
 */
export function crdVersions(snapshot: Snapshot): CrdVersions {
  const crds = snapshot.all('CustomResourceDefinition')
    .filter((crd) => CRD_NAME_SUFFIXES.some((suffix) => nameOf(crd).endsWith(suffix)))
    .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  if (crds.length === 0) {
    return {
      supported: true,
      refused: false,
      message: `Gateway API ${SUPPORTED_BUNDLE.text} is supported; no Gateway API CustomResourceDefinitions were seen to check their ${BUNDLE_VERSION_ANNOTATION}`,
    };
  }
  const found = new Set<string>();
  const unsupported: string[] = [];
  let refused = false;
  for (const crd of crds) {
    const raw = crd.metadata.annotations?.[BUNDLE_VERSION_ANNOTATION];
    const version = parseBundle(raw);
    if (version === undefined) {
      unsupported.push(raw === undefined ? `${nameOf(crd)} has no ${BUNDLE_VERSION_ANNOTATION} annotation` : `${nameOf(crd)} is at ${JSON.stringify(raw)}, not a version`);
      continue;
    }
    found.add(String(raw));
    if (version.major !== SUPPORTED_BUNDLE.major) refused = true;
    if (version.major !== SUPPORTED_BUNDLE.major || version.minor !== SUPPORTED_BUNDLE.minor) unsupported.push(`${nameOf(crd)} is at ${raw}`);
  }
  if (unsupported.length === 0) {
    return { supported: true, refused: false, message: `Gateway API ${[...found].sort().join(', ')} is supported` };
  }
  const shown = unsupported.slice(0, 5).join('; ') + (unsupported.length > 5 ? `; and ${unsupported.length - 5} more` : '');
  const effort = refused ? 'the class is not accepted' : 'served best-effort';
  return {
    supported: false,
    refused,
    message: `this controller supports Gateway API ${SUPPORTED_BUNDLE.text}: ${shown} (${effort}; install the ${SUPPORTED_BUNDLE.text} CRDs)`,
  };
}

/** Ours when no controllerName is given (implementation-neutral checks) or when it matches. */
export function isOurClass(gatewayClass: KubeObject, controllerName: string | undefined): boolean {
  return controllerName === undefined || gatewayClass.spec?.controllerName === controllerName;
}

export function buildGatewayClass(gatewayClass: KubeObject, versions: CrdVersions): { node: ClassNode; issue?: Issue } {
  const node = { name: nameOf(gatewayClass), controllerName: String(gatewayClass.spec?.controllerName ?? ''), versions };
  if (versions.refused) {
    return {
      node: { ...node, rejection: { reason: 'UnsupportedVersion', message: versions.message } },
      issue: { path: 'metadata', reason: 'UnsupportedVersion', message: versions.message, hint: `install the Gateway API ${SUPPORTED_BUNDLE.text} CRDs`, premise: { implementationSpecific: true } },
    };
  }
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref) return { node };
  // This controller defines no parameters resource, so no reference can resolve to one.
  const message = `parametersRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name} is not supported by this controller`;
  return {
    node: { ...node, rejection: { reason: 'InvalidParameters', message } },
    issue: {
      path: 'spec.parametersRef',
      reason: 'InvalidParameters',
      message,
      hint: 'remove spec.parametersRef',
      premise: { implementationSpecific: true },
    },
  };
}

export function gatewayClassStatus(node: ClassNode, stamp: Stamp): GatewayClassStatus {
  return {
    conditions: [
      node.rejection
        ? condition(stamp, 'Accepted', false, node.rejection.reason, node.rejection.message)
        : condition(stamp, 'Accepted', true, 'Accepted', 'GatewayClass is accepted'),
      node.versions.supported
        ? condition(stamp, 'SupportedVersion', true, 'SupportedVersion', node.versions.message)
        : condition(stamp, 'SupportedVersion', false, 'UnsupportedVersion', node.versions.message),
    ],
    supportedFeatures: [...SUPPORTED_FEATURES].sort().map((name) => ({ name })),
  };
}
