/**
 * Authentication by bearer token and authorization as the API server's RBAC authorizer decides
 * it: a request's attributes are read from its URL alone (as the real RequestInfoFactory does,
 * before anything knows whether the resource exists), then the rules of the ClusterRoles and
 * Roles bound to the user are searched for one that allows them.
 */
import { ApiError } from './status';

/** A user a bearer token stands for, as given in `TestApiServerOptions.tokens`. */
export interface TokenUser {
  readonly user: string;
  readonly groups?: string[];
}

export interface UserInfo {
  readonly name: string;
  readonly groups: string[];
}

/** The token of the kubeconfig the server writes by default: a member of system:masters, never checked. */
export const ADMIN_TOKEN = 'test';
export const ADMIN: UserInfo = { name: 'test', groups: ['system:masters', 'system:authenticated'] };

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/**
 * The user of a request's bearer token, or of `fallback` when it sends none (the token its port
 * stands for); no token or an unknown one is 401.
 */
export function authenticate(authorization: string | undefined, fallback: string | undefined,
  tokens: Record<string, TokenUser> | undefined): UserInfo {
  const m = (authorization ?? '').match(/^\s*bearer\s+(\S+)\s*$/i);
  const token = m?.[1] ?? fallback;
  if (token === ADMIN_TOKEN) return ADMIN;
  const known = token === undefined || tokens === undefined || !Object.prototype.hasOwnProperty.call(tokens, token) ? undefined : tokens[token];
  if (known === undefined) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  return userInfo(known);
}

/** The groups the real token authenticators add: every user's, and a ServiceAccount's own. */
function userInfo(t: TokenUser): UserInfo {
  const groups = [...t.groups ?? []];
  const sa = t.user.match(SERVICE_ACCOUNT);
  if (sa) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  groups.push('system:authenticated');
  return { name: t.user, groups: [...new Set(groups)] };
}

export type Attributes =
  | { readonly resourceRequest: false; readonly verb: string; readonly path: string }
  | {
    readonly resourceRequest: true;
    readonly verb: string;
    readonly group: string;
    readonly version: string;
    readonly resource: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
  };

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
/** What a namespace itself has under /namespaces/NAME/: not resources in the namespace. */
const NAMESPACE_SUBRESOURCES = ['status', 'finalize'];

/** The attributes RBAC decides on, read from the request as the real server reads them. */
export function attributes(pathname: string, method: string, q: URLSearchParams): Attributes {
  let parts = pathname.split('/').filter((p) => p !== '');
  const nonResource = { resourceRequest: false as const, verb: method.toLowerCase(), path: pathname };
  // /api/V/... is the core group; /apis/G/V/... a named one; anything shorter is discovery.
  const prefix = parts[0];
  if (parts.length < 3 || (prefix !== 'api' && prefix !== 'apis')) return nonResource;
  let group = '';
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return nonResource;
    group = parts[0];
    parts = parts.slice(1);
  }
  const version = parts[0];
  parts = parts.slice(1);
  let verb = METHOD_VERBS[method] ?? '';

  let namespace: string | undefined;
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1];
      // /namespaces/NS/RESOURCE...: a resource in the namespace; /namespaces/NS(/status) is the namespace.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.includes(parts[2])) parts = parts.slice(2);
    }
  }
  const resource = parts[0] ?? '';
  let name: string | undefined = parts[1];
  const subresource: string | undefined = parts[2];

  const watch = q.get('watch') === 'true' || q.get('watch') === '1';
  if (name === undefined && verb === 'get') {
    verb = watch ? 'watch' : 'list';
    // A list or watch that selects one name is authorized for that name, so resourceNames can allow it.
    name = selectedName(q.get('fieldSelector'));
  } else if (name !== undefined && verb === 'get' && watch) {
    verb = 'watch';
  }
  if (name === undefined && verb === 'delete') verb = 'deletecollection';
  return { resourceRequest: true, verb, group, version, resource, subresource, namespace, name };
}

/** X when the field selector requires `metadata.name=X` (or `==X`). */
function selectedName(selector: string | null): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(',')) {
    const m = term.trim().match(/^metadata\.name\s*==?\s*(.+)$/);
    if (m && !m[1].startsWith('=')) return m[1].trim();
  }
  return undefined;
}

/** Paths every authenticated user may read: what the system:discovery and system:public-info-viewer roles allow. */
const PUBLIC_PATHS = [/^\/(api|apis|openapi)(\/.*)?$/, /^\/version\/?$/, /^\/(healthz|livez|readyz)(\/.*)?$/];

