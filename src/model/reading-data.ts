/**
 * Reading shapes (docs/devices.md), the single source of truth: types are inferred from here and the
 * OpenAPI document is generated from here. Schemas are strict (unknown fields are rejected).
 */
import { z } from 'zod';
import { idSchema } from './ids.ts';

export const READING_KINDS = ['vitals', 'flight', 'delivery'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

export const DELIVERY_EVENTS = [
  'dispatched',
  'takeoff',
  'arrived',
  'delivered',
  'failed',
  'returned',
] as const;
export const PAYLOAD_KINDS = [
  'vaccine',
  'blood',
  'sample',
  'medicine',
  'organ',
  'equipment',
  'other',
] as const;

const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** ISO-8601 in UTC ("Z") or epoch milliseconds. The time window is checked against the clock elsewhere. */
const ts = z.union([
  z.iso.datetime({ precision: undefined, offset: false, message: 'must be ISO-8601 UTC or epoch ms' }),
  z.number().int().min(0).max(8.64e15),
]);

const range = (min: number, max: number, unit: string) =>
  z.number().min(min, `below ${min} ${unit}`).max(max, `above ${max} ${unit}`);

const position = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  altM: z.number().min(-500).max(20000).optional(),
});

/**
 * The rules of a vitals object that are not about one field. One implementation, used by the schema and
 * by the compiled fast path (src/telemetry/fast-check.ts), which cannot express them in JSON Schema.
 */
export function vitalsRuleIssues(v: Record<string, unknown>): Array<{ path?: string[]; message: string }> {
  const issues: Array<{ path?: string[]; message: string }> = [];
  let any = false;
  for (const _ in v) {
    any = true;
    break;
  }
  if (!any) issues.push({ message: 'at least one vital is required' });
  const { systolic, diastolic } = v;
  if (typeof systolic === 'number' && typeof diastolic === 'number' && systolic <= diastolic) {
    issues.push({ path: ['systolic'], message: 'systolic must be greater than diastolic' });
  }
  return issues;
}

/** ECG strip bounds: samples per strip and the range of one sample, in mV. */
export const ECG_MAX_SAMPLES = 5000;
const ECG_MV_MIN = -20;
const ECG_MV_MAX = 20;

/**
 * The samples of an ECG strip, checked in one pass that stops at the first bad sample: a strip of 5,000
 * bad samples costs one issue, not 5,000 (docs/limits.md). Used by the schema and by the fast path.
 */
export function ecgSampleIssue(mv: readonly unknown[]): { path: [number]; message: string } | null {
  for (let i = 0; i < mv.length; i++) {
    const x = mv[i];
    if (typeof x !== 'number') return { path: [i], message: 'sample must be a number' };
    if (!(x >= ECG_MV_MIN && x <= ECG_MV_MAX))
      return {
        path: [i],
        message: `sample ${x} outside ${ECG_MV_MIN}..${ECG_MV_MAX} mV (later samples not checked)`,
      };
  }
  return null;
}

// Elements are `unknown` so that zod never makes an issue per bad sample; the refinement guarantees numbers
// (hence the type), and the JSON Schema form (OpenAPI, the fast path) states the items in full.
const ecgSamples = z
  .array(z.unknown())
  .min(1)
  .max(ECG_MAX_SAMPLES)
  .superRefine((mv, ctx) => {
    const issue = ecgSampleIssue(mv);
    if (issue) ctx.addIssue({ code: 'custom', ...issue });
  })
  .meta({ items: { type: 'number', minimum: ECG_MV_MIN, maximum: ECG_MV_MAX } }) as unknown as z.ZodType<
  number[]
>;

export const vitalsValues = z
  .strictObject({
    heartRate: range(20, 300, 'bpm').optional(),
    spo2: range(50, 100, '%').optional(),
    systolic: range(40, 300, 'mmHg').optional(),
    diastolic: range(20, 200, 'mmHg').optional(),
    temperature: range(25, 45, '°C').optional(),
    respRate: range(2, 80, 'breaths/min').optional(),
    glucose: range(10, 1000, 'mg/dL').optional(),
    steps: z.number().int().min(0).max(1e9).optional(),
  })
  .superRefine((v, ctx) => {
    for (const issue of vitalsRuleIssues(v)) ctx.addIssue({ code: 'custom', ...issue });
  });

export const vitalsReading = z.strictObject({
  seq,
  ts,
  patientId: idSchema,
  vitals: vitalsValues,
  ecg: z
    .strictObject({
      hz: z.number().min(1).max(10000),
      mv: ecgSamples,
    })
    .optional(),
  battery: z.number().min(0).max(1).optional(),
});

export const flightReading = z.strictObject({
  seq,
  ts,
  flightId: idSchema,
  position,
  speedMps: z.number().min(0).max(150).optional(),
  headingDeg: z.number().min(0).lt(360).optional(),
  batteryPct: z.number().min(0).max(100).optional(),
  payloadTempC: z.number().min(-90).max(70).optional(),
});

export const deliveryReading = z.strictObject({
  seq,
  ts,
  flightId: idSchema,
  event: z.enum(DELIVERY_EVENTS),
  patientId: idSchema.optional(),
  payload: z
    .strictObject({
      kind: z.enum(PAYLOAD_KINDS),
      description: z.string().max(256).optional(),
      quantity: z.number().int().min(1).max(1e6).optional(),
    })
    .optional(),
  position: position.optional(),
  recipient: z
    .strictObject({
      name: z.string().min(1).max(128).optional(),
      phone: z.string().min(3).max(32).optional(),
    })
    .optional(),
  notes: z.string().max(1000).optional(),
});

export const readingSchemas = {
  vitals: vitalsReading,
  flight: flightReading,
  delivery: deliveryReading,
} as const;

export type VitalsReading = z.infer<typeof vitalsReading>;
export type FlightReading = z.infer<typeof flightReading>;
export type DeliveryReading = z.infer<typeof deliveryReading>;
export type ReadingData = VitalsReading | FlightReading | DeliveryReading;
