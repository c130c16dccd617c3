/**
 * FHIR logical ids are 1..64 of [A-Za-z0-9.-] (FHIR R4 §2.24.0.1 `id`); patient, device and flight ids
 * may also hold `_`. Ids without `.` or `_` are their own FHIR id; the others are escaped (`.` → `.0`,
 * `_` → `.1`), so every escaped id holds a `.` and no plain one does: the mapping is one-to-one.
 */
const PLAIN = /^[A-Za-z0-9-]+$/;

export function toFhirId(id: string): string {
  if (PLAIN.test(id)) return id;
  return id.replaceAll('.', '.0').replaceAll('_', '.1');
}

/** The gateway id behind a FHIR id, or null when it is not one `toFhirId` makes. */
export function fromFhirId(fhirId: string): string | null {
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(fhirId)) return null;
  if (!fhirId.includes('.')) return fhirId;
  let out = '';
  for (let i = 0; i < fhirId.length; i++) {
    const c = fhirId[i]!;
    if (c !== '.') {
      out += c;
      continue;
    }
    const next = fhirId[++i];
    if (next === '0') out += '.';
    else if (next === '1') out += '_';
    else return null;
  }
  return toFhirId(out) === fhirId ? out : null;
}
