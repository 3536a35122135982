import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ReferenceGrant } from '../reference-grant';
import { GATEWAY_API_GROUP, toDnsLabel } from './util';

/** Context key that turns grant inference off for a whole app (`false`). */
export const INFER_GRANTS_CONTEXT_KEY = 'cdk8s-gateway/infer-reference-grants';

/** A cross-namespace reference that needs a grant in the target's namespace. */
export interface CrossNamespaceReference {
  readonly fromKind: string;
  readonly fromNamespace: string | undefined;
  readonly toGroup: string;
  readonly toKind: string;
  readonly toName: string;
  readonly toNamespace: string | undefined;
}

const grantsByApp = new WeakMap<IConstruct, Map<string, ReferenceGrant>>();

/**
 * Creates (once per app) the ReferenceGrant that a reference needs, in the target namespace.
 * One grant per (target namespace, from kind/namespace, to kind/name); its name is derived
 * from those, so it is stable across runs and readable in `kubectl get referencegrants`.
 *
 * @returns the grant, or undefined when the reference stays in one namespace
 */
export function inferReferenceGrant(requester: Construct, ref: CrossNamespaceReference, describe: string): ReferenceGrant | undefined {
  if (ref.fromNamespace === ref.toNamespace) return undefined;
  if (ref.fromNamespace === undefined || ref.toNamespace === undefined) {
    const unknown = ref.fromNamespace === undefined ? `the ${ref.fromKind}'s namespace` : `the namespace of ${ref.toKind} ${ref.toName}`;
    throw new Error(`cannot infer the ReferenceGrant for ${describe}: ${unknown} is not known; `
      + 'set metadata.namespace (or the chart\'s namespace) on both sides, or pass inferReferenceGrants: false and grant it yourself');
  }
  const root = requester.node.root;
  let grants = grantsByApp.get(root);
  if (!grants) {
    grants = new Map();
    grantsByApp.set(root, grants);
  }
  const key = [ref.toNamespace, ref.fromKind, ref.fromNamespace, ref.toGroup, ref.toKind, ref.toName].join('|');
  const existing = grants.get(key);
  if (existing) return existing;

  const name = grantName(ref);
  const chart = Chart.of(requester);
  const container = (chart.node.tryFindChild('InferredReferenceGrants') as Construct | undefined)
    ?? new Construct(chart, 'InferredReferenceGrants');
  const grant = new ReferenceGrant(container, name, {
    metadata: {
      name,
      namespace: ref.toNamespace,
      annotations: { 'gateway.cdk8s.io/inferred': 'true' },
    },
    from: [{ group: GATEWAY_API_GROUP, kind: ref.fromKind, namespace: ref.fromNamespace }],
    to: [{ group: ref.toGroup, kind: ref.toKind, name: ref.toName }],
  });
  grants.set(key, grant);
  return grant;
}

/** Whether grant inference is on for a construct (its own option wins over the app's context). */
export function grantInferenceEnabled(scope: IConstruct, option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  const ctx = scope.node.tryGetContext(INFER_GRANTS_CONTEXT_KEY);
  return !(ctx === false || ctx === 'false');
}

function grantName(ref: CrossNamespaceReference): string {
  const target = ref.toGroup === '' ? ref.toKind : `${ref.toKind}-${ref.toGroup}`;
  const name = toDnsLabel(`${ref.fromNamespace}-${ref.fromKind}-to-${target}-${ref.toName}`);
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 244).replace(/-+$/, '')}-${hash}`;
}
