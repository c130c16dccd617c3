/** A reading as the gateway stores it: the device's payload and what the gateway added on receipt. */
import { z } from 'zod';
import { idSchema } from './ids.ts';
import { READING_KINDS, readingSchemas } from './reading-data.ts';

export const storedReadingSchema = z.strictObject({
  /** The gateway's id of the reading (receipt order). */
  id: z.string(),
  deviceId: idSchema,
  kind: z.enum(READING_KINDS),
  seq: z.number().int().min(0),
  /** Device timestamp, epoch ms. */
  ts: z.number(),
  /** Gateway receipt time, epoch ms: decides the minute the reading is sealed in. */
  receivedAt: z.number(),
  data: z.union([readingSchemas.vitals, readingSchemas.flight, readingSchemas.delivery]),
});
export type StoredReading = Readonly<z.infer<typeof storedReadingSchema>>;
