/**
 * Everything translate refuses, at the field that causes it. Status conditions say the same
 * thing per object; findings add the field path, a hint, and what the verdict takes for
 * granted about objects that may simply live outside the input (another repository, the
 * cluster), so that a partial input can be checked without false alarms.
 */
import { KubeObject } from '../types';
import { nameOf, namespaceOf, Snapshot } from './snapshot';

/** What a finding assumes about the world beyond the input. Empty when the verdict is certain. */
export interface Premise {
  /** The referenced object is not in the input and is assumed not to exist at all. */
  readonly missingObject?: { readonly kind: string; readonly namespace: string; readonly name: string };
  /** No ReferenceGrant in this namespace permits the reference, as far as the input shows. */
  readonly missingGrantIn?: string;
  /** This Namespace is not in the input, so its labels beyond `kubernetes.io/metadata.name` are unknown. */
  readonly unknownNamespaceLabels?: string;
  /** The verdict is about what this implementation supports, not about the Gateway API itself. */
  readonly implementationSpecific?: boolean;
}

export interface Finding {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Field path in the API server's notation, e.g. `spec.rules[1].backendRefs[0]`. */
  readonly path: string;
  /** The condition reason a controller writes, e.g. `NotAllowedByListeners`. */
  readonly reason: string;
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
  readonly premise: Premise;
}

export interface Issue {
  readonly path: string;
  readonly reason: string;
  readonly message: string;
  readonly hint: string;
  readonly premise?: Premise;
}

/** Where translation steps report what they refuse, each about one object. */
export interface FindingSink {
  report(obj: KubeObject, issue: Issue): void;
}

export function findingOf(obj: KubeObject, issue: Issue): Finding {
  return {
    kind: obj.kind,
    namespace: namespaceOf(obj),
    name: nameOf(obj),
    path: issue.path,
    reason: issue.reason,
    message: issue.message,
    hint: issue.hint,
    premise: issue.premise ?? {},
  };
}

/** Collects findings and returns them in input order, whatever order the translation visits objects in. */
export class Findings implements FindingSink {
  private readonly entries: { order: number; seq: number; finding: Finding }[] = [];

  constructor(private readonly snapshot: Snapshot) {}

  report(obj: KubeObject, issue: Issue): void {
    this.entries.push({ order: this.snapshot.indexOf(obj), seq: this.entries.length, finding: findingOf(obj, issue) });
  }

  list(): Finding[] {
    return [...this.entries].sort((a, b) => a.order - b.order || a.seq - b.seq).map((e) => e.finding);
  }
}
