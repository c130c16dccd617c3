/** Request and response schemas of the API (docs/api.md); the OpenAPI document at /docs comes from these. */
import { z } from 'zod';
import { deviceKindSchema, idSchema, READING_KINDS, readingSchemas, roleSchema } from '../model/index.ts';

export const errorSchema = z
  .object({ statusCode: z.number(), code: z.string(), error: z.string(), message: z.string() })
  .describe('Error');

/** A time in a query string: ISO-8601 (UTC) or epoch milliseconds. */
export const queryTime = z
  .union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,16}$/, 'epoch ms')])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .describe('ISO-8601 time or epoch milliseconds');

export const deviceIdSchema = idSchema.describe('Device id (also the MQTT username)');

export const proofStatusSchema = z.object({
  status: z.enum(['pending', 'sealed', 'anchored']),
  minute: z.string().nullable().describe('Start of the sealed window (minute) holding the reading, ISO-8601'),
  leafIndex: z.number().int().nullable().describe("The reading's leaf in that window's tree"),
  batchCid: z.string().nullable(),
  blockHash: z.string().nullable(),
  confirmations: z.number().int(),
});

export const readingSchema = z.object({
  id: z.string(),
  deviceId: z.string(),
  kind: z.enum(READING_KINDS),
  ts: z.string().describe('Device timestamp, ISO-8601'),
  receivedAt: z.string().describe('Gateway receipt time, ISO-8601'),
  data: z.union([
    readingSchemas.vitals,
    readingSchemas.flight,
    readingSchemas.delivery,
    z.record(z.string(), z.unknown()).describe('A masked reading, under a custom masking policy'),
  ]),
  masked: z
    .boolean()
    .describe("true when the reading is of a patient outside the token's grant: its data is masked"),
  proof: proofStatusSchema,
});

export const readingsQuerySchema = z.strictObject({
  from: queryTime.optional(),
  to: queryTime.optional(),
  kind: z.enum(READING_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(2048).optional(),
});

export const readingsPageSchema = z.object({
  readings: z.array(readingSchema),
  nextCursor: z.string().nullable(),
});

export const patientParams = z.strictObject({ patientId: idSchema });
export const flightParams = z.strictObject({ flightId: idSchema });
export const deviceParams = z.strictObject({ id: deviceIdSchema });

export const createDeviceBody = z.strictObject({
  id: deviceIdSchema,
  kind: deviceKindSchema,
  patientId: idSchema.optional().describe('For a wearable: the only patient it may report'),
  shared: z
    .boolean()
    .optional()
    .describe(
      'For a wearable with no patientId: it may report several patients (a ward device). Without either, its vitals are quarantined',
    ),
});

export const createdDeviceSchema = z.object({
  id: z.string(),
  kind: deviceKindSchema,
  patientId: z.string().nullable(),
  shared: z.boolean(),
  secret: z.string().describe('MQTT password; shown once, stored only as a slow hash'),
});

export const deviceSchema = z.object({
  id: z.string(),
  kind: deviceKindSchema,
  patientId: z.string().nullable(),
  shared: z.boolean(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const createTokenBody = z.strictObject({
  role: roleSchema,
  patients: z.array(idSchema).max(10_000).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._ -]{1,64}$/)
    .optional(),
});

export const createdTokenSchema = z.object({
  token: z.string().describe('Bearer token; shown once, stored only as SHA-256'),
  name: z.string(),
  role: z.string(),
  patients: z.array(z.string()),
});
