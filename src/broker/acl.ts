/**
 * Topic rules of docs/devices.md. A device publishes only under its own id, and only the kinds it produces
 * (wearables: vitals; drones: flight and delivery). It subscribes only to its own errors topic.
 */
import type { DeviceKind } from '../store/index.ts';
import { errorsTopic, parseTelemetryTopic, type ReadingKind } from '../telemetry/index.ts';

const KINDS_BY_DEVICE: Record<DeviceKind, ReadonlySet<ReadingKind>> = {
  wearable: new Set(['vitals']),
  drone: new Set(['flight', 'delivery']),
};

export type PublishDecision = { ok: true; kind: ReadingKind } | { ok: false; reason: string };

export function checkPublish(topic: string, device: { id: string; kind: DeviceKind }): PublishDecision {
  const parsed = parseTelemetryTopic(topic);
  if (!parsed) return { ok: false, reason: `topic ${topic} is not tele/{deviceId}/{vitals|flight|delivery}` };
  if (parsed.deviceId !== device.id) return { ok: false, reason: `topic ${topic} belongs to another device` };
  if (!KINDS_BY_DEVICE[device.kind].has(parsed.kind)) {
    return { ok: false, reason: `a ${device.kind} does not publish ${parsed.kind}` };
  }
  return { ok: true, kind: parsed.kind };
}

export function checkSubscribe(topic: string, deviceId: string): boolean {
  return topic === errorsTopic(deviceId);
}
