/**
 * A stored reading as the FHIR resources a principal may see: the grant is checked the way /v1 checks it
 * (vitals need a grant for their patient; flights and deliveries are for admins and clinicians, and a
 * delivery to a patient outside the grant is shown in the masked form of docs/masking.md).
 */
import type { Provenance, Resource } from '@medplum/fhirtypes';
import { GatewayError } from '../../errors.ts';
import { deliveryTask, supplyDelivery } from '../../fhir/delivery.ts';
import { detachedJws } from '../../fhir/jws.ts';
import { readingObservations } from '../../fhir/observations.ts';
import { recordPayload } from '../../fhir/proof-extension.ts';
import { readingProvenance } from '../../fhir/provenance.ts';
import type { Masker } from '../../masking/index.ts';
import type { StoredReading } from '../../store/index.ts';
import { assertPatientAccess, hasPatientAccess, type Principal } from '../auth.ts';
import type { ProofSource } from '../proof-source.ts';
import type { FhirContext } from './context.ts';

export interface ReadingView {
  readonly reading: StoredReading;
  /** The patient whose data this shows in clear, or null (a drone's telemetry, a masked delivery). */
  readonly patientId: string | null;
  readonly resources: Resource[];
  /** False when the reading is shown masked: its proof then carries no reading and no salt. */
  readonly disclose: boolean;
}

export interface ReadingMapper {
  /** Throws ERR_FORBIDDEN when the principal may not see the reading at all. */
  view(reading: StoredReading, principal: Principal): ReadingView;
  provenance(view: ReadingView): Promise<Provenance>;
}

export function createReadingMapper(
  fhir: FhirContext,
  components: { readonly masker: Pick<Masker, 'mask'>; readonly proofs: ProofSource },
): ReadingMapper {
  /** Detached JWS over a minute record, by window: every reading of a window shares it. */
  const signatures = new Map<string, string>();
  const jwsOf = (record: Parameters<typeof recordPayload>[0]) => {
    const hit = signatures.get(record.signature);
    if (hit) return hit;
    const jws = detachedJws(recordPayload(record), fhir.gatewayId, fhir.sign);
    signatures.set(record.signature, jws);
    if (signatures.size > 256) signatures.delete(signatures.keys().next().value!);
    return jws;
  };

  return {
    view(reading, principal) {
      if (reading.kind === 'vitals') {
        const patientId = (reading.data as { patientId: string }).patientId;
        assertPatientAccess(principal, patientId);
        return { reading, patientId, resources: readingObservations(reading), disclose: true };
      }
      const patientId = (reading.data as { patientId?: string }).patientId ?? null;
      const own = reading.kind === 'delivery' && patientId !== null && hasPatientAccess(principal, patientId);
      if (!own && principal.role !== 'admin' && principal.role !== 'clinician')
        throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} may not read drone data`);
      if (reading.kind === 'flight')
        return { reading, patientId: null, resources: readingObservations(reading), disclose: true };
      const inClear = patientId === null || own;
      const shown = inClear
        ? reading
        : { ...reading, data: components.masker.mask(reading.kind, reading.data) as StoredReading['data'] };
      return {
        reading: shown,
        patientId: inClear ? patientId : null,
        resources: [supplyDelivery(shown), deliveryTask(shown)],
        disclose: inClear,
      };
    },
    async provenance(view) {
      const sealed = await components.proofs(view.reading, view.disclose);
      return readingProvenance({
        reading: view.reading,
        targets: view.resources.map((r) => ({ reference: `${r.resourceType}/${r.id}` })),
        gatewayId: fhir.gatewayId,
        sealed: sealed
          ? { proof: sealed.proof, jws: jwsOf(sealed.proof.record), sealedAt: sealed.window.sealedAt }
          : null,
      });
    },
  };
}
