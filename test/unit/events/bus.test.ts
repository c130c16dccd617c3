import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEventBus, type LiveEvent } from '../../../src/events/bus.ts';

const block = (height: number): LiveEvent => ({ type: 'block', height, hash: 'ab'.repeat(32) });
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('live event bus', () => {
  test('listeners hear an event on a later turn, not inside publish', async () => {
    const bus = createEventBus({ maxListeners: 4 });
    const heard: number[] = [];
    bus.subscribe((e) => heard.push((e as { height: number }).height));
    bus.publish(block(1));
    assert.deepEqual(heard, [], 'publish returns before any listener runs');
    await turn();
    assert.deepEqual(heard, [1]);
  });

  test('a listener that throws is dropped; the others still hear', async () => {
    const bus = createEventBus({ maxListeners: 4 });
    const heard: number[] = [];
    bus.subscribe(() => {
      throw new Error('broken consumer');
    });
    bus.subscribe((e) => heard.push((e as { height: number }).height));
    bus.publish(block(1));
    await turn();
    bus.publish(block(2));
    await turn();
    assert.deepEqual(heard, [1, 2]);
    assert.equal(bus.listeners(), 1);
  });

  test('subscribers are bounded, and an unsubscribed listener hears nothing more', async () => {
    const bus = createEventBus({ maxListeners: 2 });
    const heard: string[] = [];
    const stopA = bus.subscribe(() => heard.push('a'));
    assert.ok(bus.subscribe(() => heard.push('b')));
    assert.equal(
      bus.subscribe(() => heard.push('c')),
      null,
      'a third subscriber is refused',
    );
    stopA!();
    bus.publish(block(1));
    await turn();
    assert.deepEqual(heard, ['b']);
    assert.throws(() => createEventBus({ maxListeners: 0 }), /options\.maxListeners/);
  });
});
