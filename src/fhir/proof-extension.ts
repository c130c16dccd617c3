/**
 * The medgate proof as a FHIR extension on Provenance (docs/fhir.md, "Proof extensions"): everything
 * `POST /v1/proofs/verify` needs, so a FHIR client can rebuild the proof of docs/proofs.md from the
 * Provenance alone. One complex extension; sub-extensions carry the leaf, its inclusion path, the minute
 * record (root included) and, once mined, the anchor block with the members' attestations of it. Pure.
 */
import type { Extension } from '@medplum/fhirtypes';
import { canonicalBytes } from '../model/index.ts';
import { PROOF_FORMAT, type ProofAnchor, type ReadingProof } from '../model/proofs.ts';
import { MEDGATE_BASE } from './codes.ts';

export const PROOF_EXTENSION = `${MEDGATE_BASE}/StructureDefinition/medgate-proof`;
export const ANCHOR_EXTENSION = 'anchor';

export type ProofStatus = 'pending' | 'sealed' | 'anchored';

const str = (url: string, valueString: string): Extension => ({ url, valueString });
const uint = (url: string, valueUnsignedInt: number): Extension => ({ url, valueUnsignedInt });
const pos = (url: string, valuePositiveInt: number): Extension => ({ url, valuePositiveInt });
const b64 = (url: string, bytes: Uint8Array): Extension => ({
  url,
  valueBase64Binary: Buffer.from(bytes).toString('base64'),
});

/** The bytes the Provenance signature's detached JWS signs: RFC 8785 JSON of the signed minute record. */
export function recordPayload(record: ReadingProof['record']): Uint8Array {
  return canonicalBytes(record);
}

export function pendingProofExtension(): Extension {
  return { url: PROOF_EXTENSION, extension: [{ url: 'status', valueCode: 'pending' }] };
}

export function proofExtension(proof: ReadingProof): Extension {
  const ext: Extension[] = [
    { url: 'status', valueCode: proof.anchor ? 'anchored' : 'sealed' },
    str('format', proof.format),
  ];
  if (proof.reading) ext.push(b64('reading', canonicalBytes(proof.reading)));
  if (proof.salt) ext.push({ url: 'salt', valueBase64Binary: proof.salt });
  ext.push(
    str('leafHash', proof.leaf.hash),
    uint('leafIndex', proof.leaf.index),
    pos('treeSize', proof.leaf.treeSize),
    ...proof.leaf.path.map((h) => str('path', h)),
    str('root', proof.record.root),
    b64('record', recordPayload(proof.record)),
    str('gatewayKey', proof.gatewayKey),
  );
  if (proof.anchor) ext.push(anchorExtension(proof.anchor));
  return { url: PROOF_EXTENSION, extension: ext };
}

function anchorExtension(a: ProofAnchor): Extension {
  return {
    url: ANCHOR_EXTENSION,
    extension: [
      str('blockHash', a.blockHash),
      pos('height', a.height),
      str('header', a.header),
      str('minerSignature', a.minerSignature),
      str('minerGatewayId', a.miner.gatewayId),
      str('minerKey', a.miner.publicKey),
      uint('recordIndex', a.record.index),
      pos('recordTreeSize', a.record.treeSize),
      ...a.record.path.map((h) => str('recordPath', h)),
      str('chain', a.chain),
      pos('confirmations', a.confirmations),
      ...(a.attestations ?? []).map(attestationExtension),
      ...(a.finalBy === undefined
        ? []
        : [
            {
              url: 'finalBy',
              extension: [
                ...a.finalBy.headers.map((h) => str('header', h)),
                ...a.finalBy.attestations.map(attestationExtension),
              ],
            },
          ]),
    ],
  };
}

/** A member's attestation of a block: its gateway id and its signature (docs/ledger.md). */
function attestationExtension(a: { readonly gatewayId: string; readonly signature: string }): Extension {
  return { url: 'attestation', extension: [str('gatewayId', a.gatewayId), str('signature', a.signature)] };
}

type Sub = readonly Extension[];
const all = (ext: Sub, url: string) => ext.filter((e) => e.url === url);
const one = (ext: Sub, url: string) => all(ext, url)[0];
const text = (ext: Sub, url: string) => one(ext, url)?.valueString;
const int = (ext: Sub, url: string) => {
  const e = one(ext, url);
  return e?.valueUnsignedInt ?? e?.valuePositiveInt;
};
const signers = (ext: Sub) =>
  all(ext, 'attestation').map((e) => ({
    gatewayId: text(e.extension ?? [], 'gatewayId'),
    signature: text(e.extension ?? [], 'signature'),
  }));
const json = (value: string | undefined): unknown =>
  value === undefined ? undefined : JSON.parse(Buffer.from(value, 'base64').toString('utf8'));

/**
 * The proof of docs/proofs.md rebuilt from a resource's extensions, or null when it carries none (pending).
 * Shapes are not checked here: the verifier checks everything it is given.
 */
export function proofFromExtensions(extensions: readonly Extension[] | undefined): unknown {
  const root = (extensions ?? []).find((e) => e.url === PROOF_EXTENSION);
  const ext = root?.extension ?? [];
  if (!root || one(ext, 'status')?.valueCode === 'pending') return null;
  const anchor = one(ext, ANCHOR_EXTENSION)?.extension;
  const attestations = anchor ? signers(anchor) : [];
  const finalBy = anchor ? one(anchor, 'finalBy')?.extension : undefined;
  return {
    format: text(ext, 'format') ?? PROOF_FORMAT,
    reading: (json(one(ext, 'reading')?.valueBase64Binary) as Record<string, unknown> | undefined) ?? null,
    salt: one(ext, 'salt')?.valueBase64Binary ?? null,
    leaf: {
      hash: text(ext, 'leafHash'),
      index: int(ext, 'leafIndex'),
      treeSize: int(ext, 'treeSize'),
      path: all(ext, 'path').map((e) => e.valueString),
    },
    record: json(one(ext, 'record')?.valueBase64Binary),
    gatewayKey: text(ext, 'gatewayKey'),
    anchor: anchor
      ? {
          blockHash: text(anchor, 'blockHash'),
          height: int(anchor, 'height'),
          header: text(anchor, 'header'),
          minerSignature: text(anchor, 'minerSignature'),
          miner: { gatewayId: text(anchor, 'minerGatewayId'), publicKey: text(anchor, 'minerKey') },
          record: {
            index: int(anchor, 'recordIndex'),
            treeSize: int(anchor, 'recordTreeSize'),
            path: all(anchor, 'recordPath').map((e) => e.valueString),
          },
          chain: text(anchor, 'chain'),
          confirmations: int(anchor, 'confirmations'),
          ...(attestations.length > 0 ? { attestations } : {}),
          ...(finalBy
            ? {
                finalBy: {
                  headers: all(finalBy, 'header').map((e) => e.valueString),
                  attestations: signers(finalBy),
                },
              }
            : {}),
        }
      : null,
  };
}
