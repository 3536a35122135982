/** GatewayClass: which classes are ours, and whether we accept them. */
import { KubeObject } from '../types';
import { Issue } from './finding';
import { Problem } from './ir';
import { nameOf } from './snapshot';
import { condition, GatewayClassStatus, Stamp } from './status';

export interface ClassNode {
  readonly name: string;
  readonly controllerName: string;
  /** Why the class is not Accepted; undefined when accepted. */
  readonly rejection?: Problem;
}

/** Ours when no controllerName is given (implementation-neutral checks) or when it matches. */
export function isOurClass(gatewayClass: KubeObject, controllerName: string | undefined): boolean {
  return controllerName === undefined || gatewayClass.spec?.controllerName === controllerName;
}

export function buildGatewayClass(gatewayClass: KubeObject): { node: ClassNode; issue?: Issue } {
  const node = { name: nameOf(gatewayClass), controllerName: String(gatewayClass.spec?.controllerName ?? '') };
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref) return { node };
  // This controller defines no parameters resource, so no reference can resolve to one.
  const message = `parametersRef ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name} is not supported by this controller`;
  return {
    node: { ...node, rejection: { reason: 'InvalidParameters', message } },
    issue: {
      path: 'spec.parametersRef',
      reason: 'InvalidParameters',
      message,
      hint: 'remove spec.parametersRef',
      premise: { implementationSpecific: true },
    },
  };
}

export function gatewayClassStatus(node: ClassNode, stamp: Stamp): GatewayClassStatus {
  return {
    conditions: [
      node.rejection
        ? condition(stamp, 'Accepted', false, node.rejection.reason, node.rejection.message)
        : condition(stamp, 'Accepted', true, 'Accepted', 'GatewayClass is accepted'),
      condition(stamp, 'SupportedVersion', true, 'SupportedVersion', 'Gateway API v1.6 is supported'),
    ],
  };
}
