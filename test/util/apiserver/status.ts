/** The `Status` objects the API server answers errors with, and the error type that carries them. */
import { ResourceType } from './resources';

export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] },
  ) { super(message); }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...this.details ? { details: this.details } : {},
      code: this.code,
    };
  }
}

/** `httproutes.gateway.networking.k8s.io`, or just `services` for the core group. */
export function qualifiedResource(t: ResourceType): string {
  return t.group === '' ? t.plural : `${t.plural}.${t.group}`;
}

export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, { name, group: t.group || undefined, kind: t.plural });
}

export function alreadyExists(t: ResourceType, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, { name, group: t.group || undefined, kind: t.plural });
}

export function conflict(t: ResourceType, name: string): ApiError {
  return new ApiError(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: t.group || undefined, kind: t.plural });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** The field error's type is the first words of its message, as the API server writes it. */
function causeReason(message: string): string {
  const prefixes: Array<[string, string]> = [
    ['Required value', 'FieldValueRequired'], ['Unsupported value', 'FieldValueNotSupported'],
    ['Duplicate value', 'FieldValueDuplicate'], ['Forbidden', 'FieldValueForbidden'],
    ['Too long', 'FieldValueTooLong'], ['Too many', 'FieldValueTooMany'], ['Invalid value', 'FieldValueInvalid'],
  ];
  return prefixes.find(([p]) => message.startsWith(p))?.[1] ?? 'FieldValueInvalid';
}

/** 422 Invalid with one cause per field error, worded like the API server's. */
export function invalid(t: ResourceType, name: string, errors: Array<{ path: string; message: string }>): ApiError {
  const causes = errors.map((e) => ({ reason: causeReason(e.message), message: e.message, field: e.path || undefined }));
  const parts = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const kind = t.group === '' ? t.kind : `${t.kind}.${t.group}`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, { name, group: t.group || undefined, kind: t.kind, causes });
}
