import assert from 'node:assert/strict';
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

test('MQTT outcomes follow SPEC §1', () => {
  assert.equal(ERRORS.ERR_BAD_CREDENTIALS.mqtt, 'connack-4');
  assert.equal(ERRORS.ERR_NOT_AUTHORIZED.mqtt, 'connack-5');
  assert.equal(ERRORS.ERR_TOPIC_FORBIDDEN.mqtt, 'close');
  assert.equal(ERRORS.ERR_READING_INVALID.mqtt, 'ack-and-report');
});
