/**
 * One Provenance per reading (docs/fhir.md, "Provenance"): its targets are the reading's resources, the
 * gateway is the assembler, the device the source. A sealed reading's Provenance is signed (a detached EdDSA
 * JWS over the signed minute record) and carries the medgate proof; a pending one carries neither. Pure.
 */
import type { Provenance, Reference } from '@medplum/fhirtypes';
import type { ReadingProof } from '../model/proofs.ts';
import type { StoredReading } from '../store/index.ts';
import { deviceReference, iso } from './observations.ts';
import { pendingProofExtension, proofExtension } from './proof-extension.ts';

export const SOURCE_SIGNATURE = {
  system: 'urn:iso-astm:E1762-95:2013',
  code: '1.2.840.10065.1.12.1.14',
  display: 'Source Signature',
} as const;

export interface ProvenanceParts {
  readonly reading: StoredReading;
  /** References to the resources made of the reading (`Observation/…`, `SupplyDelivery/…`). */
  readonly targets: readonly Reference[];
  readonly gatewayId: string;
  /** The reading's proof and the detached JWS over its minute record, once sealed. */
  readonly sealed: { readonly proof: ReadingProof; readonly jws: string; readonly sealedAt: number } | null;
}

export function readingProvenance(parts: ProvenanceParts): Provenance {
  const { reading, sealed } = parts;
  const gateway = deviceReference(parts.gatewayId);
  return {
    resourceType: 'Provenance',
    id: reading.id,
    extension: [sealed ? proofExtension(sealed.proof) : pendingProofExtension()],
    target: parts.targets.map((t) => ({ ...t })),
    recorded: iso(reading.receivedAt),
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'assembler',
              display: 'Assembler',
            },
          ],
        },
        who: gateway,
      },
    ],
    entity: [{ role: 'source', what: deviceReference(reading.deviceId) }],
    ...(sealed
      ? {
          signature: [
            {
              type: [{ ...SOURCE_SIGNATURE }],
              when: iso(sealed.sealedAt),
              who: gateway,
              sigFormat: 'application/jose',
              data: Buffer.from(sealed.jws, 'ascii').toString('base64'),
            },
          ],
        }
      : {}),
  };
}
