/** What the FHIR routes need beyond the API's context. */

export interface FhirContext {
  readonly gatewayId: string;
  /** Ed25519 with the gateway's signing key: Provenance signatures (detached JWS). */
  readonly sign: (message: Uint8Array) => Uint8Array;
  /** Absolute base of `next` links and `fullUrl`s; derived from the request when null. */
  readonly baseUrl: string | null;
  readonly version: string;
}
