import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorBody } from '../../src/api/errors.ts';
import { ERRORS, type ErrorCode, GatewayError } from '../../src/errors.ts';

test('every error code has an HTTP status, an MQTT outcome and a message', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(code, /^ERR_[A-Z_]+$/);
    assert.ok(spec.status >= 400 && spec.status < 600, code);
    assert.ok(spec.message.length > 0, code);
    const err = new GatewayError(code as ErrorCode);
    assert.equal(err.statusCode, spec.status);
    assert.equal(err.message, spec.message);
    const body = errorBody(code as ErrorCode);
    assert.equal(body.statusCode, spec.status);
    assert.ok(body.error.length > 0);
  }
});

test('MQTT outcomes follow docs/errors.md', () => {
  assert.equal(ERRORS.ERR_BAD_CREDENTIALS.mqtt, 'connack-4');
  assert.equal(ERRORS.ERR_NOT_AUTHORIZED.mqtt, 'connack-5');
  assert.equal(ERRORS.ERR_TOPIC_FORBIDDEN.mqtt, 'close');
  assert.equal(ERRORS.ERR_READING_INVALID.mqtt, 'ack-and-report');
});

/** The rows of the table in docs/errors.md: code, HTTP status, MQTT outcome, meaning. */
function documented(): Map<string, { status: number; mqtt: string; meaning: string }> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; mqtt: string; meaning: string }>();
  for (const line of text.split('\n')) {
    const m = /^\| `(ERR_[A-Z0-9_]+)` \| (\d{3}) \| ([a-z0-9-]+) \| (.+) \|$/.exec(line);
    if (!m) continue;
    assert.ok(!rows.has(m[1]!), `${m[1]} is documented twice`);
    rows.set(m[1]!, { status: Number(m[2]), mqtt: m[3]!, meaning: m[4]! });
  }
  return rows;
}

test('every code in the registry is in docs/errors.md with its status and MQTT outcome', () => {
  const docs = documented();
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = docs.get(code);
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.equal(row.status, spec.status, `${code}: HTTP status`);
    assert.equal(row.mqtt, spec.mqtt, `${code}: MQTT outcome`);
    assert.ok(row.meaning.length > 10, `${code}: say what it means`);
  }
});

test('every code in docs/errors.md is in the registry', () => {
  for (const code of documented().keys())
    assert.ok(code in ERRORS, `${code} is documented but not in src/errors.ts`);
});

/**
 * A code whose MQTT outcome is `socket-close` or `drop` is never an error object: the socket is destroyed or
 * the message skipped, and a metric counts it (docs/limits.md). Every other code is raised somewhere.
 */
test('every code in the registry is raised somewhere in the gateway', () => {
  const src = new URL('../../src/', import.meta.url);
  const registry = new Set(['errors.ts', 'ledger/errors.ts']);
  const text = (readdirSync(src, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !registry.has(f.split('\\').join('/')))
    .map((f) => readFileSync(new URL(f, src), 'utf8'))
    .join('\n');
  for (const [code, spec] of Object.entries(ERRORS)) {
    if (spec.mqtt === 'socket-close' || spec.mqtt === 'drop') continue;
    assert.ok(text.includes(`'${code}'`), `${code} is in the registry but nothing raises it`);
  }
});
