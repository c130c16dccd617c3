/**
 * The one walk that refuses what RFC 8785 canonicalization or a recursive serializer cannot take: depth
 * over the limit, lone UTF-16 surrogates in strings and keys, non-finite numbers; and the bounds on what
 * an invalid reading costs (at most `maxErrors` problems, quarantined text cut to `maxRawChars`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from '../../../src/model/canonical.ts';
import { type ParseOptions, parsePayload } from '../../../src/telemetry/index.ts';
import { isJsonSafe, jsonProblems } from '../../../src/telemetry/json-limits.ts';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const opts: ParseOptions = { now: NOW, maxFutureMs: 300_000, backfillMs: 7 * 86_400_000, maxBatch: 500 };
const enc = (s: string) => new TextEncoder().encode(s);
const nest = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const reading = (extra: string) =>
  `{"seq":1,"ts":${NOW},"patientId":"P-1","vitals":{"heartRate":70}${extra}}`;

describe('jsonProblems', () => {
  test('depth: the value is level 1; level 16 passes, level 17 does not', () => {
    assert.deepEqual(jsonProblems(JSON.parse(nest(16))), []);
    const problems = jsonProblems(JSON.parse(nest(17)));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, Array(16).fill('a').join('.'));
    assert.match(problems[0]!.message, /nested deeper than 16 levels/);
    assert.equal(jsonProblems(JSON.parse(nest(16)), undefined, 2).length, 1, 'inside an offline buffer');
  });

  test('lone surrogates in values and keys are refused; surrogate pairs are fine', () => {
    assert.deepEqual(jsonProblems({ a: '💓 \ud83d\udc93' }), []);
    for (const bad of ['\ud800', 'x\udc00', '\ud83d', '\udc93\ud83d']) {
      assert.equal(jsonProblems({ a: [bad] }).length, 1, JSON.stringify(bad));
      assert.throws(() => canonicalJson({ a: [bad] }), 'canonicalization refuses it too');
    }
    assert.match(jsonProblems({ ['\ud800']: 1 })[0]!.message, /key contains a lone UTF-16 surrogate/);
  });

  test('non-finite numbers are refused wherever they are', () => {
    assert.deepEqual(jsonProblems(JSON.parse('{"a":[1,{"b":1e400}],"c":-1e400}')), [
      { path: 'a.1.b', message: 'number is not finite' },
      { path: 'c', message: 'number is not finite' },
    ]);
  });

  test('stops at maxProblems and never descends past maxDepth', () => {
    const many = JSON.parse(`[${new Array(5000).fill('1e400').join(',')}]`);
    assert.equal(jsonProblems(many, { maxDepth: 16, maxProblems: 10 }).length, 10);
    // 60,000 levels: a recursive walk would overflow the stack; this one stops at 16.
    const deep = JSON.parse(`${'['.repeat(60_000)}${']'.repeat(60_000)}`);
    assert.equal(isJsonSafe(deep), false);
  });

  test('whatever passes can be canonicalized', () => {
    const value = JSON.parse(reading(',"x":{"y":[1,2,{"z":"\\ud83d\\udc93"}]}'));
    assert.equal(isJsonSafe(value), true);
    assert.doesNotThrow(() => canonicalJson(value));
  });
});

describe('parsePayload: what an invalid reading costs', () => {
  test('a deep, a non-finite or a lone-surrogate reading is rejected as json; its sibling is kept', () => {
    const payload = `[${reading('')},${reading(`,"x":${nest(5000)}`)},${reading(',"battery":1e400')},${reading(',"n":"\\ud800"')}]`;
    const parsed = parsePayload('vitals', enc(payload), opts);
    assert.equal(parsed.valid.length, 1);
    assert.deepEqual(
      parsed.invalid.map((r) => [r.index, r.reason, r.errors[0]!.path]),
      [
        [1, 'json', `x${'.a'.repeat(14)}`],
        [2, 'json', 'battery'],
        [3, 'json', 'n'],
      ],
    );
  });

  test('5,000 bad ECG samples give one problem; 200 unknown fields give maxErrors', () => {
    const mv = new Array(5000).fill(99).join(',');
    const ecg = parsePayload('vitals', enc(reading(`,"ecg":{"hz":250,"mv":[${mv}]}`)), opts);
    assert.deepEqual(ecg.invalid[0]!.errors, [
      { path: 'ecg.mv.0', message: 'sample 99 outside -20..20 mV (later samples not checked)' },
    ]);
    const fields = Array.from({ length: 200 }, (_, i) => `"f${i}":1`).join(',');
    const unknown = parsePayload('vitals', enc(reading(`,${fields}`)), { ...opts, maxErrors: 7 });
    assert.equal(unknown.invalid[0]!.errors.length, 7);
  });

  test('a path in an error report is cut to 256 characters', () => {
    const key = 'k'.repeat(20_000);
    const unknown = parsePayload('vitals', enc(reading(`,"${key}":1`)), opts);
    assert.equal(unknown.invalid[0]!.errors[0]!.path, `${'k'.repeat(256)}…`);
    const lone = parsePayload('vitals', enc(reading(`,"${key}":"\\ud800"`)), opts);
    assert.equal(lone.invalid[0]!.errors[0]!.path.length, 257);
  });

  test('the quarantined text is cut to maxRawChars', () => {
    const mv = new Array(5000).fill(99).join(',');
    const one = parsePayload('vitals', enc(reading(`,"ecg":{"hz":250,"mv":[${mv}]}`)), {
      ...opts,
      maxRawChars: 300,
    });
    assert.equal(one.invalid[0]!.raw.length, 300);
    const inArray = parsePayload('vitals', enc(`[${reading(`,"ecg":{"hz":250,"mv":[${mv}]}`)}]`), opts);
    assert.equal(inArray.invalid[0]!.raw.length, 4096);
  });
});
