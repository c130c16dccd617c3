/**
 * Search parameters of `GET /fhir/Observation` (docs/fhir.md, "Search"): parsed from the query string into
 * a plan the route runs against the store. Unknown parameters are refused (400), as FHIR's strict handling
 * allows, so a client never mistakes an ignored filter for an applied one. Pure.
 */
import { GatewayError } from '../errors.ts';
import { FLIGHT_ID_SYSTEM, OBSERVATION_CATEGORY, VITALS } from './codes.ts';
import { fromFhirId } from './ids.ts';
import type { VitalName } from './observations.ts';

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

export type Query = Record<string, string | string[] | undefined>;

export interface ObservationSearch {
  readonly patientId: string;
  /** Effective time, epoch ms: `from` inclusive, `to` exclusive. */
  readonly from: number;
  readonly to: number | null;
  /** The vitals asked for (code and category filters together), in the mapping's order. */
  readonly vitals: readonly VitalName[];
  readonly count: number;
  readonly descending: boolean;
  readonly revIncludeProvenance: boolean;
  readonly cursor: string | null;
}

const bad = (message: string): never => {
  throw new GatewayError('ERR_BAD_REQUEST', message);
};

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function single(query: Query, name: string): string | undefined {
  const values = list(query[name]);
  if (values.length > 1) bad(`${name} may be given once`);
  return values[0];
}

const ALLOWED = new Set([
  'patient',
  'subject',
  'date',
  'code',
  'category',
  '_count',
  '_sort',
  '_revinclude',
  '_cursor',
  '_format',
]);

/** A patient search's vitals: those about the patient (the battery is about the device). */
const PATIENT_VITALS = (Object.keys(VITALS) as VitalName[]).filter((v) => v !== 'battery');

export interface DeliverySearch {
  readonly patientId: string;
  readonly count: number;
  readonly revIncludeProvenance: boolean;
  readonly cursor: string | null;
}

/** `GET /fhir/SupplyDelivery` and `GET /fhir/Task`: a patient's deliveries, oldest first. */
export function parseDeliverySearch(query: Query): DeliverySearch {
  const common = parseCommon(query, new Set(['patient', '_count', '_revinclude', '_cursor', '_format']));
  return { ...common, patientId: patientOf(single(query, 'patient'), undefined) };
}

export interface FlightSearch {
  readonly flightId: string;
  readonly count: number;
  readonly revIncludeProvenance: boolean;
  readonly cursor: string | null;
}

/**
 * A flight's resources, in device-time order: `Observation?focus:identifier=…` (its telemetry) and
 * `Task?group-identifier=…` (its delivery events), the token being `[{flight-id system}|]{flightId}`.
 */
export function parseFlightSearch(
  query: Query,
  param: 'focus:identifier' | 'group-identifier',
): FlightSearch {
  const common = parseCommon(query, new Set([param, '_count', '_revinclude', '_cursor', '_format']));
  const token = single(query, param)!;
  const bar = token.indexOf('|');
  const system = bar < 0 ? null : token.slice(0, bar);
  const flightId = bar < 0 ? token : token.slice(bar + 1);
  if (system !== null && system !== '' && system !== FLIGHT_ID_SYSTEM)
    bad(`${param}: system must be ${FLIGHT_ID_SYSTEM}`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(flightId)) bad(`${param}: not a flight id`);
  return { ...common, flightId };
}

function parseCommon(query: Query, allowed: ReadonlySet<string>) {
  for (const key of Object.keys(query)) if (!allowed.has(key)) bad(`unknown search parameter ${key}`);
  const format = single(query, '_format');
  if (format !== undefined && !['json', 'application/json', 'application/fhir+json'].includes(format))
    bad('_format: only json is served');
  const countText = single(query, '_count');
  let count = DEFAULT_COUNT;
  if (countText !== undefined) {
    if (!/^\d{1,7}$/.test(countText) || Number(countText) < 1) bad('_count must be a positive integer');
    count = Math.min(Number(countText), MAX_COUNT);
  }
  const rev = single(query, '_revinclude');
  if (rev !== undefined && rev !== 'Provenance:target') bad('_revinclude: only Provenance:target');
  return { count, revIncludeProvenance: rev !== undefined, cursor: single(query, '_cursor') ?? null };
}

