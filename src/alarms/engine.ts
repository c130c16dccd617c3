/**
 * The state machine that turns committed readings into alarm changes (docs/alarms.md, "Lifecycle"). Pure:
 * no clock (all times are the readings' device times), no I/O; the alarm service persists what it returns.
 *
 * State is kept per subject (a patient, or a flight): the time each rule's condition started to hold, the
 * latest NEWS2 parameters, a flight's payload kind and patient. Subjects are bounded (`maxSubjects`): the
 * least recently seen subject without an open alarm is forgotten first, and when every subject has an open
 * alarm, readings of new subjects are not evaluated (counted as refused).
 */
import type { StoredReading } from '../store/records.ts';
import { type Alarm, type AlarmEventName, levelRank } from './alarm.ts';
import { NEWS2_PARAMETERS, type News2Parameter, news2Level, news2Points, news2Score } from './news2.ts';
import { conditionHolds, fieldValue, type Rule } from './rules.ts';

export interface EngineOptions {
  readonly rules: readonly Rule[];
  readonly news2: { readonly enabled: boolean; readonly maxAgeMs: number; readonly clearMs: number };
  readonly maxSubjects: number;
}

/** An alarm after a change; `event` is null for an update that is not an event (kept, de-escalated). */
export interface AlarmChange {
  readonly alarm: Alarm;
  readonly event: AlarmEventName | null;
  /** The alarm as it stood before this change (an earlier change of the same evaluation included); null when it opens. */
  readonly previous: Alarm | null;
}

interface Subject {
  openAlarms: number;
  /**
   * Rule id → since when (device ms) its condition holds, or null; since when it has stopped holding while
   * its alarm is open, or null; and the latest device time judged.
   */
  readonly rules: Map<string, { since: number | null; clearSince: number | null; lastTs: number }>;
  readonly news2: Map<News2Parameter, { value: number; ts: number }>;
  news2LastTs: number;
  news2ClearSince: number | null;
  payloadKind: string | null;
  patientId: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const NEWS2_RULE = 'news2';

export class AlarmEngine {
  readonly #options: EngineOptions;
  readonly #nextId: () => string;
  readonly #subjects = new Map<string, Subject>();
  /** `{rule}|{subject}` → the open alarm. */
  readonly #open = new Map<string, Alarm>();
  readonly #keyOf = new Map<string, string>();
  #refused = 0;

  constructor(options: EngineOptions, restored: readonly Alarm[], nextId: () => string) {
    if (!Number.isInteger(options.maxSubjects) || options.maxSubjects < 1)
      throw new RangeError('options.maxSubjects must be a positive integer');
    this.#options = options;
    this.#nextId = nextId;
    for (const alarm of restored) {
      if (alarm.status !== 'open' || (alarm.kind === 'news2' && !options.news2.enabled)) continue;
      const subjectKey = alarmSubject(alarm, options.rules);
      if (subjectKey === null) continue;
      const subject = this.#subject(subjectKey, true)!;
      subject.openAlarms++;
      if (alarm.flightId !== null) subject.patientId = alarm.patientId;
      this.#setOpen(`${alarm.rule}|${subjectKey}`, alarm);
    }
  }

  /** Readings not evaluated because the subject bound was reached, since the engine started. */
  get refused(): number {
    return this.#refused;
  }

  get subjects(): number {
    return this.#subjects.size;
  }

  openAlarms(): Alarm[] {
    return [...this.#open.values()];
  }

  /** How many alarms are open (without copying them). */
  openCount(): number {
    return this.#open.size;
  }

  evaluate(readings: readonly StoredReading[]): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const reading of readings) this.#evaluateOne(reading, changes);
    return changes;
  }

  /** Marks an open alarm acknowledged; null when no open alarm has that id. */
  acknowledge(id: string, by: string, atMs: number): Alarm | null {
    const key = this.#keyOf.get(id);
    const alarm = key === undefined ? undefined : this.#open.get(key);
    if (!alarm || key === undefined) return null;
    const acked: Alarm = { ...alarm, acknowledgedAt: iso(atMs), acknowledgedBy: by };
    this.#open.set(key, acked);
    return acked;
  }

