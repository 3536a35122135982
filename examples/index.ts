import { App, AppProps } from 'cdk8s';
import { buildApp as deepDive } from './deep-dive';
import { buildApp as overview } from './gateway-api-overview';
import { buildApp as platformTenant } from './platform-tenant';
import { buildApp as sharedEdge } from './shared-edge';

/** One example app per seed document; its name is also its folder under dist/. */
export interface Example {
  readonly name: string;
  readonly source: string;
  readonly build: (props?: AppProps) => App;
}

export const EXAMPLES: Example[] = [
  { name: 'gateway-api-overview', source: 'seed 000: Gateway API overview (classes, gateways, routes, canary, cert-manager)', build: overview },
  { name: 'deep-dive', source: 'seed 001: a deep dive into the Gateway API (Gateway + HTTPRoute)', build: deepDive },
  { name: 'platform-tenant', source: 'seed 002: a platform guide (tenant routes, mirroring, rewrites, cross-namespace, private gateway)', build: platformTenant },
  { name: 'shared-edge', source: 'seed 003: attachment, not annotations (shared edge, redirect, cross-namespace, advanced route)', build: sharedEdge },
];
