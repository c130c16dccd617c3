/**
 * Three member gateways as child processes (docs/ledger.md): they converge on one head, every member's records get
 * anchored by the scheduled miners, and a proof made by one verifies on another, offline and against a
 * ledger URL, and fails on the right check once tampered.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/gateway.ts';
import { api, createNetwork, firstReading, type Network, sendReading, until } from './ledger-network.ts';

const run = promisify(execFile);
const dir = tempDir('medgate-ledger-');
let net: Network;

before(async () => {
  net = await createNetwork(dir.path, ['a', 'b', 'c']);
  const mining = { anchoring: { enabled: true, intervalSeconds: 2, workers: 1 } };
  await Promise.all(['a', 'b', 'c'].map((n) => net.start(n, { config: mining })));
});

after(async () => {
  await net?.stopAll();
  dir.remove();
});

test('three gateways converge on one head and anchor every member’s records', {
  timeout: 60_000,
}, async () => {
  await Promise.all(net.members.map((m) => sendReading(m, `P-${m.name}`)));
  for (const m of net.members) {
    await until(`${m.name}'s reading anchored`, async () => {
      const r = await firstReading(m, `P-${m.name}`);
      return r?.proof.status === 'anchored';
    });
  }
  const heads = await until('one head on all three', async () => {
    const hs = await Promise.all(net.members.map((m) => api(m, 'GET', '/v1/ledger/head')));
    return hs.every((h) => h.body.hash === hs[0]!.body.hash) && hs[0]!.body.height >= 1 ? hs : null;
  });
  assert.ok(heads[0]!.body.height >= 1);
  // Blocks were mined by more than one member? Not required; but every member's record is in the chain.
  for (const m of net.members) {
    const reading = (await firstReading(m, `P-${m.name}`))!;
    const onA = await api(net.member('a'), 'GET', `/v1/ledger/blocks/${reading.proof.blockHash}`);
    assert.equal(onA.status, 200, `${m.name}'s block is known to a`);
  }
});

test('blocks become final within a few intervals on every member, with scheduled mining', {
  timeout: 60_000,
}, async () => {
  const c = net.member('c');
  await sendReading(c, 'P-final');
  await until(
    'c’s reading anchored',
    async () => (await firstReading(c, 'P-final'))?.proof.status === 'anchored',
  );
  const reading = (await firstReading(c, 'P-final'))!;
  await until(
    'c’s block final on all three',
    async () => {
      const heads = await Promise.all(net.members.map((m) => api(m, 'GET', '/v1/ledger/head')));
      const block = (await firstReading(c, 'P-final'))!;
      const { height } = (await api(c, 'GET', `/v1/ledger/blocks/${block.proof.blockHash}`)).body.blocks[0];
      return heads.every((h) => h.body.final.height >= height);
    },
    30_000,
  );
  const proof = (await api(c, 'GET', `/v1/readings/${reading.id}/proof`)).body;
  // Its own attestations, or a descendant's with the headers that link them (a rival block at its height
  // keeps a member from attesting it).
  assert.ok(
    (proof.anchor.attestations ?? []).length >= 2 || proof.anchor.finalBy,
    JSON.stringify(proof.anchor),
  );
  const verdict = (await api(net.member('a'), 'POST', '/v1/proofs/verify', proof)).body;
  const finality = verdict.checks.find((ch: { name: string }) => ch.name === 'finality');
  assert.match(finality.detail, /^final:/);
});

test('a proof made by one gateway verifies on another, offline and against a ledger URL', {
  timeout: 60_000,
}, async () => {
  const c = net.member('c');
  const reading = (await firstReading(c, 'P-c'))!;
  const proof = (await api(c, 'GET', `/v1/readings/${reading.id}/proof`)).body;
  assert.ok(proof.anchor, 'anchored proof');
  assert.equal(proof.anchor.blockHash, reading.proof.blockHash);
  // The proof counts its confirmations on c's chain; a member still a block behind would rightly refuse the
  // claim, so the others are given time to reach the height c had when it made the proof.
  const made = (await api(c, 'GET', '/v1/ledger/head')).body.height as number;
  await until('a and b at the height the proof was made at', async () => {
    const hs = await Promise.all(['a', 'b'].map((m) => api(net.member(m), 'GET', '/v1/ledger/head')));
    return hs.every((h) => h.body.height >= made) ? true : undefined;
  });

  const verdict = (await api(net.member('b'), 'POST', '/v1/proofs/verify', proof)).body;
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
  const names = verdict.checks.map((ch: { name: string }) => ch.name);
  for (const name of [
    'leaf',
    'inclusion',
    'record-signature',
    'gateway-key',
    'record-in-block',
    'block-pow',
    'miner',
    'chain',
  ]) {
    assert.ok(names.includes(name), `check ${name}`);
  }

  const file = join(dir.path, 'proof.json');
  writeFileSync(file, JSON.stringify(proof));
  const offline = await run(process.execPath, [
    'src/main.ts',
    'verify',
    file,
    '--consortium',
    net.consortiumFile,
  ]);
  assert.match(offline.stdout, /ok +miner .*consortium member gw-/);
  assert.match(offline.stdout, /ok +finality +final: /);
  assert.match(offline.stdout, /proof is valid/);
  const online = await run(process.execPath, [
    'src/main.ts',
    'verify',
    file,
    '--consortium',
    net.consortiumFile,
    '--ledger',
    net.member('a').url,
    '--token',
    net.peerToken,
  ]);
  assert.match(online.stdout, /ok +chain .*main chain of http:\/\/127\.0\.0\.1:\d+ with \d+ confirmation/);

  // The header's nonce changed: the block hash no longer matches (and almost surely misses the target).
  const tampered = structuredClone(proof);
  tampered.anchor.header = `${proof.anchor.header.slice(0, -2)}${proof.anchor.header.endsWith('00') ? '01' : '00'}`;
  writeFileSync(file, JSON.stringify(tampered));
  const failed = await run(process.execPath, [
    'src/main.ts',
    'verify',
    file,
    '--consortium',
    net.consortiumFile,
  ]).then(
    () => assert.fail('a tampered proof must not verify'),
    (err: { code: number; stdout: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /FAIL block-pow/);
  assert.match(failed.stdout, /ok +record-in-block/);
});
