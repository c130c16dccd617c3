/**
 * Detached JWS (RFC 7515 §7.2.1 compact form with the payload left out, RFC 7515 Appendix F) with EdDSA
 * (RFC 8037): `BASE64URL(header) || '..' || BASE64URL(signature)`, the signature over
 * `BASE64URL(header) || '.' || BASE64URL(payload)`. Pure: the signer comes in as an argument.
 */
const b64url = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64url');

export function jwsSigningInput(protectedHeader: string, payload: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.from(`${protectedHeader}.${b64url(payload)}`, 'ascii'));
}

/** A detached EdDSA JWS over `payload`, signed by `sign` (Ed25519 over the signing input). */
export function detachedJws(
  payload: Uint8Array,
  keyId: string,
  sign: (message: Uint8Array) => Uint8Array,
): string {
  const header = b64url(JSON.stringify({ alg: 'EdDSA', kid: keyId }));
  return `${header}..${b64url(sign(jwsSigningInput(header, payload)))}`;
}

/** True when `jws` is a detached EdDSA JWS over `payload` by `verify`'s key. Never throws. */
export function verifyDetachedJws(
  jws: string,
  payload: Uint8Array,
  verify: (signature: Uint8Array, message: Uint8Array) => boolean,
): boolean {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
    if (header.alg !== 'EdDSA') return false;
    return verify(new Uint8Array(Buffer.from(parts[2]!, 'base64url')), jwsSigningInput(parts[0]!, payload));
  } catch {
    return false;
  }
}
