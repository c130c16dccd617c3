/** What the FHIR routes need beyond the API's context. */
import type { ExportJobStore } from '../../store/index.ts';
import type { ExportOptions } from './export-runner.ts';

export interface FhirContext {
  readonly gatewayId: string;
  /** Ed25519 with the gateway's signing key: Provenance signatures (detached JWS). */
  readonly sign: (message: Uint8Array) => Uint8Array;
  /** Absolute base of `next` links and `fullUrl`s; derived from the request when null. */
  readonly baseUrl: string | null;
  readonly version: string;
  /** A search page reads at most this many times `_count` readings (fhir.scanFactor). */
  readonly scanFactor: number;
  /** Bulk export: where its files go and its bounds (fhir.export). */
  readonly export: ExportOptions;
  readonly exportJobs: ExportJobStore;
}
