/**
 * The masking policy of docs/masking.md: rules by reading kind and field path, each one of `keep`,
 * `pseudonymize`, `generalize` or `occlude`. One schema, used by the config and documented from here.
 */
import { z } from 'zod';
import { READING_KINDS } from '../telemetry/schemas.ts';

const path = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/,
    'a dotted field path such as "position" or "vitals.spo2"',
  );
const kind = z.enum([...READING_KINDS, '*']);

export const maskingRuleSchema = z.union([
  z.strictObject({ kind, path, action: z.literal('keep') }),
  z.strictObject({ kind, path, action: z.literal('occlude') }),
  /** Keyed HMAC-SHA-256 with the gateway's secret: stable per gateway, unlinkable without the key. */
  z.strictObject({ kind, path, action: z.literal('pseudonymize') }),
  /** Numbers rounded to `step`. */
  z.strictObject({ kind, path, action: z.literal('generalize'), step: z.number().positive() }),
  /** `{lat, lon}` snapped to a grid of `gridDeg` degrees (0.01° ≈ 1.1 km of latitude). */
  z.strictObject({ kind, path, action: z.literal('generalize'), gridDeg: z.number().positive().max(10) }),
  /** Times (ISO or epoch ms) truncated to the unit. */
  z.strictObject({
    kind,
    path,
    action: z.literal('generalize'),
    timeUnit: z.enum(['second', 'minute', 'hour', 'day']),
  }),
]);

export type MaskingRule = z.infer<typeof maskingRuleSchema>;

/** docs/masking.md default: patient ids pseudonymized; recipient and notes occluded; positions to about 1 km. */
export const DEFAULT_MASKING_RULES: readonly MaskingRule[] = [
  { kind: '*', path: 'patientId', action: 'pseudonymize' },
  { kind: 'delivery', path: 'recipient', action: 'occlude' },
  { kind: 'delivery', path: 'notes', action: 'occlude' },
  { kind: '*', path: 'position', action: 'generalize', gridDeg: 0.01 },
];

export const maskingPolicySchema = z
  .strictObject({
    rules: z.array(maskingRuleSchema).default([...DEFAULT_MASKING_RULES]),
  })
  .prefault({});
