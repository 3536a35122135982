import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkObjects } from '../engine/check';
import { KubeObject, Violation } from '../engine/types';

/**
 * Context key that selects the CRD channel the app is validated against
 * (`standard`, the default, or `experimental`).
 */
export const CHANNEL_CONTEXT_KEY = 'cdk8s-gateway/channel';

type Messages = Map<ApiObject, string[]>;

/**
 * The check of one app, shared by every construct's validation during one synth.
 * Synthesis is synchronous, so dropping the entry in a microtask gives each synth (and each
 * `Testing.synth`) a fresh check without ever checking one app twice in a pass.
 */
const appChecks = new WeakMap<IConstruct, Messages>();
const ownedObjects = new WeakSet<ApiObject>();
const rootsWithForeignCheck = new WeakSet<IConstruct>();
const foreignChecked = new WeakSet<ApiObject>();
const standIns = new WeakMap<IConstruct, KubeObject[]>();

/**
 * Declares an object the app refers to but does not own (an imported GatewayClass), so the
 * checks treat it as present; it is never synthesized. Without it, every Gateway of an
 * imported class would escape the cross-object checks.
 */
export function registerStandIn(scope: IConstruct, manifest: KubeObject): void {
  const root = scope.node.root;
  standIns.set(root, [...(standIns.get(root) ?? []), manifest]);
}

/**
 * Makes `cdk8s synth` fail on anything the API server or a conformant controller would
 * refuse for this object, reported at the construct that owns it. The engine sees every
 * ApiObject of the app (Services, Namespaces and ReferenceGrants included), so cross-object
 * rules see what the cluster will see.
 */
export function registerSynthValidation(owner: Construct, obj: ApiObject): void {
  ownedObjects.add(obj);
  owner.node.addValidation({ validate: () => checkApp(owner.node.root).get(obj) ?? [] });

  // Gateway API objects written as plain ApiObjects (or generated L1 classes) are checked too.
  // cdk8s validates the root before its children, so the root hands each such object its own
  // validation, and the errors show at the object's path.
  const root = owner.node.root;
  if (!rootsWithForeignCheck.has(root)) {
    rootsWithForeignCheck.add(root);
    root.node.addValidation({
      validate: () => {
        for (const apiObject of checkApp(root).keys()) {
          if (ownedObjects.has(apiObject) || foreignChecked.has(apiObject)) continue;
          foreignChecked.add(apiObject);
          apiObject.node.addValidation({ validate: () => checkApp(root).get(apiObject) ?? [] });
        }
        return [];
      },
    });
  }
}

function checkApp(root: IConstruct): Messages {
  const cached = appChecks.get(root);
  if (cached) return cached;

  const apiObjects = root.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  const manifests = apiObjects.map((o) => o.toJson() as KubeObject);
  const declared = new Set(manifests.map((m) => `${m.kind}/${m.metadata?.name}`));
  const present = (standIns.get(root) ?? []).filter((m) => !declared.has(`${m.kind}/${m.metadata.name}`));
  const channel = root.node.tryGetContext(CHANNEL_CONTEXT_KEY) === 'experimental' ? 'experimental' : 'standard';
  const result = checkObjects([...manifests, ...present], { channel });

  const messages: Messages = new Map();
  for (const v of result.violations) {
    const apiObject = apiObjects[v.index];
    if (!apiObject) continue; // about a stand-in, which the app does not synthesize
    const list = messages.get(apiObject) ?? [];
    list.push(formatViolation(v, manifests[v.index]));
    messages.set(apiObject, list);
  }
  appChecks.set(root, messages);
  queueMicrotask(() => appChecks.delete(root));
  return messages;
}

/** `HTTPRoute team-a/api spec.rules[0].matches[0].path.value: <message> (got "api"); fix: <hint>` */
export function formatViolation(v: Violation, manifest: KubeObject): string {
  const who = v.namespace ? `${v.kind} ${v.namespace}/${v.name}` : `${v.kind} ${v.name}`;
  const where = v.path ? ` ${v.path}` : '';
  const value = valueAt(manifest, v.path);
  const got = (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && !v.message.includes(String(value))
    ? ` (got ${JSON.stringify(value)})`
    : '';
  const fix = v.hint ? `; fix: ${v.hint}` : '';
  return `${who}${where}: ${v.message}${got}${fix}`;
}

/** Reads `spec.rules[0].matches[0].path.value` out of an object; undefined when absent. */
function valueAt(obj: unknown, path: string): unknown {
  if (!path) return undefined;
  let cur: any = obj;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[/^\d+$/.test(part) ? Number(part) : part];
  }
  return cur;
}
