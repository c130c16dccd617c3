/**
 * Threshold rules (docs/alarms.md): by reading kind, a field, a comparison, how long the condition must
 * hold in device time, and a severity. The schema is the config's (`alarms.rules`); evaluation is pure.
 */
import { z } from 'zod';
import { PAYLOAD_KINDS, READING_KINDS } from '../telemetry/schemas.ts';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ruleSchema = z
  .strictObject({
    /** Names the rule in alarms and webhooks; unique. */
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1..64 of [A-Za-z0-9._-]'),
    kind: z.enum(READING_KINDS),
    /** Dotted path in the reading, e.g. `vitals.spo2`, `payloadTempC`, `event`. */
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*){0,3}$/, 'a dotted field path'),
    comparison: z.enum(['<', '<=', '>', '>=', 'outside', '==']),
    /** A number; `[low, high]` for `outside`; a number or a string for `==`. */
    value: z.union([z.number(), z.tuple([z.number(), z.number()]), z.string().max(64)]),
    /** How long the condition must hold, in device time, before the alarm opens (0: at once). */
    forSeconds: z.number().min(0).max(86_400).default(0),
    /**
     * How long the condition must have stopped holding, in device time, before an open alarm closes. It keeps
     * a value that flickers around the threshold (or a device that flips it on purpose) from opening and
     * closing an alarm on every reading: a subject has at most two events per `clearSeconds`.
     */
    clearSeconds: z.number().min(0).max(86_400).default(30),
    severity: z.enum(SEVERITIES),
    /** Flight rules only: apply to flights carrying one of these payload kinds (from their delivery events). */
    payloadKinds: z.array(z.enum(PAYLOAD_KINDS)).min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    const pair = Array.isArray(rule.value) ? rule.value : null;
    if (rule.comparison === 'outside' && !(pair && pair[0] <= pair[1]))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: '`outside` takes [low, high] with low <= high',
      });
    if (['<', '<=', '>', '>='].includes(rule.comparison) && typeof rule.value !== 'number')
      ctx.addIssue({ code: 'custom', path: ['value'], message: `\`${rule.comparison}\` takes a number` });
    if (rule.comparison === '==' && pair)
      ctx.addIssue({ code: 'custom', path: ['value'], message: '`==` takes a number or a string' });
    if (rule.payloadKinds && rule.kind !== 'flight')
      ctx.addIssue({
        code: 'custom',
        path: ['payloadKinds'],
        message: 'only flight rules have payload kinds',
      });
  });

export type Rule = z.infer<typeof ruleSchema>;

/** The default rules: SpO2, heart rate, the cold chain, drone battery, failed deliveries. */
export const DEFAULT_RULES: Rule[] = [
  {
    id: 'spo2-low',
    kind: 'vitals',
    field: 'vitals.spo2',
    comparison: '<',
    value: 90,
    forSeconds: 60,
    clearSeconds: 30,
    severity: 'critical',
  },
  {
    id: 'heart-rate',
    kind: 'vitals',
    field: 'vitals.heartRate',
    comparison: 'outside',
    value: [40, 130],
    forSeconds: 60,
    clearSeconds: 30,
    severity: 'critical',
  },
  {
    id: 'cold-chain',
    kind: 'flight',
    field: 'payloadTempC',
    comparison: 'outside',
    value: [2, 8],
    forSeconds: 120,
    clearSeconds: 30,
    severity: 'critical',
    payloadKinds: ['vaccine', 'blood', 'sample'],
  },
  {
    id: 'drone-battery-low',
    kind: 'flight',
    field: 'batteryPct',
    comparison: '<',
    value: 20,
    forSeconds: 0,
    clearSeconds: 30,
    severity: 'warning',
  },
  {
    id: 'delivery-failed',
    kind: 'delivery',
    field: 'event',
    comparison: '==',
    value: 'failed',
    forSeconds: 0,
    clearSeconds: 30,
    severity: 'warning',
  },
];

/** The field's value in the reading's data, or undefined when the reading does not carry it. */
export function fieldValue(data: unknown, field: string): unknown {
  let v: unknown = data;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Whether the value meets the rule's condition; null when the value cannot be compared (ignored). */
export function conditionHolds(rule: Pick<Rule, 'comparison' | 'value'>, value: unknown): boolean | null {
  const { comparison, value: ref } = rule;
  if (comparison === '==') return typeof value === typeof ref ? value === ref : null;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  switch (comparison) {
    case '<':
      return value < (ref as number);
    case '<=':
      return value <= (ref as number);
    case '>':
      return value > (ref as number);
    case '>=':
      return value >= (ref as number);
    case 'outside': {
      const [low, high] = ref as [number, number];
      return value < low || value > high;
    }
  }
}