  #evaluateOne(reading: StoredReading, changes: AlarmChange[]): void {
    const data = reading.data as unknown as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    const patientId = str(data.patientId);
    const flightId = str(data.flightId);
    const subjectKey =
      reading.kind === 'vitals' ? patientId && `patient:${patientId}` : flightId && `flight:${flightId}`;
    if (!subjectKey) return;
    const subject = this.#subject(subjectKey, false);
    if (!subject) {
      this.#refused++;
      return;
    }
    if (reading.kind === 'delivery') {
      const kind = str(fieldValue(data, 'payload.kind'));
      if (kind !== null) subject.payloadKind = kind;
      if (patientId !== null) subject.patientId = patientId;
    }
    const context = {
      subjectKey,
      subject,
      reading,
      patientId: reading.kind === 'vitals' ? patientId : subject.patientId,
      flightId,
    };
    for (const rule of this.#options.rules) {
      if (rule.kind !== reading.kind) continue;
      if (
        rule.payloadKinds &&
        subject.payloadKind !== null &&
        !rule.payloadKinds.includes(subject.payloadKind as never)
      )
        continue;
      this.#threshold(rule, context, data, changes);
    }
    if (reading.kind === 'vitals' && this.#options.news2.enabled) this.#news2(context, data, changes);
  }

