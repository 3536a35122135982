/* eslint-disable no-bitwise -- WebSocket frame headers are bit fields (RFC 6455 §5.2). */
/**
 * The small part of RFC 6455 the conformance checks need, shared by the echo server (server
 * side) and the harness (client side): the opening handshake's accept key, and frames.
 * Extensions and subprotocols are never negotiated, so frames carry no reserved bits.
 */
import { createHash, randomBytes } from 'crypto';
import * as net from 'net';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface Frame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

export function acceptKey(clientKey: string): string {
  return createHash('sha1').update(clientKey + HANDSHAKE_GUID).digest('base64');
}

/** Clients must mask every frame and servers must not (RFC 6455 §5.1), hence `masked`. */
export function encodeFrame(opcode: number, payload: Buffer, masked: boolean, fin = true): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  return Buffer.concat([header, applyMask(payload, mask)]);
}

function applyMask(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ mask[i % 4];
  return out;
}

/** Accumulates stream bytes and yields whole frames, since TCP may split or coalesce them. */
export class FrameReader {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): Frame | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const masked = (b[1] & 0x80) !== 0;
    let length = b[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    const raw = b.subarray(offset, offset + length);
    const payload = masked ? applyMask(raw, b.subarray(maskOffset, maskOffset + 4)) : Buffer.from(raw);
    this.buffered = b.subarray(offset + length);
    return { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload };
  }
}

/**
 * Reassembles fragmented messages and answers control frames, the duties both ends share.
 * `onMessage` sees each complete data message once.
 */
export function attachWebSocket(
  socket: net.Socket,
  masked: boolean,
  onMessage: (opcode: number, payload: Buffer) => void,
  head: Buffer = Buffer.alloc(0),
): void {
  const reader = new FrameReader();
  let fragments: Buffer[] = [];
  let fragmentOpcode = 0;
  let closing = false;
  const handle = (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      if (frame.opcode === OPCODE.ping) {
        socket.write(encodeFrame(OPCODE.pong, frame.payload, masked));
      } else if (frame.opcode === OPCODE.close) {
        if (!closing) socket.write(encodeFrame(OPCODE.close, frame.payload.subarray(0, 2), masked));
        closing = true;
        socket.end();
      } else if (frame.opcode === OPCODE.pong) {
        continue;
      } else {
        if (frame.opcode !== OPCODE.continuation) {
          fragmentOpcode = frame.opcode;
          fragments = [];
        }
        fragments.push(frame.payload);
        if (frame.fin) onMessage(fragmentOpcode, Buffer.concat(fragments));
      }
    }
  };
  socket.on('data', handle);
  if (head.length > 0) handle(head);
}
