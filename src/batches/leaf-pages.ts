/**
 * A window's leaves, from what the store holds to finished pages: a reading's stored JSON text or an
 * access-log entry becomes its leaf object, canonical JSON and masked form, then goes into the page
 * builder. Pure and synchronous: the seal worker and the in-thread path both run exactly this.
 */
import type { AlarmEventEntry } from '../alarms/store.ts';
import type { Masker } from '../masking/index.ts';
import { canonicalJson } from '../model/canonical.ts';
import { decodeStoredReading } from '../model/reading-codec.ts';
import type { AccessEntry } from '../store/index.ts';
import { accessLeafObject, alarmLeafObject, readingLeafObject } from './leaves.ts';
import { PageBuilder, type PageParams, type SealedPage } from './page-builder.ts';

/**
 * A stored reading that cannot become a leaf (its text cannot be canonicalized or masked): what the sealer
 * needs to move it to quarantine, and its text cut to `UNSEALABLE_RAW_CHARS`.
 */
export interface UnsealableReading {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: string;
  readonly seq: number | null;
  readonly ts: number;
  readonly receivedAt: number;
  /** Owners of the reading's index entries. */
  readonly patientId: string | null;
  readonly flightId: string | null;
  readonly reason: string;
  readonly raw: string;
  readonly sizeBytes: number;
}

export const UNSEALABLE_RAW_CHARS = 4096;

export interface LeafPagesResult {
  /** The last page, if any leaves were left. */
  readonly pages: SealedPage[];
  readonly root: Uint8Array;
  readonly count: number;
  /** Readings left out of the window, in order (docs/limits.md: one bad leaf does not stop a window). */
  readonly unsealable: UnsealableReading[];
}

export class LeafPages {
  readonly #builder: PageBuilder;
  readonly #masker: Masker;
  readonly #unsealable: UnsealableReading[] = [];

  constructor(params: PageParams, masker: Masker, salt?: () => Uint8Array) {
    this.#builder = new PageBuilder(params, salt);
    this.#masker = masker;
  }

  /** Readings as stored (JSON text), in receipt order; returns the pages they complete. */
  readings(texts: readonly string[]): SealedPage[] {
    const pages: SealedPage[] = [];
    for (const text of texts) {
      let canonical: string;
      let masked: unknown;
      try {
        const r = decodeStoredReading(text);
        const leaf = readingLeafObject(r);
        canonical = canonicalJson(leaf);
        masked = { ...leaf, data: this.#masker.mask(r.kind, r.data) };
      } catch (err) {
        this.#unsealable.push(unsealable(text, err instanceof Error ? err.message : String(err)));
        continue;
      }
      const page = this.#builder.add(canonical, masked);
      if (page) pages.push(page);
    }
    return pages;
  }

  /** Access-log entries, after every reading of the window. */
  access(entries: readonly AccessEntry[]): SealedPage[] {
    const pages: SealedPage[] = [];
    for (const entry of entries) {
      const leaf = accessLeafObject(entry);
      const page = this.#builder.add(canonicalJson(leaf), maskAccess(leaf, this.#masker));
      if (page) pages.push(page);
    }
    return pages;
  }

  /** Alarm events, after the access-log entries. */
  alarms(entries: readonly AlarmEventEntry[]): SealedPage[] {
    const pages: SealedPage[] = [];
    for (const entry of entries) {
      const leaf = alarmLeafObject(entry);
      const { patientId } = leaf.alarm;
      const masked =
        patientId === null
          ? leaf
          : { ...leaf, alarm: { ...leaf.alarm, patientId: this.#masker.pseudonym(patientId) } };
      const page = this.#builder.add(canonicalJson(leaf), masked);
      if (page) pages.push(page);
    }
    return pages;
  }

  finish(): LeafPagesResult {
    const last = this.#builder.flush();
    return {
      pages: last ? [last] : [],
      root: this.#builder.root(),
      count: this.#builder.count,
      unsealable: this.#unsealable,
    };
  }
}

function unsealable(text: string, reason: string): UnsealableReading {
  let r: Record<string, unknown> = {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object') r = value as Record<string, unknown>;
  } catch {
    // Not JSON at all: the id still starts the text the ingest log wrote.
    r = { id: /^\{"id":"([0-9a-f]{16})"/.exec(text)?.[1] };
  }
  const data = (r.data ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    id: str(r.id) ?? '',
    deviceId: str(r.deviceId) ?? '',
    kind: str(r.kind) ?? '',
    seq: num(r.seq),
    ts: num(r.ts) ?? 0,
    receivedAt: num(r.receivedAt) ?? 0,
    patientId: str(data.patientId),
    flightId: str(data.flightId),
    reason,
    raw: text.slice(0, UNSEALABLE_RAW_CHARS),
    sizeBytes: text.length,
  };
}

/**
 * An access entry as shared: the patient id, also where it appears in the URL, becomes its pseudonym, and the
 * URL's query is left out (search filters; a stored file's hash, size and type, which could confirm a file
 * one already has). The sealed leaf keeps the whole URL.
 */
function maskAccess(leaf: ReturnType<typeof accessLeafObject>, masker: Masker) {
  const query = leaf.resource.indexOf('?');
  const path = query === -1 ? leaf.resource : leaf.resource.slice(0, query);
  if (leaf.patientId === null) return { ...leaf, resource: path };
  const pseudonym = masker.pseudonym(leaf.patientId);
  return { ...leaf, patientId: pseudonym, resource: path.split(leaf.patientId).join(pseudonym) };
}
