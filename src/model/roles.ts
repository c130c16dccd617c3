/** The roles a bearer token carries (docs/api.md). */
import { z } from 'zod';

export const ROLES = ['admin', 'clinician', 'patient', 'auditor', 'peer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
