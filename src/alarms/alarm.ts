/** An alarm as stored, served by the API and sent to webhooks (docs/alarms.md). */
import { z } from 'zod';

const parameterSchema = z.object({ value: z.number(), points: z.number().int() }).nullable();

export const ALARM_EVENTS = ['opened', 'escalated', 'acknowledged', 'closed'] as const;
export type AlarmEventName = (typeof ALARM_EVENTS)[number];

export const alarmSchema = z.object({
  id: z.string(),
  kind: z.enum(['threshold', 'news2']),
  /** The threshold rule's id, or `news2`. */
  rule: z.string(),
  patientId: z.string().nullable(),
  deviceId: z.string().nullable(),
  flightId: z.string().nullable(),
  status: z.enum(['open', 'closed']),
  level: z.enum(['info', 'warning', 'critical', 'urgent', 'emergency']),
  /** NEWS2 aggregate score; null for threshold alarms. */
  score: z.number().int().nullable(),
  parameters: z
    .object({
      respRate: parameterSchema,
      spo2: parameterSchema,
      systolic: parameterSchema,
      heartRate: parameterSchema,
      temperature: parameterSchema,
    })
    .nullable(),
  /** Device time of the reading that opened, last kept or closed the alarm, ISO-8601. */
  openedAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Gateway time of the acknowledgement, and the token label that made it. */
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});

export type Alarm = z.infer<typeof alarmSchema>;
export type AlarmLevel = Alarm['level'];

const RANK: Record<AlarmLevel, number> = { info: 0, warning: 1, critical: 2, urgent: 3, emergency: 4 };
export const levelRank = (level: AlarmLevel): number => RANK[level];
