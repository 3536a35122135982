/**
 * The resource types the test API server serves: a few built-in kinds (CustomResourceDefinition
 * and the RBAC kinds among them), and the Gateway API kinds as the v1.6.1 standard CRDs declare them (read at start,
 * so discovery follows the CRDs).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
}

export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: string[];
  readonly categories: string[];
  readonly statusSubresource: boolean;
  /** A custom resource: merge-patch only, defaulted and validated by the engine. */
  readonly custom: boolean;
  /** metadata.generation is 1 at create and bumped by spec changes (custom resources, CRDs, workloads). */
  readonly generation: boolean;
  /** An update (PUT) must carry metadata.resourceVersion (custom resources, CRDs). */
  readonly requiresResourceVersion: boolean;
  /** Version the object is stored in; other served versions are views of the same objects. */
  readonly storageVersion: string;
  readonly printerColumns: PrinterColumn[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(group: string, version: string, kind: string, plural: string, namespaced: boolean,
  shortNames: string[] = [], statusSubresource = false, categories: string[] = [], generation = false): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories,
    statusSubresource,
    custom: false,
    generation,
    requiresResourceVersion: generation,
    storageVersion: version,
    printerColumns: [],
  };
}

const BUILTIN: ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, ['ns'], true),
  builtin('', 'v1', 'Service', 'services', true, ['svc'], true, ['all']),
  builtin('', 'v1', 'Secret', 'secrets', true),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  builtin('', 'v1', 'Pod', 'pods', true, ['po'], true, ['all']),
  builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  // Workloads keep a generation (their status reports the one observed) but, like every built-in
  // kind, take an update without resourceVersion.
  { ...builtin('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], true, ['all'], true), requiresResourceVersion: false },
  { ...builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb'], true, [], true), requiresResourceVersion: false },
  builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  builtin('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  builtin('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  builtin('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  // Built in, yet like a custom resource it keeps a generation and refuses unconditional updates.
  builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['crd', 'crds'], true, ['api-extensions'], true),
];

/** The CustomResourceDefinition documents of the YAML files in `crdDir`, in file order. */
export function loadCrds(crdDir: string): any[] {
  const crds: any[] = [];
  for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind === 'CustomResourceDefinition') crds.push(crd);
    }
  }
  return crds;
}

/** Every served (group, version, plural) of the built-in kinds and of `crds`. */
export function resourceTypes(crds: any[]): ResourceType[] {
  return [...BUILTIN, ...crds.flatMap(crdTypes)];
}

function crdTypes(crd: any): ResourceType[] {
  const spec = crd.spec;
  const versions: any[] = spec.versions ?? [];
  const storage = versions.find((v) => v.storage)?.name ?? versions[0]?.name;
  return versions.filter((v) => v.served).map((v) => ({
    group: spec.group,
    version: v.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    statusSubresource: v.subresources?.status !== undefined,
    custom: true,
    generation: true,
    requiresResourceVersion: true,
    storageVersion: storage,
    printerColumns: (v.additionalPrinterColumns ?? []).map((c: any) => ({ name: c.name, type: c.type, jsonPath: c.jsonPath })),
  }));
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** Objects of one kind share a store whatever version they are read in. */
export function storeKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}
