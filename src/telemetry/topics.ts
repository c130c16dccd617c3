/** Topic grammar of docs/devices.md. */
import { READING_KINDS, type ReadingKind } from './schemas.ts';

export interface TelemetryTopic {
  readonly deviceId: string;
  readonly kind: ReadingKind;
}

const kinds = new Set<string>(READING_KINDS);

/** `tele/{deviceId}/{vitals|flight|delivery}`, or null for any other topic. */
export function parseTelemetryTopic(topic: string): TelemetryTopic | null {
  // On every PUBLISH: index arithmetic rather than split(), which allocates an array per message.
  if (!topic.startsWith('tele/')) return null;
  const slash = topic.indexOf('/', 5);
  if (slash <= 5) return null;
  const kind = topic.slice(slash + 1);
  if (!kinds.has(kind)) return null;
  return { deviceId: topic.slice(5, slash), kind: kind as ReadingKind };
}

export const errorsTopic = (deviceId: string): string => `tele/${deviceId}/errors`;
