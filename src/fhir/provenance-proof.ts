/**
 * From a Provenance back to the medgate proof (docs/fhir.md, "Proof extensions"): the proof rebuilt from the
 * extensions, and the check of the signature (a detached EdDSA JWS over the minute record the proof carries,
 * by the key the proof names). Pure; the proof itself is checked by the proof verifier.
 */
import type { Provenance } from '@medplum/fhirtypes';
import { verifySignature } from '../crypto/signing.ts';
import type { ProofCheck } from '../model/proofs.ts';
import { verifyDetachedJws } from './jws.ts';
import { PROOF_EXTENSION, proofFromExtensions } from './proof-extension.ts';

export function isProvenance(value: unknown): value is Provenance {
  return (value as { resourceType?: unknown } | null)?.resourceType === 'Provenance';
}

/** The proof a Provenance carries (null while its reading is pending), and the check of its signature. */
export function provenanceProof(provenance: Provenance): { proof: unknown; signature: ProofCheck } | null {
  const proof = proofFromExtensions(provenance.extension) as {
    record?: unknown;
    gatewayKey?: unknown;
  } | null;
  if (proof === null) return null;
  const data = provenance.signature?.[0]?.data;
  const payloadB64 = provenance.extension
    ?.find((e) => e.url === PROOF_EXTENSION)
    ?.extension?.find((e) => e.url === 'record')?.valueBase64Binary;
  const key = typeof proof.gatewayKey === 'string' ? proof.gatewayKey : '';
  let ok = false;
  if (data && payloadB64 && /^[0-9a-f]{64}$/.test(key)) {
    const jws = Buffer.from(data, 'base64').toString('ascii');
    const payload = new Uint8Array(Buffer.from(payloadB64, 'base64'));
    ok = verifyDetachedJws(jws, payload, (sig, msg) =>
      verifySignature(sig, msg, new Uint8Array(Buffer.from(key, 'hex'))),
    );
  }
  return {
    proof,
    signature: {
      name: 'provenance-signature',
      ok,
      detail: ok
        ? 'detached EdDSA JWS over the minute record verifies with the gateway key'
        : 'the Provenance signature is missing or does not verify over the minute record',
    },
  };
}
