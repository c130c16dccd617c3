/** Topic grammar of SPEC §1. */
import { READING_KINDS, type ReadingKind } from './schemas.ts';

export interface TelemetryTopic {
  readonly deviceId: string;
  readonly kind: ReadingKind;
}

const kinds = new Set<string>(READING_KINDS);

/** `tele/{deviceId}/{vitals|flight|delivery}`, or null for any other topic. */
export function parseTelemetryTopic(topic: string): TelemetryTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'tele') return null;
  const [, deviceId, kind] = parts as [string, string, string];
  if (!deviceId || !kinds.has(kind)) return null;
  return { deviceId, kind: kind as ReadingKind };
}

export const errorsTopic = (deviceId: string): string => `tele/${deviceId}/errors`;
