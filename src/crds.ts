import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { CrdBundle } from './crds/bundles';

/** A release channel of the Gateway API CRDs. */
export enum GatewayApiChannel {
  /** GA and beta kinds and fields: what most clusters run. */
  STANDARD = 'standard',
  /** Standard plus experimental kinds (XMesh, XBackendTrafficPolicy) and fields. */
  EXPERIMENTAL = 'experimental',
}

export interface GatewayApiCrdsProps {
  /**
   * The channel to install.
   *
   * @default GatewayApiChannel.STANDARD
   */
  readonly channel?: GatewayApiChannel;

  /**
   * Install the `safe-upgrades` ValidatingAdmissionPolicy of the release, which refuses
   * experimental CRDs over standard ones and downgrades below v1.5. Needs Kubernetes 1.30+.
   *
   * @default true
   */
  readonly safeUpgradePolicy?: boolean;

  /**
   * Labels added to every object.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * The Gateway API v1.6.1 install manifests (CustomResourceDefinitions and the release's
 * admission policy) as a chart of their own, so GitOps can apply them before anything that
 * uses them (`otherChart.addDependency(crds)`, an Argo CD sync wave, a Flux dependsOn).
 * Descriptions are kept: `kubectl explain` reads them. The CRDs exceed the size of kubectl's
 * last-applied annotation: apply with `kubectl apply --server-side`.
 */
export class GatewayApiCrds extends Chart {
  /** The Gateway API release, e.g. `v1.6.1`. */
  public readonly bundleVersion: string;
  public readonly channel: GatewayApiChannel;

  public constructor(scope: Construct, id: string, props: GatewayApiCrdsProps = {}) {
    super(scope, id, { labels: props.labels });
    this.channel = props.channel ?? GatewayApiChannel.STANDARD;
    // Loaded here, not at import: the bundles are large and most apps never use them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle: CrdBundle = (require('./crds/bundles') as typeof import('./crds/bundles')).BUNDLES[this.channel];
    this.bundleVersion = bundle.bundleVersion;
    const policy = props.safeUpgradePolicy ?? true;
    for (const obj of bundle.objects) {
      if (!policy && obj.kind !== 'CustomResourceDefinition') continue;
      const { apiVersion, kind, metadata, ...rest } = structuredClone(obj) as any;
      new ApiObject(this, `${kind}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
    }
  }
}
