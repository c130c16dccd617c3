/**
 * Payload parsing (docs/devices.md): UTF-8 JSON, one reading or an offline buffer of up to `maxBatch` readings.
 * Pure: the clock comes in as `now`. Invalid readings are returned with their errors, never thrown, so
 * that one bad reading in an array loses none of its valid siblings. Each reading is first walked once
 * (json-limits.ts: depth, lone surrogates, non-finite numbers), and no reading reports more than
 * `maxErrors` problems, so an invalid reading costs about what a valid one of its size costs.
 */
import type { z } from 'zod';
import { compileFastChecks } from './fast-check.ts';
import { DEFAULT_JSON_LIMITS, isDepthProblem, jsonProblems } from './json-limits.ts';
import { type ReadingData, type ReadingKind, readingSchemas } from './schemas.ts';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ValidReading {
  readonly index: number;
  readonly seq: number;
  /** Device timestamp, epoch milliseconds. */
  readonly ts: number;
  readonly data: ReadingData;
  /** The device's JSON text of this reading, when the payload was that one reading (saves re-serializing). */
  readonly json?: string;
}

export interface InvalidReading {
  readonly index: number;
  /** The reading's `seq` when it had a usable one, so the device can match the report. */
  readonly seq: number | null;
  readonly errors: readonly FieldError[];
  readonly reason: 'schema' | 'time_window' | 'json';
  /** The reading's JSON text (or, if it cannot be serialized, the payload's), cut to `maxRawChars`. */
  readonly raw: string;
}

export interface ParsedPayload {
  readonly valid: ValidReading[];
  readonly invalid: InvalidReading[];
  /** Set when the whole message is unusable (not UTF-8, not JSON, wrong container, too many readings). */
  readonly malformed: FieldError | null;
}

export interface ParseOptions {
  readonly now: number;
  /** Readings stamped further ahead than this are rejected (docs/devices.md: 5 minutes). */
  readonly maxFutureMs: number;
  /** Readings older than this are rejected (docs/devices.md: default 7 days). */
  readonly backfillMs: number;
  readonly maxBatch: number;
  /** Nesting allowed in a payload, the payload itself being level 1 (default 16). */
  readonly maxDepth?: number;
  /** Problems reported per reading; validation stops at this many (default 10). */
  readonly maxErrors?: number;
  /** Characters of a rejected reading's text kept for quarantine (default 4096). */
  readonly maxRawChars?: number;
}

export const DEFAULT_MAX_RAW_CHARS = 4096;
/** Characters of a path in an error report: a device's own key may be most of its payload. */
const MAX_PATH_CHARS = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Compiled once from the schemas: pure functions, like a module's regular expressions. */
/** Compiled on first use, so importing the telemetry shapes costs no code generation. */
let fastChecks: ReturnType<typeof compileFastChecks> | undefined;

export function parsePayload(kind: ReadingKind, payload: Uint8Array, options: ParseOptions): ParsedPayload {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return malformed('payload is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return malformed(`payload is not JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(value)) {
    if (value.length === 0)
      return malformed(`empty array: send one reading or an array of 1..${options.maxBatch}`);
    if (value.length > options.maxBatch) {
      return malformed(`array of ${value.length} readings exceeds the limit of ${options.maxBatch}`);
    }
  } else if (value === null || typeof value !== 'object') {
    return malformed('payload must be a JSON object (one reading) or an array of readings');
  }
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const valid: ValidReading[] = [];
  const invalid: InvalidReading[] = [];
  const schema = readingSchemas[kind];
  fastChecks ??= compileFastChecks();
  const fast = fastChecks[kind];
  const limits = {
    maxDepth: options.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth,
    maxProblems: options.maxErrors ?? DEFAULT_JSON_LIMITS.maxProblems,
  };
  const maxRawChars = options.maxRawChars ?? DEFAULT_MAX_RAW_CHARS;
  // A reading of an offline buffer is level 2 of the payload.
  const depth = Array.isArray(value) ? 2 : 1;
  const rawOf = (raw: unknown, serializable: boolean) =>
    (Array.isArray(value) && serializable ? (JSON.stringify(raw) ?? 'null') : text).slice(0, maxRawChars);
  for (let index = 0; index < items.length; index++) {
    const raw = items[index];
    // What canonicalization or serialization would choke on is refused before any schema looks at it.
    const problems = jsonProblems(raw, limits, depth);
    if (problems.length > 0) {
      const serializable = !problems.some(isDepthProblem);
      invalid.push({
        index,
        seq: seqOf(raw),
        errors: boundPaths(problems),
        reason: 'json',
        raw: rawOf(raw, serializable),
      });
      continue;
    }
    let data: ReadingData;
    if (fast(raw)) {
      data = raw as ReadingData;
    } else {
      const result = schema.safeParse(raw);
      if (!result.success) {
        const errors = boundPaths(zodErrors(result.error, limits.maxProblems));
        invalid.push({ index, seq: seqOf(raw), errors, reason: 'schema', raw: rawOf(raw, true) });
        continue;
      }
      data = result.data;
    }
    const ts = typeof data.ts === 'number' ? data.ts : Date.parse(data.ts);
    const timeError = checkTimeWindow(ts, options);
    if (timeError) {
      invalid.push({
        index,
        seq: data.seq,
        errors: [timeError],
        reason: 'time_window',
        raw: rawOf(raw, true),
      });
      continue;
    }
    valid.push(
      Array.isArray(value)
        ? { index, seq: data.seq, ts, data }
        : { index, seq: data.seq, ts, data, json: text },
    );
  }
  return { valid, invalid, malformed: null };
}

function checkTimeWindow(ts: number, options: ParseOptions): FieldError | null {
  if (ts > options.now + options.maxFutureMs) {
    return { path: 'ts', message: `timestamp is more than ${options.maxFutureMs / 1000} s in the future` };
  }
  if (ts < options.now - options.backfillMs) {
    return {
      path: 'ts',
      message: `timestamp is older than the back-fill window of ${options.backfillMs / 1000} s`,
    };
  }
  return null;
}

function boundPaths(errors: FieldError[]): FieldError[] {
  return errors.map((e) =>
    e.path.length > MAX_PATH_CHARS ? { ...e, path: `${e.path.slice(0, MAX_PATH_CHARS)}…` } : e,
  );
}

function malformed(message: string): ParsedPayload {
  return { valid: [], invalid: [], malformed: { path: '', message } };
}

function seqOf(raw: unknown): number | null {
  if (raw === null || typeof raw !== 'object') return null;
  const seq = (raw as { seq?: unknown }).seq;
  return Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : null;
}

/** The first `max` problems of a zod error as field errors. */
export function zodErrors(error: z.ZodError, max = Number.POSITIVE_INFINITY): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        if (out.length >= max) return out;
        out.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
      }
      continue;
    }
    if (out.length >= max) return out;
    out.push({ path: base, message: issue.message });
  }
  return out;
}
