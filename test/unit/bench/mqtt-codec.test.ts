import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { FrameReader } from '../../../bench/lib/frame-reader.ts';
import { encodeConnect, encodeRemainingLength, PINGREQ } from '../../../bench/lib/mqtt-encode.ts';
import { PublishWriter, TimestampCache } from '../../../bench/lib/publish-writer.ts';
import { SEQ_MIN } from '../../../bench/lib/vitals-payload.ts';
import { vitalsReading } from '../../../src/telemetry/schemas.ts';

function decodeAll(bytes: Buffer): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => errors.push(e));
  parser.parse(bytes);
  assert.deepEqual(errors, []);
  return packets;
}

function collect() {
  const events: string[] = [];
  const reader = new FrameReader({
    connack: (rc, sp) => events.push(`connack:${rc}:${sp}`),
    puback: (id) => events.push(`puback:${id}`),
    other: (first, body) => events.push(`other:${first.toString(16)}:${body.length}`),
  });
  return { events, reader };
}

describe('mqtt encoder', () => {
  it('encodes remaining lengths as MQTT-2.2.3 shows', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [16_383, [0xff, 0x7f]],
      [16_384, [0x80, 0x80, 0x01]],
      [268_435_455, [0xff, 0xff, 0xff, 0x7f]],
    ];
    for (const [n, bytes] of cases) assert.deepEqual([...encodeRemainingLength(n)], bytes, String(n));
    assert.throws(() => encodeRemainingLength(268_435_456), RangeError);
  });

  it('CONNECT decodes with mqtt-packet', () => {
    const [p, ...rest] = decodeAll(
      encodeConnect({
        clientId: 'bench-w-0001',
        username: 'bench-w-0001',
        password: 's3cret',
        keepalive: 30,
      }),
    );
    assert.equal(rest.length, 0);
    assert.ok(p && p.cmd === 'connect');
    assert.equal(p.protocolId, 'MQTT');
    assert.equal(p.protocolVersion, 4);
    assert.equal(p.clean, true);
    assert.equal(p.keepalive, 30);
    assert.equal(p.clientId, 'bench-w-0001');
    assert.equal(p.username, 'bench-w-0001');
    assert.equal(String(p.password), 's3cret');
  });

  it('PUBLISH packets decode, carry a valid vitals reading, unique seq and cycling packet ids', () => {
    const writer = new PublishWriter({ deviceId: 'bench-w-0001', patientId: 'P-0001', index: 3 });
    const ts = new TimestampCache().now();
    const n = 65_537;
    const out = Buffer.allocUnsafe(n * writer.packetLength);
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(writer.writeNext(out, i * writer.packetLength, ts));
    assert.deepEqual(ids.slice(0, 2), [1, 2]);
    assert.deepEqual(ids.slice(-3), [65_535, 1, 2]);
    assert.ok(writer.payloadLength >= 280 && writer.payloadLength <= 340, `${writer.payloadLength} bytes`);

    const packets = decodeAll(out.subarray(0, 3 * writer.packetLength));
    assert.equal(packets.length, 3);
    packets.forEach((p, i) => {
      assert.ok(p.cmd === 'publish');
      assert.equal(p.qos, 1);
      assert.equal(p.topic, 'tele/bench-w-0001/vitals');
      assert.equal(p.messageId, i + 1);
      const reading = JSON.parse(String(p.payload));
      assert.equal(reading.seq, SEQ_MIN + i);
      assert.equal(reading.ts, ts.toString('latin1'));
      assert.equal(reading.patientId, 'P-0001');
      const checked = vitalsReading.safeParse(reading);
      assert.ok(checked.success, JSON.stringify(checked.error?.issues));
    });
  });

  it('stays valid across devices', () => {
    const ts = new TimestampCache().now();
    for (let index = 0; index < 5000; index += 7) {
      const writer = new PublishWriter({ deviceId: `d-${index}`, patientId: `P-${index}`, index });
      const out = Buffer.allocUnsafe(writer.packetLength);
      writer.writeNext(out, 0, ts);
      const [p] = decodeAll(out);
      assert.ok(p && p.cmd === 'publish');
      assert.ok(vitalsReading.safeParse(JSON.parse(String(p.payload))).success, `device ${index}`);
    }
  });
});

describe('FrameReader', () => {
  const pubacks = Buffer.concat(
    [1, 2, 300, 65_535].map((id) => mqttPacket.generate({ cmd: 'puback', messageId: id })),
  );
  const connack = mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  const refused = mqttPacket.generate({ cmd: 'connack', returnCode: 5, sessionPresent: false });
  const pingresp = mqttPacket.generate({ cmd: 'pingresp' });
  // 200-byte body: a two-byte remaining length, which can itself be split.
  const publish = mqttPacket.generate({
    cmd: 'publish',
    topic: 'tele/x/errors',
    payload: Buffer.alloc(180, 0x61),
    qos: 0,
    dup: false,
    retain: false,
  });
  const stream = Buffer.concat([connack, pubacks, pingresp, publish, refused, pubacks]);
  const expected = [
    'connack:0:false',
    'puback:1',
    'puback:2',
    'puback:300',
    'puback:65535',
    'other:d0:0',
    `other:30:${publish.length - 3}`,
    'connack:5:false',
    'puback:1',
    'puback:2',
    'puback:300',
    'puback:65535',
  ];

  it('reads several frames from one chunk', () => {
    const { events, reader } = collect();
    reader.push(stream);
    assert.deepEqual(events, expected);
    assert.equal(reader.pendingBytes, 0);
  });

  it('reads frames split at every possible byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { events, reader } = collect();
      reader.push(stream.subarray(0, cut));
      reader.push(stream.subarray(cut));
      assert.deepEqual(events, expected, `cut at ${cut}`);
    }
  });

  it('reads a stream fed one byte at a time', () => {
    const { events, reader } = collect();
    for (const byte of stream) reader.push(Buffer.from([byte]));
    assert.deepEqual(events, expected);
    assert.equal(reader.pendingBytes, 0);
  });

  it('holds back an incomplete frame', () => {
    const { events, reader } = collect();
    reader.push(Buffer.concat([pubacks, PINGREQ.subarray(0, 1)]));
    assert.equal(events.length, 4);
    assert.equal(reader.pendingBytes, 1);
  });

  it('rejects a remaining length longer than 4 bytes', () => {
    const { reader } = collect();
    assert.throws(() => reader.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), RangeError);
  });
});
