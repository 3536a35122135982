// The examples of "Gateway API" (an overview of GatewayClass, Gateway, HTTPRoute, traffic
// splitting and TLS with cert-manager), written with cdk8s-gateway.
import { App, AppProps, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AllowedRoutes, Backend, CanaryRoute, CertManagerIssuer, CertificateRef, Gateway, GatewayClass, HttpRoute,
  HttpRouteFilter, Listener, PathMatch,
} from '../src';

/** Platform team: the class and the production Gateway in `infra`. */
class InfraChart extends Chart {
  public readonly gateway: Gateway;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'infra' });

    const nginx = new GatewayClass(this, 'Nginx', {
      metadata: { name: 'nginx' },
      controllerName: 'k8s.nginx.org/nginx-gateway-controller',
    });

    this.gateway = new Gateway(this, 'ProdGateway', {
      metadata: { name: 'prod-gateway' },
      gatewayClass: nginx,
      listeners: [
        Listener.http({ name: 'http' }),
        Listener.https({
          name: 'https',
          certificates: [CertificateRef.fromSecretName('example-tls')],
          // Only namespaces labelled gateway-access=allowed may attach routes.
          allowedRoutes: AllowedRoutes.fromNamespacesLabelled({ 'gateway-access': 'allowed' }),
        }),
      ],
    });
    // cert-manager writes the example-tls Secret for the HTTPS listener.
    this.gateway.addCertManagerIssuer(CertManagerIssuer.clusterIssuer('letsencrypt-prod'));
  }
}

/** App team: routes in `production`. */
class ProductionChart extends Chart {
  constructor(scope: Construct, id: string, gateway: Gateway) {
    super(scope, id, { namespace: 'production' });

    const service = (name: string) => new kplus.Service(this, name, {
      metadata: { name },
      ports: [{ port: 8080 }],
    });
    const v1 = service('api-v1');
    const v2 = service('api-v2');

    new HttpRoute(this, 'ApiRoute', {
      metadata: { name: 'api-route' },
      parents: [{ parent: gateway, sectionName: 'https' }],
      hostnames: ['api.example.com'],
      rules: [
        {
          matches: [{ path: PathMatch.prefix('/v1') }],
          filters: [HttpRouteFilter.requestHeaders({ add: { 'X-Version': '1' } })],
          backends: [Backend.fromService(v1)],
        },
        {
          matches: [{ path: PathMatch.prefix('/v2') }],
          backends: [Backend.fromService(v2)],
        },
      ],
    });

    // Traffic splitting: 90 % stable, 10 % canary; move it with updateCanaryPercent().
    new CanaryRoute(this, 'CanarySplit', {
      metadata: { name: 'canary-split' },
      parents: [{ parent: gateway, sectionName: 'https' }],
      hostnames: ['api.example.com'],
      matches: [{ path: PathMatch.prefix('/') }],
      stable: Backend.fromService(service('api-stable')),
      canary: Backend.fromService(service('api-canary')),
      canaryPercent: 10,
    });
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  // Namespaces are cluster-scoped: they go in a chart without a namespace.
  const namespaces = new Chart(app, 'namespaces');
  new kplus.Namespace(namespaces, 'Production', {
    metadata: { name: 'production', labels: { 'gateway-access': 'allowed' } },
  });
  const infra = new InfraChart(app, 'infra');
  new ProductionChart(app, 'production', infra.gateway);
  return app;
}