export function parseObservationSearch(query: Query): ObservationSearch {
  const common = parseCommon(query, ALLOWED);
  const patientId = patientOf(single(query, 'patient'), single(query, 'subject'));
  const { from, to } = dateRange(list(query.date));
  let vitals = PATIENT_VITALS;
  const code = single(query, 'code');
  if (code !== undefined) vitals = vitals.filter((v) => tokens(code).some((t) => matchesCode(v, t)));
  const category = single(query, 'category');
  if (category !== undefined)
    vitals = vitals.filter((v) => tokens(category).some((t) => matchesCategory(v, t)));
  const sort = single(query, '_sort');
  if (sort !== undefined && sort !== 'date' && sort !== '-date') bad('_sort: date or -date');
  return { ...common, patientId, from, to, vitals, descending: sort === '-date' };
}

function patientOf(patient: string | undefined, subject: string | undefined): string {
  if (patient !== undefined && subject !== undefined) bad('give patient or subject, not both');
  const ref = patient ?? subject;
  if (ref === undefined) bad('patient (or subject=Patient/{id}) is required');
  let id = ref!;
  if (id.startsWith('Patient/')) id = id.slice('Patient/'.length);
  else if (subject !== undefined) bad('subject must be Patient/{id}');
  const patientId = fromFhirId(id);
  if (patientId === null) bad('patient: not a patient id');
  return patientId!;
}

/** `system|code`, `|code` or `code`, comma-separated alternatives (FHIR token search). */
function tokens(value: string): Array<{ system: string | null; code: string }> {
  return value.split(',').map((t) => {
    const bar = t.indexOf('|');
    if (bar < 0) return { system: null, code: t };
    return { system: t.slice(0, bar), code: t.slice(bar + 1) };
  });
}

function matchesCode(vital: VitalName, token: { system: string | null; code: string }): boolean {
  return VITALS[vital].codings.some(
    (c) => c.code === token.code && (token.system === null || token.system === c.system),
  );
}

function matchesCategory(vital: VitalName, token: { system: string | null; code: string }): boolean {
  const category = VITALS[vital].category;
  return (
    category !== null &&
    category === token.code &&
    (token.system === null || token.system === OBSERVATION_CATEGORY)
  );
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The instants `[start, end)` a FHIR date value covers at its precision (FHIR R4 §3.1.1.4.2). */
export function dateInterval(value: string): { start: number; end: number } {
  const m = DATE.exec(value);
  if (!m) return bad(`date: ${value} is not a FHIR date`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (h !== undefined && zone === undefined) bad('date: a time needs a timezone');
  const zoneMs = zoneOffsetMs(zone);
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const start =
    Date.UTC(year, month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) +
    (frac ? Math.floor(Number(frac) * 1000) : 0) -
    zoneMs;
  if (!Number.isFinite(start) || month > 11 || day > 31) bad(`date: ${value} is not a date`);
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) end = Date.UTC(year, month + 1, 1);
  else if (h === undefined) end = Date.UTC(year, month, day + 1);
  else if (s === undefined) end = start + 60_000;
  else if (!frac) end = start + 1000;
  else end = start + 1;
  return { start, end };
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

/** `date` values (each `[prefix]value`) intersected into one range of effective time. */
export function dateRange(values: readonly string[]): { from: number; to: number | null } {
  let from = 0;
  let to: number | null = null;
  const below = (t: number) => {
    to = to === null ? t : Math.min(to, t);
  };
  for (const raw of values) {
    const prefix = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/.exec(raw)?.[1] ?? 'eq';
    const value = raw.slice(/^[a-z]{2}/.test(raw) ? 2 : 0);
    const { start, end } = dateInterval(value);
    switch (prefix) {
      case 'eq':
        from = Math.max(from, start);
        below(end);
        break;
      case 'ge':
        from = Math.max(from, start);
        break;
      case 'gt':
      case 'sa':
        from = Math.max(from, end);
        break;
      case 'lt':
      case 'eb':
        below(start);
        break;
      case 'le':
        below(end);
        break;
      default:
        bad(`date: prefix ${prefix} is not supported`);
    }
  }
  return { from, to };
}
