/**
 * Code systems, codes and units of the mapping (docs/fhir.md, "Vitals"): LOINC for the vital signs, ISO/IEEE
 * 11073 MDC for the ECG strip and the battery, UCUM for every unit.
 */
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const MDC = 'urn:iso:std:iso:11073:10101';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';

/** The project's canonical base: its StructureDefinitions, code systems and identifier systems. */
export const MEDGATE_BASE = 'https://medgate.dev/fhir';
export const PATIENT_ID_SYSTEM = `${MEDGATE_BASE}/sid/patient-id`;
export const DEVICE_ID_SYSTEM = `${MEDGATE_BASE}/sid/device-id`;
export const FLIGHT_ID_SYSTEM = `${MEDGATE_BASE}/sid/flight-id`;
export const READING_ID_SYSTEM = `${MEDGATE_BASE}/sid/reading-id`;
export const FLIGHT_CODES = `${MEDGATE_BASE}/CodeSystem/flight`;
export const PAYLOAD_CODES = `${MEDGATE_BASE}/CodeSystem/payload-kind`;
export const DELIVERY_EVENT_CODES = `${MEDGATE_BASE}/CodeSystem/delivery-event`;

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

export type ObservationCategory = 'vital-signs' | 'laboratory' | 'activity' | 'procedure';

export interface VitalCode {
  /** Suffix of the Observation id after the reading id. */
  readonly suffix: string;
  readonly codings: readonly Coding[];
  readonly category: ObservationCategory | null;
  /** The R4 vital-signs profile the Observation conforms to, when one exists. */
  readonly profile: string | null;
  readonly unit?: { readonly code: string; readonly display: string };
}

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });
const profile = (name: string) => `http://hl7.org/fhir/StructureDefinition/${name}`;

export const VITALS = {
  heartRate: {
    suffix: 'hr',
    codings: [loinc('8867-4', 'Heart rate')],
    category: 'vital-signs',
    profile: profile('heartrate'),
    unit: { code: '/min', display: 'beats/minute' },
  },
  spo2: {
    suffix: 'spo2',
    codings: [
      loinc('2708-6', 'Oxygen saturation in Arterial blood'),
      loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
    ],
    category: 'vital-signs',
    profile: profile('oxygensat'),
    unit: { code: '%', display: '%' },
  },
  bloodPressure: {
    suffix: 'bp',
    codings: [loinc('85354-9', 'Blood pressure panel with all children optional')],
    category: 'vital-signs',
    profile: profile('bp'),
    unit: { code: 'mm[Hg]', display: 'mmHg' },
  },
  temperature: {
    suffix: 'temp',
    codings: [loinc('8310-5', 'Body temperature')],
    category: 'vital-signs',
    profile: profile('bodytemp'),
    unit: { code: 'Cel', display: 'C' },
  },
  respRate: {
    suffix: 'rr',
    codings: [loinc('9279-1', 'Respiratory rate')],
    category: 'vital-signs',
    profile: profile('resprate'),
    unit: { code: '/min', display: 'breaths/minute' },
  },
  glucose: {
    suffix: 'glu',
    codings: [loinc('41653-7', 'Glucose [Mass/volume] in Capillary blood by Glucometer')],
    category: 'laboratory',
    profile: null,
    unit: { code: 'mg/dL', display: 'mg/dL' },
  },
  steps: {
    suffix: 'steps',
    codings: [loinc('55423-8', 'Number of steps in unspecified time Pedometer')],
    category: 'activity',
    profile: null,
    unit: { code: '{steps}', display: 'steps' },
  },
  ecg: {
    suffix: 'ecg',
    codings: [{ system: MDC, code: '131328', display: 'MDC_ECG_ELEC_POTL' }],
    category: 'procedure',
    profile: null,
    unit: { code: 'mV', display: 'mV' },
  },
  battery: {
    suffix: 'batt',
    codings: [{ system: MDC, code: '67996', display: 'MDC_ATTR_VAL_BATT_CHARGE' }],
    category: null,
    profile: null,
    unit: { code: '%', display: '%' },
  },
} as const satisfies Record<string, VitalCode>;

export const BP_COMPONENTS = {
  systolic: loinc('8480-6', 'Systolic blood pressure'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure'),
} as const;

/** Flight telemetry: the project's own codes (LOINC has none for a drone), UCUM units. */
export const FLIGHT_COMPONENTS = {
  lat: { code: 'latitude', display: 'Latitude', unit: 'deg' },
  lon: { code: 'longitude', display: 'Longitude', unit: 'deg' },
  altM: { code: 'altitude', display: 'Altitude', unit: 'm' },
  speedMps: { code: 'speed', display: 'Ground speed', unit: 'm/s' },
  headingDeg: { code: 'heading', display: 'Heading', unit: 'deg' },
  batteryPct: { code: 'battery', display: 'Battery charge', unit: '%' },
  payloadTempC: { code: 'payload-temperature', display: 'Payload temperature', unit: 'Cel' },
} as const;

export const FLIGHT_TELEMETRY: Coding = {
  system: FLIGHT_CODES,
  code: 'flight-telemetry',
  display: 'Drone flight telemetry',
};

/** Observation id suffix → the vital it holds, for reads by id and code searches. */
export const SUFFIXES: ReadonlyMap<string, keyof typeof VITALS | 'flight'> = new Map([
  ...Object.entries(VITALS).map(([k, v]) => [v.suffix, k as keyof typeof VITALS] as const),
  ['flight', 'flight'] as const,
]);
