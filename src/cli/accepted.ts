/**
 * The objects a cluster would hold after `kubectl apply` of some manifests: what the API server
 * refuses (schema, CEL, metadata) never gets stored, so `status` and `explain` leave it out and
 * report it the way `validate` does. What only the controller refuses is stored and shows up
 * in status instead, so it is not reported here.
 */
import { CliIo } from './io';
import { loadManifests, SourcedObject } from './load';
import { collectFindings, formatFinding } from './validate';
import { checkObjects } from '../engine/check';
import { KubeObject } from '../engine/types';

export interface AcceptedObjects {
  /** Stored form (defaults applied), in input order, each with the object as read. */
  readonly objects: { readonly stored: KubeObject; readonly input: SourcedObject }[];
  /** Whether something could not be read or would be refused by the API server. */
  readonly refused: boolean;
}

export function loadAccepted(paths: readonly string[], io: CliIo, controllerName: string): AcceptedObjects {
  const loaded = loadManifests(paths, io.cwd);
  const checked = checkObjects(loaded.objects.map((o) => o.object), { controllerName });
  const refusals = checked.violations.filter((v) => v.source !== 'reference');
  const refusedIndexes = new Set(refusals.map((v) => v.index));
  for (const finding of collectFindings(loaded, refusals)) io.stderr.write(`${formatFinding(finding)}\n`);
  return {
    objects: checked.objects.flatMap((stored, index) => (refusedIndexes.has(index) ? [] : [{ stored, input: loaded.objects[index] }])),
    refused: refusals.length > 0 || loaded.problems.length > 0,
  };
}
