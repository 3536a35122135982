// The examples of "Gateway API vs Ingress: ... Attachment, Not Annotations" (a shared edge
// Gateway with HTTP and HTTPS, routes of an app namespace, an HTTP->HTTPS redirect, a
// cross-namespace backend, and an advanced route with method, header, timeouts and a
// weighted split), written with cdk8s-gateway.
//
// Two fixes to the article's YAML, both caught by this library at synth time:
// - allowedRoutes selects *namespace* labels; the article puts the label on the routes. Here the
//   `apps` Namespace carries it.
// - the article's redirect route lives in `apps` but attaches to the `http` listener, which
//   only admits routes of `infra`: a controller refuses it (NotAllowedByListeners). Here the
//   SharedGateway creates the redirect beside itself.
import { App, AppProps, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Backend, CertificateRef, GatewayClass, HeaderMatch, HttpMethod, HttpRoute, HttpRouteFilter, Listener,
  NamespaceAdmission, PathMatch, SharedGateway,
} from '../src';

class InfraChart extends Chart {
  public readonly edge: SharedGateway;
  public readonly sharedEdge: SharedGateway;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'infra' });
    const internet = new GatewayClass(this, 'Internet', {
      metadata: { name: 'internet' },
      controllerName: 'example.net/gateway-controller',
    });

    this.edge = new SharedGateway(this, 'Edge', {
      metadata: { name: 'edge' },
      gatewayClass: internet,
      admission: NamespaceAdmission.labelled({ 'shared-gateway-access': 'true' }),
      redirectHttpToHttps: true,
      listeners: [
        Listener.http({ name: 'http', hostname: 'shop.example.com' }),
        Listener.https({
          name: 'https',
          hostname: 'shop.example.com',
          certificates: [CertificateRef.fromSecretName('shop-example-com')],
        }),
      ],
    });

    this.sharedEdge = new SharedGateway(this, 'SharedEdge', {
      metadata: { name: 'shared-edge' },
      gatewayClass: internet,
      admission: NamespaceAdmission.labelled({ 'gateway-access': 'shared-edge' }),
      listeners: [Listener.http({ name: 'web' })],
    });
  }
}

class AppsChart extends Chart {
  constructor(scope: Construct, id: string, infra: InfraChart) {
    super(scope, id, { namespace: 'apps' });

    const service = (name: string) => new kplus.Service(this, name, { metadata: { name }, ports: [{ port: 8080 }] });
    const checkoutV1 = service('checkout-v1');

    new HttpRoute(this, 'Checkout', {
      metadata: { name: 'checkout' },
      parents: [{ parent: infra.edge, sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [{
        matches: [{ path: PathMatch.prefix('/checkout') }],
        backends: [Backend.fromService(checkoutV1)],
      }],
    });

    // A backend in shared-services: its ReferenceGrant is inferred.
    new HttpRoute(this, 'Store', {
      metadata: { name: 'store' },
      parents: [{ parent: infra.sharedEdge, sectionName: 'web' }],
      hostnames: ['store.example.com'],
      rules: [{
        matches: [{ path: PathMatch.prefix('/') }],
        backends: [
          Backend.fromService(service('store-frontend')),
          Backend.fromServiceName('shared-session-api', { namespace: 'shared-services', port: 8080, weight: 1 }),
        ],
      }],
    });

    new HttpRoute(this, 'CheckoutAdvanced', {
      metadata: { name: 'checkout-advanced' },
      parents: [{ parent: infra.edge, sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [{
        matches: [{
          path: PathMatch.prefix('/api/checkout'),
          headers: [HeaderMatch.exact('x-release-channel', 'beta')],
          method: HttpMethod.POST,
        }],
        filters: [HttpRouteFilter.requestHeaders({ add: { 'x-routed-by': 'gateway-api' } })],
        timeouts: { request: Duration.seconds(10), backendRequest: Duration.seconds(2) },
        backends: [
          Backend.fromService(checkoutV1, { weight: 90 }),
          Backend.fromService(service('checkout-v2'), { weight: 10 }),
        ],
      }],
    });
  }
}

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  // Namespaces are cluster-scoped: they go in a chart without a namespace.
  const namespaces = new Chart(app, 'namespaces');
  new kplus.Namespace(namespaces, 'Apps', {
    metadata: { name: 'apps', labels: { 'shared-gateway-access': 'true', 'gateway-access': 'shared-edge' } },
  });
  const infra = new InfraChart(app, 'infra');
  new AppsChart(app, 'apps', infra);
  return app;
}
