/**
 * The shape of Node's internal llhttp binding, `require('_http_common')`, as the HTTP/1.1 front
 * end (h1/parser.ts, requests) and the upstream pool (pool/llhttp.ts, responses) use it. It is
 * outside semver: both users self-test it at load and fall back when it differs, and this is the
 * one place that loads it.
 */

/** A native parser: its callbacks live in numbered slots (`kOnHeaders`, ...). */
export interface LlhttpParser {
  [slot: number]: unknown;
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | Error;
  finish(): Error | undefined;
  consume(handle: object): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  headersCompleted(): boolean;
  free(): void;
  close(): void;
}

export interface LlhttpParserClass<P extends LlhttpParser = LlhttpParser> {
  readonly prototype: Partial<P>;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  new (): P;
}

/** The libuv stream wrap under a net.Socket; net keeps its own `reading` flag in step with readStart/readStop. */
export interface StreamHandle {
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

export interface LlhttpBinding {
  readonly HTTPParser: LlhttpParserClass;
  /** llhttp's method numbers, as node:http maps them. */
  readonly methods: readonly string[];
}

/** The binding, or undefined when this Node has none of the shape above. */
export function loadBinding(): LlhttpBinding | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const common = require('_http_common') as Partial<LlhttpBinding>;
    if (typeof common.HTTPParser !== 'function' || !Array.isArray(common.methods)) return undefined;
    return common as LlhttpBinding;
  } catch {
    return undefined;
  }
}
