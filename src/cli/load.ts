/**
 * Turns the paths on a command line into Kubernetes objects, the way `kubectl apply -R -f`
 * would read them, and says precisely what could not be read as an object without giving up
 * on the rest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, isMap, isNode, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { findJsonSyntaxError } from './json-syntax';
import { KubeObject } from '../engine/types';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** A path named on the command line that does not exist or cannot be read; the CLI exits 2. */
export class UnreadablePathError extends Error {}

export interface SourcedObject {
  readonly object: KubeObject;
  /** The file as the user named it (or the folder they named, joined with the path below it). */
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
}

/** Something in a file that is not a usable object: a syntax error or a document missing its identity. */
export interface LoadProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface LoadResult {
  /** Every manifest file read, in the order its objects appear. */
  readonly files: string[];
  readonly objects: SourcedObject[];
  readonly problems: LoadProblem[];
}

/**
 * Reads files and folders (recursively, manifests only, names in code-point order so every
 * machine lists them alike). Folders skip hidden entries and `node_modules`, which never hold
 * the manifests meant; a file named explicitly is read whatever its name.
 */
export function loadManifests(paths: readonly string[], cwd: string, cache?: ParseCache): LoadResult {
  const files = listFiles(paths, cwd);
  const objects: SourcedObject[] = [];
  const problems: LoadProblem[] = [];
  const parsed = new Map<string, ParsedFile>();
  for (const { shown, real } of files) {
    let text: string;
    try {
      text = fs.readFileSync(real, 'utf8');
    } catch (err) {
      throw new UnreadablePathError(`cannot read ${shown}: ${reason(err)}`);
    }
    let file = cache?.files.get(shown);
    if (file?.text !== text) {
      file = { text, objects: [], problems: [] };
      parseManifest(text, shown, file.objects, file.problems);
    }
    parsed.set(shown, file);
    objects.push(...file.objects);
    problems.push(...file.problems);
  }
  if (cache) cache.files = parsed;
  return { files: files.map(f => f.shown), objects, problems };
}

interface ParsedFile {
  readonly text: string;
  readonly objects: SourcedObject[];
  readonly problems: LoadProblem[];
}

/**
 * What the last load parsed, per file name, with the text it parsed. A watcher that reloads
 * often passes the same cache each time: unchanged files then cost a read, not a parse, and keep
 * yielding the very same object instances (so per-object work can be cached by identity
 * downstream).
 */
export class ParseCache {
  files = new Map<string, ParsedFile>();
}

/** A file as shown to the user and where it really is (symbolic links resolved). */
interface ListedFile {
  readonly shown: string;
  readonly real: string;
}

function listFiles(paths: readonly string[], cwd: string): ListedFile[] {
  const files: ListedFile[] = [];
  const seen = new Set<string>();
  const addFile = (shown: string, real: string) => {
    if (seen.has(real)) return;
    seen.add(real);
    files.push({ shown, real });
  };
  const walk = (shown: string, real: string, visiting: Set<string>) => {
    let entries: string[];
    try {
      entries = fs.readdirSync(real);
    } catch (err) {
      throw new UnreadablePathError(`cannot read ${shown}: ${reason(err)}`);
    }
    const names = entries.filter(n => !n.startsWith('.') && n !== 'node_modules').sort(compareNames);
    for (const name of names) {
      const childShown = path.join(shown, name);
      const childReal = realPath(path.join(real, name), childShown);
      const stat = statOf(childReal, childShown);
      if (stat.isDirectory()) {
        // A symlink back up the tree would otherwise be walked forever.
        if (visiting.has(childReal)) continue;
        walk(childShown, childReal, new Set([...visiting, childReal]));
      } else if (stat.isFile() && MANIFEST_EXTENSIONS.includes(path.extname(name).toLowerCase())) {
        addFile(childShown, childReal);
      }
    }
  };

  for (const given of paths) {
    const shown = displayPath(given, cwd);
    const real = realPath(path.resolve(cwd, given), shown);
    const stat = statOf(real, shown);
    if (stat.isDirectory()) walk(shown, real, new Set([real]));
    else addFile(shown, real);
  }
  return files;
}

/** Relative paths stay as typed; absolute ones are shown relative to the working directory when inside it. */
function displayPath(given: string, cwd: string): string {
  if (!path.isAbsolute(given)) return given;
  const relative = path.relative(cwd, given);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : given;
}

