/**
 * How many sockets the broker may hold, from the process's descriptor limit. Node cannot call setrlimit,
 * but at start-up it raises its own soft RLIMIT_NOFILE to the hard limit; what is left to decide is how
 * much of that limit MQTT may take, keeping the rest for the HTTP API, LevelDB's files and the process
 * itself (docs/limits.md). Linux exposes the limit in /proc/self/limits; elsewhere it is unknown.
 */
import { readFileSync } from 'node:fs';

export interface DescriptorLimit {
  readonly soft: number;
  readonly hard: number;
}

/** The soft and hard "Max open files" of this process, or null where /proc is not available. */
export function readDescriptorLimit(procLimits = '/proc/self/limits'): DescriptorLimit | null {
  let text: string;
  try {
    text = readFileSync(procLimits, 'utf8');
  } catch {
    return null;
  }
  return parseDescriptorLimit(text);
}

export function parseDescriptorLimit(text: string): DescriptorLimit | null {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const match = line?.match(/^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/);
  if (!match) return null;
  const value = (s: string | undefined) => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
  return { soft: value(match[1]), hard: value(match[2]) };
}

export interface ConnectionCaps {
  readonly maxConnections: number;
  readonly pendingConnections: number;
}

/** Without a known limit, the caps assume the common default of 1,024 descriptors. */
const ASSUMED_LIMIT = 1024;
const MIN_CONNECTIONS = 16;
const MAX_DEFAULT_PENDING = 1024;

export function deriveConnectionCaps(
  limit: DescriptorLimit | null,
  options: { reserved: number; maxConnections?: number | undefined; pendingConnections?: number | undefined },
): ConnectionCaps {
  const descriptors = Math.min(limit?.soft ?? ASSUMED_LIMIT, 10_000_000);
  const available = Math.max(MIN_CONNECTIONS, descriptors - options.reserved);
  // A configured cap never exceeds what the descriptors allow: past it, accept() fails for everyone.
  const maxConnections = Math.min(options.maxConnections ?? available, available);
  // Each socket awaiting CONNACK may hold up to packetsBeforeConnack x connectMaxBytes (256 KiB by
  // default): at most 1,024 of them by default keeps that under 256 MB however many descriptors there are.
  const pendingConnections = Math.min(
    options.pendingConnections ?? Math.min(MAX_DEFAULT_PENDING, Math.max(4, Math.floor(maxConnections / 4))),
    maxConnections,
  );
  return { maxConnections, pendingConnections };
}
