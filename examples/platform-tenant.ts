// The examples of a platform's Gateway API guide (tenant routes on a platform-owned Gateway:
// path and header routing, canary, mirroring, rewrites, header changes, cross-namespace
// backends, public and private Gateways, migration from Ingress), written with cdk8s-gateway.
// The platform's default Gateway is not owned by the tenant: it is imported by name. The
// cross-namespace ReferenceGrant is not written here: the route infers it.
import { App, AppProps, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend, CanaryRoute, CertificateRef, Gateway, GatewayClass, HeaderMatch, HttpRoute, HttpRouteFilter, IGateway,
  Listener, LoadBalancerCloud, NamespaceAdmission, PathMatch, PathModifier, SharedGateway,
} from '../src';

/** Platform team: the private Gateway beside the default (public) one. */
class GatewaySystemChart extends Chart {
  public readonly privateGateway: SharedGateway;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'gateway-system' });
    this.privateGateway = new SharedGateway(this, 'PrivateGateway', {
      metadata: { name: 'private-gateway' },
      gatewayClass: GatewayClass.fromGatewayClassName(this, 'Envoy', 'envoy'),
      // The guide leaves admission implicit; a Gateway admits only its own namespace unless told.
      admission: NamespaceAdmission.namespaces(['tenant']),
      listeners: [
        Listener.https({
          name: 'https',
          // The guide leaves the certificate out; an HTTPS listener needs one to be programmed.
          certificates: [CertificateRef.fromSecretName('private-gateway-tls')],
        }),
      ],
    });
    this.privateGateway.useInternalLoadBalancer(LoadBalancerCloud.AZURE);
  }
}

/** A tenant's routes. */
class TenantChart extends Chart {
  constructor(scope: Construct, id: string, privateGateway: IGateway) {
    super(scope, id, { namespace: 'tenant' });

    const defaultGateway = Gateway.fromGatewayAttributes(this, 'DefaultGateway', {
      name: 'default-gateway', namespace: 'gateway-system',
    });
    const parents = [{ parent: defaultGateway }];

    const svc = (name: string, port = 80, targetPort?: number) => new kplus.Service(this, name, {
      metadata: { name },
      ports: [{ name: 'http', port, targetPort }],
    });

    // Basic HTTP route.
    const exampleApp = svc('example-app', 80, 8080);
    new HttpRoute(this, 'ExampleApp', {
      metadata: { name: 'example-app' },
      parents,
      hostnames: ['example-app.example.com'],
      rules: [{ matches: [{ path: PathMatch.prefix('/') }], backends: [Backend.fromService(exampleApp)] }],
    });

    // Path-based routing.
    new HttpRoute(this, 'ExampleAppPaths', {
      metadata: { name: 'example-app-paths' },
      parents,
      hostnames: ['example-app.example.com'],
      rules: [
        { matches: [{ path: PathMatch.exact('/api/v1/health') }], backends: [Backend.fromService(svc('health-service'))] },
        { matches: [{ path: PathMatch.prefix('/api/v1') }], backends: [Backend.fromService(svc('api-service'))] },
        { matches: [{ path: PathMatch.regularExpression('^/v[0-9]+/.*') }], backends: [Backend.fromService(svc('versioned-api'))] },
        { matches: [{ path: PathMatch.prefix('/') }], backends: [Backend.fromService(svc('frontend-service'))] },
      ],
    });

    // Header-based routing.
    new HttpRoute(this, 'HeaderRouting', {
      metadata: { name: 'example-header-routing' },
      parents,
      hostnames: ['api.example.com'],
      rules: [
        { matches: [{ headers: [HeaderMatch.exact('User-Agent', 'MobileApp/1.0')] }], backends: [Backend.fromService(svc('mobile-api'))] },
        { matches: [{ headers: [HeaderMatch.exact('X-Beta-User', 'true')] }], backends: [Backend.fromService(svc('beta-api'))] },
        { backends: [Backend.fromService(svc('standard-api'))] },
      ],
    });

    // Canary: 90/10 now; 50/50 is canary.updateCanaryPercent(50).
    new CanaryRoute(this, 'Canary', {
      metadata: { name: 'canary-deployment' },
      parents,
      hostnames: ['app.example.com'],
      stable: Backend.fromService(svc('app-stable')),
      canary: Backend.fromService(svc('app-canary')),
      canaryPercent: 10,
    });

    // Request mirroring: responses from test-app are discarded.
    new HttpRoute(this, 'Mirroring', {
      metadata: { name: 'traffic-mirroring' },
      parents,
      hostnames: ['app.example.com'],
      rules: [{
        matches: [{ path: PathMatch.prefix('/') }],
        filters: [HttpRouteFilter.mirror(Backend.fromService(svc('test-app')))],
        backends: [Backend.fromService(svc('production-app'))],
      }],
    });

    // URL rewriting: strip /api/v1 before forwarding.
    const apiService = Backend.fromServiceName('api-service', { port: 80 });
    new HttpRoute(this, 'UrlRewrite', {
      metadata: { name: 'url-rewrite' },
      parents,
      hostnames: ['app.example.com'],
      rules: [{
        matches: [{ path: PathMatch.prefix('/api/v1') }],
        filters: [HttpRouteFilter.rewrite({ path: PathModifier.replacePrefixMatch('/') })],
        backends: [apiService],
      }],
    });

    // Request header modification.
    const appService = svc('app-service');
    new HttpRoute(this, 'HeaderModification', {
      metadata: { name: 'header-modification' },
      parents,
      hostnames: ['app.example.com'],
      rules: [{
        filters: [HttpRouteFilter.requestHeaders({
          add: { 'X-Forwarded-Client': 'gateway' },
          set: { 'X-Custom-Header': 'custom-value' },
          remove: ['X-Internal-Header'],
        })],
        backends: [Backend.fromService(appService)],
      }],
    });

    // Cross-namespace routing: the ReferenceGrant in shared-services is inferred.
    new HttpRoute(this, 'CrossNamespace', {
      metadata: { name: 'cross-namespace-route' },
      parents,
      hostnames: ['app.example.com'],
      rules: [{ backends: [Backend.fromServiceName('shared-api', { namespace: 'shared-services', port: 80 })] }],
    });

    // An internal-only application on the private Gateway.
    new HttpRoute(this, 'InternalApp', {
      metadata: { name: 'internal-app' },
      parents: [{ parent: privateGateway }],
      hostnames: ['internal-app.example.com'],
      rules: [{ backends: [Backend.fromService(svc('internal-service'))] }],
    });

    // The HTTPRoute equivalent of the guide's Ingress (rewrite-target: /).
    new HttpRoute(this, 'MigratedFromIngress', {
      metadata: { name: 'example-app-migrated' },
      parents,
      hostnames: ['example-app.example.com'],
      rules: [{
        matches: [{ path: PathMatch.prefix('/api') }],
        filters: [HttpRouteFilter.rewrite({ path: PathModifier.replacePrefixMatch('/') })],
        backends: [Backend.fromService(exampleApp)],
      }],
    });
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  const system = new GatewaySystemChart(app, 'gateway-system');
  new TenantChart(app, 'tenant', system.privateGateway);
  return app;
}