function realPath(p: string, shown: string): string {
  try {
    return fs.realpathSync(p);
  } catch (err) {
    throw new UnreadablePathError(`cannot read ${shown}: ${reason(err)}`);
  }
}

function statOf(p: string, shown: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (err) {
    throw new UnreadablePathError(`cannot read ${shown}: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return err instanceof Error ? err.message : String(err);
  }
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Every YAML document (JSON is read as YAML, which it is) becomes an object, the items of a
 * `List` kind become objects, empty documents are skipped, and anything else becomes a
 * problem with its line. YAML files are read as YAML 1.1, as kubectl reads them (`yes` and
 * `on` are booleans there), so a value the API server would receive as a boolean is checked as
 * one; JSON files as YAML 1.2, the version that JSON is a subset of.
 */
function parseManifest(text: string, file: string, objects: SourcedObject[], problems: LoadProblem[]) {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const json = isJson(file);
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, version: json ? '1.2' : '1.1' });
  // An input without any document parses to an empty stream rather than an array.
  if (!Array.isArray(documents)) return;

  if (json && text.trim() !== '') {
    const error = findJsonSyntaxError(text);
    if (error) {
      problems.push({ file, line: lineOf(error.offset), message: `invalid JSON: ${error.message}` });
      return;
    }
  }

  for (const doc of documents as Document.Parsed[]) {
    // Later errors in a document are mostly consequences of the first one.
    const [error] = doc.errors;
    if (error) {
      problems.push({ file, line: lineOf(error.pos[0]), message: `invalid ${json ? 'JSON' : 'YAML'}: ${firstLine(error.message)}` });
      continue;
    }
    const contents = doc.contents;
    if (contents === null) continue;
    const start = lineOf(contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = withTimestampsAsText(doc.toJS());
    } catch (err) {
      problems.push({ file, line: start, message: `invalid YAML: ${err instanceof Error ? firstLine(err.message) : String(err)}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    collect(value, contents, start, file, lineOf, objects, problems);
  }
}

function collect(
  value: unknown,
  node: unknown,
  line: number,
  file: string,
  lineOf: (offset: number) => number,
  objects: SourcedObject[],
  problems: LoadProblem[],
) {
  if (!isPlainObject(value)) {
    problems.push({ file, line, message: 'not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.name' });
    return;
  }
  if (isList(value)) {
    const items = (value.items ?? []) as unknown[];
    const itemNodes = isMap(node) ? node.get('items', true) : undefined;
    items.forEach((item, i) => {
      const itemNode = isSeq(itemNodes) ? itemNodes.items[i] : undefined;
      const itemLine = isNode(itemNode) && itemNode.range ? lineOf(itemNode.range[0]) : line;
      collect(item, itemNode, itemLine, file, lineOf, objects, problems);
    });
    return;
  }

  const metadata = value.metadata;
  const missing = [
    ...(isNonEmptyString(value.apiVersion) ? [] : ['apiVersion']),
    ...(isNonEmptyString(value.kind) ? [] : ['kind']),
    ...(isPlainObject(metadata) && isNonEmptyString(metadata.name) ? [] : ['metadata.name']),
  ];
  if (missing.length > 0) {
    const subject = isNonEmptyString(value.kind) ? value.kind : 'object';
    problems.push({ file, line, message: `${subject} is missing ${missing.join(', ')} (every object needs apiVersion, kind and metadata.name)` });
    return;
  }
  objects.push({ object: value as unknown as KubeObject, file, line });
}

/** `kind: List` (with or without items) and typed lists such as `HTTPRouteList` with an items array. */
function isList(value: Record<string, unknown>): boolean {
  if (value.kind === 'List') return value.items === undefined || Array.isArray(value.items);
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isJson(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/**
 * YAML 1.1 reads an unquoted `2024-01-01T00:00:00Z` as a timestamp, which the engine's copies
 * (and JSON) would lose; the API server receives it as RFC 3339 text, so it becomes text again here.
 */
function withTimestampsAsText<T>(value: T): T {
  if (value instanceof Date) return (Number.isNaN(value.getTime()) ? String(value) : value.toISOString().replace(/\.000Z$/, 'Z')) as T;
  if (Array.isArray(value)) return value.map(withTimestampsAsText) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTimestampsAsText(v)])) as T;
  }
  return value;
}
