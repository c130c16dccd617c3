/** Devices as the registry keeps them (docs/devices.md). */
import { z } from 'zod';
import { idSchema } from './ids.ts';

export const DEVICE_KINDS = ['wearable', 'drone'] as const;
export const deviceKindSchema = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof deviceKindSchema>;

export const deviceRecordSchema = z.strictObject({
  id: idSchema,
  kind: deviceKindSchema,
  patientId: idSchema.nullable(),
  /** A wearable bound to no patient that may report several (a ward device); absent on older records. */
  shared: z.boolean().optional(),
  secretHash: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
});
export type DeviceRecord = Readonly<z.infer<typeof deviceRecordSchema>>;
