/**
 * A reading as FHIR R4 Observations (docs/fhir.md, "Vitals"): one per measured vital, each in its R4
 * vital-signs profile where one exists; flight telemetry as one Observation about the drone. Pure.
 */
import type { CodeableConcept, Device, Observation, Patient, Quantity, Reference } from '@medplum/fhirtypes';
import type { StoredReading } from '../store/index.ts';
import type { FlightReading, VitalsReading } from '../telemetry/index.ts';
import {
  BP_COMPONENTS,
  type Coding,
  DEVICE_ID_SYSTEM,
  FLIGHT_CODES,
  FLIGHT_COMPONENTS,
  FLIGHT_ID_SYSTEM,
  FLIGHT_TELEMETRY,
  OBSERVATION_CATEGORY,
  type ObservationCategory,
  PATIENT_ID_SYSTEM,
  UCUM,
  VITALS,
  type VitalCode,
} from './codes.ts';
import { toFhirId } from './ids.ts';

export type VitalName = keyof typeof VITALS;

const CATEGORY_DISPLAY: Record<ObservationCategory, string> = {
  'vital-signs': 'Vital Signs',
  laboratory: 'Laboratory',
  activity: 'Activity',
  procedure: 'Procedure',
};

export const iso = (ms: number): string => new Date(ms).toISOString();

export function patientReference(patientId: string): Reference<Patient> {
  return {
    reference: `Patient/${toFhirId(patientId)}`,
    identifier: { system: PATIENT_ID_SYSTEM, value: patientId },
  };
}

export function deviceReference(deviceId: string): Reference<Device> {
  return {
    reference: `Device/${toFhirId(deviceId)}`,
    identifier: { system: DEVICE_ID_SYSTEM, value: deviceId },
  };
}

const concept = (codings: readonly Coding[]): CodeableConcept => ({
  coding: codings.map((c) => ({ ...c })),
  text: codings[0]!.display,
});

const quantity = (value: number, unit: { code: string; display: string }): Quantity => ({
  value,
  unit: unit.display,
  system: UCUM,
  code: unit.code,
});

export const observationId = (readingId: string, vital: VitalName | 'flight'): string =>
  `${readingId}-${vital === 'flight' ? 'flight' : VITALS[vital].suffix}`;

function base(reading: StoredReading, vital: VitalName, subject: Reference<Patient | Device>): Observation {
  const def: VitalCode = VITALS[vital];
  return {
    resourceType: 'Observation',
    id: observationId(reading.id, vital),
    ...(def.profile ? { meta: { profile: [def.profile] } } : {}),
    status: 'final',
    ...(def.category
      ? {
          category: [
            {
              coding: [
                { system: OBSERVATION_CATEGORY, code: def.category, display: CATEGORY_DISPLAY[def.category] },
              ],
              text: CATEGORY_DISPLAY[def.category],
            },
          ],
        }
      : {}),
    code: concept(def.codings),
    subject,
    effectiveDateTime: iso(reading.ts),
    issued: iso(reading.receivedAt),
    device: deviceReference(reading.deviceId),
  };
}

/** The Observations of one vitals reading, in a fixed order (the order of `VITALS`). */
export function vitalsObservations(reading: StoredReading): Observation[] {
  const data = reading.data as VitalsReading;
  const v = data.vitals;
  const patient = patientReference(data.patientId);
  const out: Observation[] = [];
  const simple = (vital: VitalName, value: number | undefined) => {
    if (value === undefined) return;
    out.push({ ...base(reading, vital, patient), valueQuantity: quantity(value, VITALS[vital].unit) });
  };
  simple('heartRate', v.heartRate);
  simple('spo2', v.spo2);
  if (v.systolic !== undefined || v.diastolic !== undefined) {
    const unit = VITALS.bloodPressure.unit;
    const component = (coding: Coding, value: number | undefined) =>
      value === undefined
        ? {
            code: concept([coding]),
            dataAbsentReason: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
                  code: 'not-performed',
                  display: 'Not Performed',
                },
              ],
            },
          }
        : { code: concept([coding]), valueQuantity: quantity(value, unit) };
    out.push({
      ...base(reading, 'bloodPressure', patient),
      component: [
        component(BP_COMPONENTS.systolic, v.systolic),
        component(BP_COMPONENTS.diastolic, v.diastolic),
      ],
    });
  }
  simple('temperature', v.temperature);
  simple('respRate', v.respRate);
  simple('glucose', v.glucose);
  if (v.steps !== undefined) {
    // The count covers a time the device does not state: a period that ends at the reading (LOINC 55423-8).
    const { effectiveDateTime: _, ...rest } = base(reading, 'steps', patient);
    out.push({
      ...rest,
      effectivePeriod: { end: iso(reading.ts) },
      valueQuantity: quantity(v.steps, VITALS.steps.unit),
    });
  }
  if (data.ecg) {
    out.push({
      ...base(reading, 'ecg', patient),
      valueSampledData: {
        origin: quantity(0, VITALS.ecg.unit),
        period: 1000 / data.ecg.hz,
        dimensions: 1,
        data: data.ecg.mv.join(' '),
      },
    });
  }
  if (data.battery !== undefined) {
    // About the wearable, not the patient.
    out.push({
      ...base(reading, 'battery', deviceReference(reading.deviceId)),
      valueQuantity: quantity(Math.round(data.battery * 10_000) / 100, VITALS.battery.unit),
    });
  }
  return out;
}

/** One flight reading as one Observation about the drone: position, speed, heading, battery, payload. */
export function flightObservation(reading: StoredReading): Observation {
  const data = reading.data as FlightReading;
  const drone = deviceReference(reading.deviceId);
  const component = (key: keyof typeof FLIGHT_COMPONENTS, value: number | undefined) => {
    if (value === undefined) return [];
    const c = FLIGHT_COMPONENTS[key];
    return [
      {
        code: concept([{ system: FLIGHT_CODES, code: c.code, display: c.display }]),
        valueQuantity: { value, unit: c.unit, system: UCUM, code: c.unit },
      },
    ];
  };
  return {
    resourceType: 'Observation',
    id: observationId(reading.id, 'flight'),
    status: 'final',
    code: concept([FLIGHT_TELEMETRY]),
    subject: drone,
    focus: [
      { identifier: { system: FLIGHT_ID_SYSTEM, value: data.flightId }, display: `flight ${data.flightId}` },
    ],
    effectiveDateTime: iso(reading.ts),
    issued: iso(reading.receivedAt),
    device: drone,
    component: [
      ...component('lat', data.position.lat),
      ...component('lon', data.position.lon),
      ...component('altM', data.position.altM),
      ...component('speedMps', data.speedMps),
      ...component('headingDeg', data.headingDeg),
      ...component('batteryPct', data.batteryPct),
      ...component('payloadTempC', data.payloadTempC),
    ],
  };
}

/** The Observations of any reading (deliveries have none: they are SupplyDelivery and Task). */
export function readingObservations(reading: StoredReading): Observation[] {
  if (reading.kind === 'vitals') return vitalsObservations(reading);
  if (reading.kind === 'flight') return [flightObservation(reading)];
  return [];
}
