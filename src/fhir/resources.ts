/** Patients, devices, the CapabilityStatement and OperationOutcome (docs/fhir.md). Pure. */
import type { CapabilityStatement, Device, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { DEVICE_ID_SYSTEM, PATIENT_ID_SYSTEM } from './codes.ts';
import { toFhirId } from './ids.ts';

/** Minimal: the id and identifier, so that references resolve. */
export function patientResource(patientId: string): Patient {
  return {
    resourceType: 'Patient',
    id: toFhirId(patientId),
    identifier: [{ system: PATIENT_ID_SYSTEM, value: patientId }],
  };
}

export interface DeviceFacts {
  readonly id: string;
  readonly kind: 'wearable' | 'drone' | 'gateway';
  readonly patientId?: string | null;
  readonly active?: boolean;
}

const DEVICE_TYPE = {
  wearable: 'Wearable vital signs monitor',
  drone: 'Delivery drone',
  gateway: 'medgate telemetry gateway',
} as const;

export function deviceResource(facts: DeviceFacts): Device {
  return {
    resourceType: 'Device',
    id: toFhirId(facts.id),
    identifier: [{ system: DEVICE_ID_SYSTEM, value: facts.id }],
    status: facts.active === false ? 'inactive' : 'active',
    deviceName: [{ name: facts.id, type: 'user-friendly-name' }],
    type: { text: DEVICE_TYPE[facts.kind] },
    ...(facts.patientId
      ? {
          patient: {
            reference: `Patient/${toFhirId(facts.patientId)}`,
            identifier: { system: PATIENT_ID_SYSTEM, value: facts.patientId },
          },
        }
      : {}),
  };
}

export type IssueType =
  | 'invalid'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'exception'
  | 'throttled'
  | 'too-costly'
  | 'not-supported'
  | 'processing';

export function operationOutcome(code: IssueType, diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: code === 'processing' ? 'information' : 'error', code, diagnostics }],
  };
}

export interface CapabilityOptions {
  readonly software: { readonly name: string; readonly version: string };
  readonly baseUrl: string;
  readonly date: string;
}

const read = [{ code: 'read' as const }];

export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: { name: options.software.name, version: options.software.version },
    implementation: { description: 'medgate gateway FHIR API', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          description: 'Bearer tokens (Authorization: Bearer …) with the roles of the /v1 API',
        },
        resource: [
          {
            type: 'Observation',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchRevInclude: ['Provenance:target'],
            searchParam: [
              { name: 'patient', type: 'reference' },
              { name: 'subject', type: 'reference' },
              {
                name: 'focus',
                type: 'reference',
                documentation: 'focus:identifier={flight-id system}|{flightId}: a flight telemetry',
              },
              { name: 'date', type: 'date' },
              { name: 'code', type: 'token' },
              { name: 'category', type: 'token' },
              { name: '_count', type: 'number' },
              { name: '_sort', type: 'string' },
            ],
          },
          {
            type: 'Patient',
            interaction: read,
            operation: [
              {
                name: 'export',
                definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
              },
            ],
          },
          {
            type: 'Group',
            operation: [
              {
                name: 'export',
                definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export',
              },
            ],
          },
          { type: 'Device', interaction: read },
          {
            type: 'Provenance',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [{ name: 'target', type: 'reference' }],
          },
          ...(['SupplyDelivery', 'Task'] as const).map((type) => ({
            type,
            interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
            searchRevInclude: ['Provenance:target'],
            searchParam: [
              { name: 'patient', type: 'reference' as const },
              ...(type === 'Task'
                ? [{ name: 'group-identifier', type: 'token' as const, documentation: 'the flight id' }]
                : []),
              { name: '_count', type: 'number' as const },
            ],
          })),
        ],
      },
    ],
  };
}
