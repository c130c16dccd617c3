/**
 * A ~300-byte vitals reading (docs/devices.md shape) with fixed-width `seq` and `ts`, so each message is the
 * template with those two fields overwritten in place.
 */

/** `seq` is written as exactly this many digits, so values stay in [SEQ_MIN, SEQ_MAX]. */
export const SEQ_DIGITS = 12;
export const SEQ_MIN = 10 ** (SEQ_DIGITS - 1);
export const SEQ_MAX = 10 ** SEQ_DIGITS - 1;
/** `new Date().toISOString()` length for years 1970..9999. */
export const TS_LENGTH = 24;

const TS_MARK = 'T'.repeat(TS_LENGTH);

export interface VitalsTemplate {
  readonly bytes: Buffer;
  readonly seqOffset: number;
  readonly tsOffset: number;
}

/** `index` varies the values between devices; every value stays inside the physiological ranges. */
export function buildVitalsTemplate(patientId: string, index: number): VitalsTemplate {
  const mv: number[] = [];
  for (let i = 0; i < 12; i++) mv.push(Math.round(Math.sin((i + index) / 2.5) * 800) / 1000);
  const reading = {
    seq: SEQ_MAX,
    ts: TS_MARK,
    patientId,
    vitals: {
      heartRate: 60 + (index % 40),
      spo2: 94 + (index % 6),
      systolic: 110 + (index % 30),
      diastolic: 70 + (index % 15),
      temperature: (365 + (index % 10)) / 10,
      respRate: 12 + (index % 8),
      glucose: 90 + (index % 40),
      steps: index * 37,
    },
    ecg: { hz: 250, mv },
    battery: (50 + (index % 50)) / 100,
  };
  const text = JSON.stringify(reading);
  const bytes = Buffer.from(text, 'utf8');
  return {
    bytes,
    seqOffset: text.indexOf(`"seq":${SEQ_MAX}`) + '"seq":'.length,
    tsOffset: text.indexOf(TS_MARK),
  };
}

/** Writes `value` as SEQ_DIGITS ASCII digits (no leading zeros: value >= SEQ_MIN). */
export function writeSeq(buf: Buffer, offset: number, value: number): void {
  let rest = value;
  for (let i = offset + SEQ_DIGITS - 1; i >= offset; i--) {
    buf[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}
