/**
 * A request as the HTTP/1 front end hands it to the proxy: the fields routing reads, straight
 * from llhttp, and the body as a Readable made only when someone asks for it. Body bytes are
 * pushed as llhttp parses them; when the stream is full the connection stops reading the
 * socket, and the stream's consumer asking for more starts it again.
 */
import type { Socket } from 'net';
import { Readable } from 'stream';
import type { StreamedRequest } from '../http';

/** What a request needs of its connection for backpressure on its body. */
export interface BodySource {
  /** The body stream is full: stop reading the socket while this request's body is being parsed. */
  bodyFull(request: H1Request): void;
  /** The body's consumer wants more. */
  bodyWanted(request: H1Request): void;
}

/** Request bodies are read in llhttp's 64 KiB reads; a smaller mark would stop the socket after every read. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

function ignore(): void {}

class RequestBody extends Readable {
  constructor(private readonly request: H1Request, private readonly source: BodySource) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    // A cut-short body errors for the consumers that listen; one that already left (the upstream
    // was aborted first) must not turn that error into an uncaught exception.
    this.on('error', ignore);
  }

  _read(): void {
    this.source.bodyWanted(this.request);
  }

  _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // A consumer that gives up (the upstream failed) must not leave the socket stopped.
    this.request.drop();
    callback(err);
  }
}

export class H1Request implements StreamedRequest {
  /** Set once llhttp has parsed the whole message, body included. */
  complete = false;
  /** For an upgrade: the bytes that followed its head in the same read (the other protocol's first bytes). */
  upgradeHead: Buffer | undefined;
  private stream: RequestBody | undefined;
  /** Nobody reads the rest of the body: it is parsed and dropped, so the connection can go on. */
  private dropping = false;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    readonly socket: Socket,
    /** llhttp's verdict from the version and Connection header: may the connection serve another request? */
    readonly keepAlive: boolean,
    readonly upgrade: boolean,
    /** `Expect: 100-continue`: the client waits for an interim answer before it sends the body. */
    readonly expectsContinue: boolean,
    private readonly source: BodySource,
  ) {}

  body(): Readable {
    if (!this.stream) {
      this.stream = new RequestBody(this, this.source);
      if (this.complete) this.stream.push(null);
    }
    return this.stream;
  }

  /** A piece of the body from llhttp. Bytes arriving before anyone asked are kept in the stream too. */
  pushBody(chunk: Buffer): void {
    if (this.dropping) return;
    const stream = this.stream ??= new RequestBody(this, this.source);
    if (stream.destroyed) return;
    if (!stream.push(chunk)) this.source.bodyFull(this);
  }

  /** llhttp reached the end of the message. */
  finish(): void {
    this.complete = true;
    if (this.stream && !this.dropping && !this.stream.destroyed) this.stream.push(null);
  }

  /** Nobody wants the rest of the body (the response is done, or the consumer left): it is read and thrown away. */
  drop(): void {
    if (this.complete || this.dropping) return;
    this.dropping = true;
    this.stream?.destroy();
    this.source.bodyWanted(this);
  }

  /** The body can never complete (the client left or broke the framing): its consumer sees an error. */
  abort(): void {
    if (this.complete) return;
    this.dropping = true;
    this.stream?.destroy(new Error('the client request was cut short'));
  }
}
