/** Search parameters of /fhir/Observation (docs/fhir.md, "Search"): dates by precision, tokens, refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePageCursor, encodePageCursor } from '../../../src/fhir/page-cursor.ts';
import { dateInterval, dateRange, parseObservationSearch } from '../../../src/fhir/search.ts';

const ms = (iso: string) => Date.parse(iso);

describe('FHIR search parameters', () => {
  it('a date covers its precision', () => {
    assert.deepEqual(dateInterval('2026'), {
      start: ms('2026-01-01T00:00:00Z'),
      end: ms('2027-01-01T00:00:00Z'),
    });
    assert.deepEqual(dateInterval('2026-11'), {
      start: ms('2026-11-01T00:00:00Z'),
      end: ms('2026-12-01T00:00:00Z'),
    });
    assert.deepEqual(dateInterval('2026-11-24'), {
      start: ms('2026-11-24T00:00:00Z'),
      end: ms('2026-11-25T00:00:00Z'),
    });
    assert.deepEqual(dateInterval('2026-11-24T10:00:00+05:30'), {
      start: ms('2026-11-24T04:30:00Z'),
      end: ms('2026-11-24T04:30:01Z'),
    });
    assert.deepEqual(dateInterval('2026-11-24T10:00:00.250Z'), {
      start: ms('2026-11-24T10:00:00.250Z'),
      end: ms('2026-11-24T10:00:00.251Z'),
    });
    for (const bad of ['2026-13', '2026-11-24T10:00', 'yesterday', '2026-11-24T10:00:00', '20261124'])
      assert.throws(() => dateInterval(bad), /date/, bad);
  });

  it('prefixes intersect into one range', () => {
    assert.deepEqual(dateRange(['ge2026-11-24', 'lt2026-11-25']), {
      from: ms('2026-11-24T00:00:00Z'),
      to: ms('2026-11-25T00:00:00Z'),
    });
    assert.deepEqual(dateRange(['2026-11-24']), {
      from: ms('2026-11-24T00:00:00Z'),
      to: ms('2026-11-25T00:00:00Z'),
    });
    assert.deepEqual(dateRange(['gt2026-11-24', 'le2026-11-25']), {
      from: ms('2026-11-25T00:00:00Z'),
      to: ms('2026-11-26T00:00:00Z'),
    });
    assert.deepEqual(dateRange([]), { from: 0, to: null });
    assert.throws(() => dateRange(['ne2026-11-24']), /not supported/);
  });

  it('parses patient, codes, categories, count and sort; refuses what it does not know', () => {
    const s = parseObservationSearch({
      subject: 'Patient/P-1',
      code: 'http://loinc.org|8867-4,9279-1',
      _count: '5000',
      _sort: '-date',
    });
    assert.equal(s.patientId, 'P-1');
    assert.deepEqual(s.vitals, ['heartRate', 'respRate']);
    assert.equal(s.count, 1000);
    assert.equal(s.descending, true);
    assert.deepEqual(parseObservationSearch({ patient: 'P-1', category: 'laboratory' }).vitals, ['glucose']);
    assert.deepEqual(parseObservationSearch({ patient: 'P-1', code: 'urn:other|8867-4' }).vitals, []);
    assert.equal(parseObservationSearch({ patient: 'ward.11' }).patientId, 'ward_1');
    for (const q of [
      {},
      { patient: 'P-1', subject: 'Patient/P-1' },
      { subject: 'Device/x' },
      { patient: 'P-1', _count: '0' },
      { patient: 'P-1', _sort: 'code' },
      { patient: 'P-1', _revinclude: 'Device:x' },
      { patient: 'P-1', _format: 'xml' },
      { patient: 'P-1', status: 'final' },
      { patient: ['P-1', 'P-2'] },
    ])
      assert.throws(() => parseObservationSearch(q), /./, JSON.stringify(q));
  });

  it('a page cursor only resumes the search it came from', () => {
    const c = encodePageCursor('Observation', 'P-1', false, {
      key: 'P-1!0000000000000001!0000000000000001',
      skip: 2,
    });
    assert.deepEqual(decodePageCursor(c, 'Observation', 'P-1', false), {
      key: 'P-1!0000000000000001!0000000000000001',
      skip: 2,
    });
    assert.throws(() => decodePageCursor(c, 'Observation', 'P-2', false), /another search/);
    assert.throws(() => decodePageCursor(c, 'Observation', 'P-1', true), /another search/);
    assert.throws(() => decodePageCursor(c, 'Task', 'P-1', false), /another search/);
    const forged = Buffer.from(
      JSON.stringify({ v: 1, t: 'Observation', p: 'P-1', d: false, k: 'P-2!0', s: 0 }),
    ).toString('base64url');
    assert.throws(() => decodePageCursor(forged, 'Observation', 'P-1', false), /another search/);
    assert.throws(() => decodePageCursor('!!!', 'Observation', 'P-1', false), /issued/);
  });
});
