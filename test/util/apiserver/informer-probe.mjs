// Runs a @kubernetes/client-node informer against a kubeconfig and prints what it sees, one
// JSON line per event, so a CommonJS jest test can check informers against the test server
// (client-node is ESM-only and cannot be loaded inside jest).
// Usage: node informer-probe.mjs KUBECONFIG GROUP VERSION PLURAL NAMESPACE
import * as k8s from '@kubernetes/client-node';

const [kubeconfig, group, version, plural, namespace] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const api = kc.makeApiClient(k8s.CustomObjectsApi);
const out = (event, obj) => process.stdout.write(JSON.stringify({ event, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion }) + '\n');

let lists = 0;
const list = () => {
  lists++;
  out('list', { metadata: { name: String(lists) } });
  return api.listNamespacedCustomObject({ group, version, namespace, plural });
};
const informer = k8s.makeInformer(kc, `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, list);
for (const e of ['add', 'update', 'delete']) informer.on(e, (obj) => out(e, obj));
informer.on('connect', () => out('connect'));
// An informer stops on an error; a controller restarts it, as this probe does.
informer.on('error', (err) => {
  out('error', { metadata: { name: String(err?.statusCode ?? err?.code ?? err) } });
  setTimeout(() => informer.start().catch(() => undefined), 200);
});
await informer.start();