/** The stored RBAC objects, by plural: `roles` and `rolebindings` of a namespace, the cluster ones with none. */
export type RbacObjects = (plural: 'roles' | 'rolebindings' | 'clusterroles' | 'clusterrolebindings', namespace?: string) => any[];

/**
 * Allows the request or throws 403 Forbidden worded as the real server words it. Missing roles
 * referenced by a binding of the user are named in the message, as the real authorizer does.
 */
export function authorize(user: UserInfo, attrs: Attributes, objects: RbacObjects): void {
  if (!attrs.resourceRequest && attrs.verb === 'get' && PUBLIC_PATHS.some((p) => p.test(attrs.path))) return;
  const errors: string[] = [];
  const allows = (rules: any[] | undefined) => (rules ?? []).some((r) => ruleAllows(r, attrs));

  for (const b of objects('clusterrolebindings')) {
    if (!(b.subjects ?? []).some((s: any) => appliesTo(user, s, ''))) continue;
    const rules = roleRules(b.roleRef, undefined, objects, errors);
    if (allows(rules)) return;
  }
  if (attrs.resourceRequest && attrs.namespace !== undefined) {
    for (const b of objects('rolebindings', attrs.namespace)) {
      if (!(b.subjects ?? []).some((s: any) => appliesTo(user, s, attrs.namespace!))) continue;
      const rules = roleRules(b.roleRef, attrs.namespace, objects, errors);
      if (allows(rules)) return;
    }
  }
  throw forbidden(user, attrs, errors);
}

function appliesTo(user: UserInfo, subject: any, bindingNamespace: string): boolean {
  switch (subject?.kind) {
    case 'User': return subject.name === user.name;
    case 'Group': return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding's ServiceAccount subject without a namespace is of the binding's namespace.
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default: return false;
  }
}

/** The rules a binding's roleRef names; a Role only from a RoleBinding, of its own namespace. */
function roleRules(roleRef: any, namespace: string | undefined, objects: RbacObjects, errors: string[]): any[] | undefined {
  const kind = roleRef?.kind;
  const name = roleRef?.name;
  let role: any;
  if (kind === 'ClusterRole') {
    role = objects('clusterroles').find((r) => r.metadata.name === name);
    if (role === undefined) errors.push(`clusterrole.rbac.authorization.k8s.io "${name}" not found`);
  } else if (kind === 'Role' && namespace !== undefined) {
    role = objects('roles', namespace).find((r) => r.metadata.name === name);
    if (role === undefined) errors.push(`role.rbac.authorization.k8s.io "${name}" not found`);
  } else {
    errors.push(`unsupported role reference kind: "${kind}"`);
  }
  return role?.rules;
}

function ruleAllows(rule: any, attrs: Attributes): boolean {
  const verbs: string[] = rule?.verbs ?? [];
  if (!verbs.includes('*') && !verbs.includes(attrs.verb)) return false;
  if (!attrs.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u: string) => u === '*' || u === attrs.path || (u.endsWith('*') && attrs.path.startsWith(u.slice(0, -1))));
  }
  const groups: string[] = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(attrs.group)) return false;
  const resource = attrs.subresource === undefined ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const resources: string[] = rule.resources ?? [];
  const resourceMatches = resources.some((r) => r === '*' || r === resource || (attrs.subresource !== undefined && r === `*/${attrs.subresource}`));
  if (!resourceMatches) return false;
  const names: string[] = rule.resourceNames ?? [];
  return names.length === 0 || (attrs.name !== undefined && names.includes(attrs.name));
}

/** 403 as the real server answers it: `<resource>[ "<name>"] is forbidden: User ... cannot ...`. */
export function forbidden(user: UserInfo, attrs: Attributes, errors: string[] = []): ApiError {
  const unique = [...new Set(errors)];
  const reason = unique.length === 0 ? '' : `: RBAC: ${unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`}`;
  if (!attrs.resourceRequest) {
    return new ApiError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"${reason}`, {});
  }
  const resource = attrs.subresource === undefined ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const scope = attrs.namespace === undefined ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  const why = `User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}${reason}`;
  const qualified = attrs.group === '' ? attrs.resource : `${attrs.resource}.${attrs.group}`;
  const message = attrs.name === undefined ? `${qualified} is forbidden: ${why}` : `${qualified} "${attrs.name}" is forbidden: ${why}`;
  return new ApiError(403, 'Forbidden', message, { name: attrs.name, group: attrs.group || undefined, kind: attrs.resource });
}
