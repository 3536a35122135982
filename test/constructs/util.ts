import { App, Chart, Testing } from 'cdk8s';

/** A fresh app and a chart in `namespace` (none when undefined). */
export function chartIn(namespace?: string, app: App = Testing.app()): Chart {
  return new Chart(app, namespace ?? 'cluster', { namespace });
}

/** Synthesizes the whole app of a chart (validation included) into plain objects. */
export function synthApp(chart: Chart): any[] {
  const app = chart.node.root as App;
  return app.charts.flatMap((c) => Testing.synth(c));
}

export function ofKind(objects: any[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

export function only(objects: any[], kind: string): any {
  const found = ofKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