  #threshold(rule: Rule, c: Context, data: Record<string, unknown>, changes: AlarmChange[]): void {
    const holds = conditionHolds(rule, fieldValue(data, rule.field));
    if (holds === null) return;
    const ts = c.reading.ts;
    let state = c.subject.rules.get(rule.id);
    if (!state) {
      state = { since: null, clearSince: null, lastTs: Number.NEGATIVE_INFINITY };
      c.subject.rules.set(rule.id, state);
    }
    // A reading older than one already judged (an offline buffer arriving late) does not move the state.
    if (ts < state.lastTs) return;
    state.lastTs = ts;
    const key = `${rule.id}|${c.subjectKey}`;
    const open = this.#open.get(key);
    if (!holds) {
      state.since = null;
      if (!open) return;
      state.clearSince ??= ts;
      if (ts - state.clearSince >= rule.clearSeconds * 1000) {
        state.clearSince = null;
        this.#close(key, open, ts, c.subject, changes);
      }
      return;
    }
    state.since ??= ts;
    state.clearSince = null;
    if (open) {
      this.#update(
        key,
        { ...open, updatedAt: iso(ts), patientId: open.patientId ?? c.patientId },
        null,
        changes,
      );
    } else if (ts - state.since >= rule.forSeconds * 1000) {
      this.#openAlarm(
        key,
        c,
        { kind: 'threshold', rule: rule.id, level: rule.severity, score: null, parameters: null },
        changes,
      );
    }
  }

  #news2(c: Context, data: Record<string, unknown>, changes: AlarmChange[]): void {
    const vitals = (data.vitals ?? {}) as Record<string, unknown>;
    const ts = c.reading.ts;
    let any = false;
    for (const p of NEWS2_PARAMETERS) {
      const value = vitals[p];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      any = true;
      const known = c.subject.news2.get(p);
      // Updated in place: a new object per reading would live until the next one, long enough to reach V8's
      // old generation, and every patient's readings would feed its major collections.
      if (!known) c.subject.news2.set(p, { value, ts });
      else if (known.ts <= ts) {
        known.value = value;
        known.ts = ts;
      }
    }
    if (!any || ts < c.subject.news2LastTs) return;
    c.subject.news2LastTs = ts;
    // The level first, from the points alone: most readings of most patients raise no alarm, and their
    // evaluation should allocate nothing that outlives it.
    const oldest = ts - this.#options.news2.maxAgeMs;
    let score = 0;
    let maxPoints = 0;
    for (const p of NEWS2_PARAMETERS) {
      const known = c.subject.news2.get(p);
      if (known === undefined || known.ts < oldest) continue;
      const points = news2Points(p, known.value);
      score += points;
      if (points > maxPoints) maxPoints = points;
    }
    const level = news2Level(score, maxPoints);
    if (level === null && c.subject.openAlarms === 0) return;
    const key = `${NEWS2_RULE}|${c.subjectKey}`;
    const open = this.#open.get(key);
    if (level === null) {
      if (!open) return;
      c.subject.news2ClearSince ??= ts;
      if (ts - c.subject.news2ClearSince >= this.#options.news2.clearMs) {
        c.subject.news2ClearSince = null;
        this.#close(key, open, ts, c.subject, changes);
      }
      return;
    }
    c.subject.news2ClearSince = null;
    const values: Partial<Record<News2Parameter, number>> = {};
    for (const [p, v] of c.subject.news2) if (v.ts >= oldest) values[p] = v.value;
    const result = news2Score(values);
    const fields = { score: result.score, parameters: result.parameters };
    if (!open) {
      this.#openAlarm(key, c, { kind: 'news2', rule: NEWS2_RULE, level, ...fields }, changes);
      return;
    }
    // The level is the worst reached while the alarm is open: a score that falls back from emergency to urgent
    // and rises again is not a second escalation, so an alarm has at most one `escalated` event.
    const escalated = levelRank(level) > levelRank(open.level);
    this.#update(
      key,
      {
        ...open,
        ...fields,
        level: escalated ? level : open.level,
        updatedAt: iso(ts),
      },
      escalated ? 'escalated' : null,
      changes,
    );
  }

  #openAlarm(
    key: string,
    c: Context,
    what: Pick<Alarm, 'kind' | 'rule' | 'level' | 'score' | 'parameters'>,
    changes: AlarmChange[],
  ): void {
    const at = iso(c.reading.ts);
    const alarm: Alarm = {
      id: this.#nextId(),
      ...what,
      patientId: c.patientId,
      deviceId: c.reading.deviceId,
      flightId: c.flightId,
      status: 'open',
      openedAt: at,
      updatedAt: at,
      closedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    c.subject.openAlarms++;
    this.#setOpen(key, alarm);
    changes.push({ alarm, event: 'opened', previous: null });
  }

  #update(key: string, alarm: Alarm, event: AlarmEventName | null, changes: AlarmChange[]): void {
    const previous = this.#open.get(key) ?? null;
    this.#open.set(key, alarm);
    changes.push({ alarm, event, previous });
  }

  #close(key: string, open: Alarm, ts: number, subject: Subject, changes: AlarmChange[]): void {
    const at = iso(Math.max(ts, Date.parse(open.openedAt)));
    const alarm: Alarm = { ...open, status: 'closed', closedAt: at, updatedAt: at };
    this.#open.delete(key);
    this.#keyOf.delete(open.id);
    subject.openAlarms--;
    changes.push({ alarm, event: 'closed', previous: open });
  }

  #setOpen(key: string, alarm: Alarm): void {
    this.#open.set(key, alarm);
    this.#keyOf.set(alarm.id, key);
  }

  /** The subject's state, most recently seen last; null when the bound is reached and nothing can go. */
  #subject(key: string, force: boolean): Subject | null {
    const known = this.#subjects.get(key);
    if (known) {
      this.#subjects.delete(key);
      this.#subjects.set(key, known);
      return known;
    }
    if (!force && this.#subjects.size >= this.#options.maxSubjects) {
      for (const [k, s] of this.#subjects) {
        if (s.openAlarms > 0) continue;
        this.#subjects.delete(k);
        break;
      }
      if (this.#subjects.size >= this.#options.maxSubjects) return null;
    }
    const subject: Subject = {
      openAlarms: 0,
      rules: new Map(),
      news2: new Map(),
      news2LastTs: Number.NEGATIVE_INFINITY,
      news2ClearSince: null,
      payloadKind: null,
      patientId: null,
    };
    this.#subjects.set(key, subject);
    return subject;
  }
}

interface Context {
  readonly subjectKey: string;
  readonly subject: Subject;
  readonly reading: StoredReading;
  readonly patientId: string | null;
  readonly flightId: string | null;
}

/** The subject an alarm is about: its patient for vitals rules and NEWS2, its flight otherwise. */
function alarmSubject(alarm: Alarm, rules: readonly Rule[]): string | null {
  if (alarm.kind === 'news2') return alarm.patientId && `patient:${alarm.patientId}`;
  const rule = rules.find((r) => r.id === alarm.rule);
  if (!rule) return null;
  return rule.kind === 'vitals'
    ? alarm.patientId && `patient:${alarm.patientId}`
    : alarm.flightId && `flight:${alarm.flightId}`;
}
