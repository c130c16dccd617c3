/**
 * Applying a masking policy (pure). The result is a new object; the input is never changed. Fields with
 * no rule are kept, so a policy names what leaves in another form. When several rules match a path the
 * most specific kind wins (`vitals` before `*`), then the later rule.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ReadingKind } from '../telemetry/schemas.ts';
import type { MaskingRule } from './policy.ts';

export interface Masker {
  mask(kind: ReadingKind, data: object): Record<string, unknown>;
  /** The pseudonym of a value, as `pseudonymize` writes it (so the gateway can query by patient id). */
  pseudonym(value: string): string;
}

const TIME_UNITS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** Pseudonyms remembered per masker: a window has a few thousand patients, each in many readings. */
const PSEUDONYM_CACHE = 50_000;

export function createMasker(rules: readonly MaskingRule[], pseudonymKey: Uint8Array): Masker {
  if (!(pseudonymKey instanceof Uint8Array) || pseudonymKey.length < 16) {
    throw new TypeError('pseudonymKey must be a Uint8Array of at least 16 bytes');
  }
  const byKind = new Map<string, MaskingRule[]>();
  const rulesFor = (kind: ReadingKind): MaskingRule[] => {
    let list = byKind.get(kind);
    if (!list) {
      // Generic rules first, so that kind-specific rules for the same path override them.
      list = [...rules.filter((r) => r.kind === '*'), ...rules.filter((r) => r.kind === kind)];
      byKind.set(kind, list);
    }
    return list;
  };
  const pseudonyms = new Map<string, string>();
  const pseudonym = (value: string) => {
    let p = pseudonyms.get(value);
    if (p === undefined) {
      p = `psn-${bytesToHex(hmac(sha256, pseudonymKey, utf8ToBytes(value)).subarray(0, 16))}`;
      if (pseudonyms.size >= PSEUDONYM_CACHE) pseudonyms.clear();
      pseudonyms.set(value, p);
    }
    return p;
  };

  return {
    pseudonym,
    mask(kind, data) {
      const out = clone(data) as Record<string, unknown>;
      const decided = new Map<string, MaskingRule>();
      for (const rule of rulesFor(kind)) decided.set(rule.path, rule);
      for (const rule of decided.values()) apply(out, rule.path.split('.'), rule, pseudonym);
      return out;
    },
  };
}

/**
 * A deep copy: plain objects, arrays and primitives (what readings are) copied by hand, which is several
 * times faster than structuredClone; anything else goes to structuredClone.
 */
function clone(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clone(value[i]);
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    // An own "__proto__" (JSON.parse can make one) would set the prototype here.
    if (key === '__proto__') return structuredClone(value);
    out[key] = clone((value as Record<string, unknown>)[key]);
  }
  return out;
}

function apply(
  target: Record<string, unknown>,
  path: string[],
  rule: MaskingRule,
  pseudonym: (v: string) => string,
) {
  const [head, ...rest] = path;
  if (head === undefined || !(head in target)) return;
  if (rest.length > 0) {
    const inner = target[head];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      apply(inner as Record<string, unknown>, rest, rule, pseudonym);
    }
    return;
  }
  const value = target[head];
  switch (rule.action) {
    case 'keep':
      return;
    case 'occlude':
      delete target[head];
      return;
    case 'pseudonymize':
      target[head] = pseudonym(typeof value === 'string' ? value : JSON.stringify(value));
      return;
    case 'generalize':
      target[head] = generalize(value, rule);
  }
}

function generalize(value: unknown, rule: Extract<MaskingRule, { action: 'generalize' }>): unknown {
  if ('step' in rule) {
    return typeof value === 'number'
      ? roundTo(Math.round(value / rule.step) * rule.step, rule.step)
      : undefined;
  }
  if ('gridDeg' in rule) {
    if (!value || typeof value !== 'object') return undefined;
    const p = value as { lat?: unknown; lon?: unknown; altM?: unknown };
    const snap = (n: unknown) =>
      typeof n === 'number'
        ? roundTo(Math.floor(n / rule.gridDeg) * rule.gridDeg + rule.gridDeg / 2, rule.gridDeg / 2)
        : undefined;
    // Altitude is dropped: near the ground it says which building and which floor.
    return { lat: snap(p.lat), lon: snap(p.lon) };
  }
  const unit = TIME_UNITS[rule.timeUnit];
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  const truncated = ms - (ms % unit);
  return typeof value === 'number' ? truncated : new Date(truncated).toISOString();
}

/** Rounds away binary noise (0.1 + 0.2) to the precision of the step. */
function roundTo(n: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 1);
  return Number(n.toFixed(decimals));
}
