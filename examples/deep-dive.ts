// The example of "A Deep Dive into the Kubernetes Gateway API": one Gateway with an HTTP
// listener and one HTTPRoute that sends /app to app-service, written with cdk8s-gateway.
import { App, AppProps, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Backend, Gateway, GatewayClass, HttpRoute, Listener, PathMatch } from '../src';

export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  const chart = new Chart(app, 'web', { namespace: 'default' });

  const gateway = new Gateway(chart, 'WebGateway', {
    metadata: { name: 'web-gateway' },
    // The class is installed by Azure's Application Gateway for Containers, not by this app.
    gatewayClass: GatewayClass.fromGatewayClassName(chart, 'AzureClass', 'azure-application-gateway'),
    listeners: [Listener.http({ name: 'http' })],
  });

  const app80 = new kplus.Service(chart, 'AppService', {
    metadata: { name: 'app-service' },
    ports: [{ port: 80, targetPort: 8080 }],
  });

  new HttpRoute(chart, 'WebRoutes', {
    metadata: { name: 'web-routes' },
    parents: [{ parent: gateway }],
    rules: [{
      matches: [{ path: PathMatch.prefix('/app') }],
      backends: [Backend.fromService(app80)],
    }],
  });
  return app;
}
