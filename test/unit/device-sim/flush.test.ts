import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bufferable, chunkArrays } from '../../../device-sim/flush.ts';

const item = (kind: Bufferable['kind'], seq: number, pad = 0): Bufferable & { seq: number } => {
  const value = { seq, pad: 'x'.repeat(pad) };
  return { kind, seq, value, text: JSON.stringify(value) };
};

describe('offline flush chunking', () => {
  it('never puts more than maxBatch readings in one array', () => {
    const items = Array.from({ length: 1234 }, (_, i) => item('vitals', i + 1));
    const chunks = chunkArrays(items, 500, 1e9);
    assert.deepEqual(
      chunks.map((c) => c.length),
      [500, 500, 234],
    );
    assert.deepEqual(chunks.flat(), items, 'order kept, nothing lost');
  });

  it('keeps every array under the byte limit, counting brackets and commas', () => {
    const items = Array.from({ length: 300 }, (_, i) => item('vitals', i + 1, 200));
    const chunks = chunkArrays(items, 500, 10_000);
    for (const c of chunks) {
      const payload = `[${c.map((i) => i.text).join(',')}]`;
      assert.ok(Buffer.byteLength(payload) <= 10_000, `${Buffer.byteLength(payload)} bytes`);
    }
    assert.equal(chunks.flat().length, 300);
  });

  it('one topic per message, and a not-JSON reading travels alone', () => {
    const broken: Bufferable = { kind: 'flight', value: undefined, text: '{"seq":3,' };
    const items = [item('flight', 1), item('delivery', 2), broken, item('flight', 4), item('delivery', 5)];
    const chunks = chunkArrays(items, 500, 1e9);
    for (const c of chunks) assert.equal(new Set(c.map((i) => i.kind)).size, 1);
    assert.ok(chunks.some((c) => c.length === 1 && c[0] === broken));
    assert.equal(chunks.flat().length, 5);
  });
});
