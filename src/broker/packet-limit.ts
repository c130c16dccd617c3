/**
 * Refuse oversized packets at the fixed header, before their body is buffered. aedes sets no maximum
 * packet size, so a client announcing 256 MB would make the parser buffer it (docs/limits.md).
 * mqtt-packet's parser reads the remaining length in `_parseLength`; we check it right there, which
 * costs nothing per byte. A test sends an oversized packet to keep this honest across upgrades.
 */

import { GatewayError } from '../errors.ts';

interface PacketParser {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/** `maxBytes` is asked at every packet: the first packet (CONNECT) gets a tighter bound than the rest. */
export function limitPacketSize(
  parser: unknown,
  maxBytes: () => number,
  onRefused: (length: number, limit: number) => void,
): void {
  const p = parser as PacketParser;
  if (typeof p?._parseLength !== 'function' || typeof p._emitError !== 'function') {
    throw new Error('unsupported mqtt-packet parser: cannot enforce the packet size limit');
  }
  const parseLength = p._parseLength;
  p._parseLength = function guardedParseLength(this: PacketParser): boolean {
    const ok = parseLength.call(this);
    const limit = maxBytes();
    if (ok && this.packet.length > limit) {
      onRefused(this.packet.length, limit);
      this._emitError(
        new GatewayError(
          'ERR_PAYLOAD_TOO_LARGE',
          `packet of ${this.packet.length} bytes exceeds the limit of ${limit}`,
        ),
      );
      return false;
    }
    return ok;
  };
}
