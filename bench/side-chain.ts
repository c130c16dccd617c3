/**
 * One member against the consortium (docs/ledger.md, "Finality"): how long a member holding only its own key
 * needs to mine a side chain from genesis with more work than the honest chain, back-dated so that the
 * retarget eases its target, under the example consortium's parameters before finality (a maxTarget 256
 * times easier than the genesis target, a factor of 4 per retarget) and now (maxTarget at the genesis
 * target, a factor of 2); then how long an honest node with a final block takes to refuse such a chain,
 * for chains of several lengths (constant: the first block is refused before any other check).
 *
 *   npm run bench:side-chain -- [--honest 46] [--write-docs]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type SigningKey, signingKeyFromSecret } from '../src/crypto/signing.ts';
import {
  ancestorsNeeded,
  type Block,
  type BlockHeader,
  blockHash,
  type Consortium,
  createBlockTemplate,
  encodeHeader,
  fromHex,
  parseConsortium,
  preparePowJob,
  sealBlock,
  searchNonces,
  signAttestation,
  toHex,
  workOf,
} from '../src/ledger/index.ts';
import { createLedgerNode } from '../src/ledger/node/chain.ts';
import { openDb, sublevels } from '../src/store/index.ts';
import { writeSection } from './lib/docs-section.ts';
import { describeMachine } from './lib/machine.ts';

const { values: flags } = parseArgs({
  options: {
    honest: { type: 'string', default: '46' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const honestBlocks = Number(flags.honest);
const log = (line: string) => process.stderr.write(`${line}\n`);

const file = JSON.parse(readFileSync('gateway-config/consortium/consortium.json', 'utf8'));
const key = (name: string): SigningKey =>
  signingKeyFromSecret(fromHex('key', readFileSync(`gateway-config/consortium/${name}.key`, 'utf8').trim()));
const [a, b] = [key('gw-a'), key('gw-b')];
const now = parseConsortium(file);
const before = parseConsortium({
  ...file,
  params: { ...file.params, maxAdjustFactor: 4, maxTarget: `00${'f'.repeat(62)}` },
});

/** Mines in this thread (the midstate search of src/ledger/node/pow-search.ts); returns the hashes tried too. */
function mineHeader(header: BlockHeader): { header: BlockHeader; hashes: number } {
  const job = preparePowJob(encodeHeader(header), header.target);
  const chunk = 1 << 16;
  for (let high = 0, hashes = 0; ; high++) {
    for (let start = 0; start < 2 ** 32; start += chunk) {
      const low = searchNonces(job, high, start, chunk);
      if (low >= 0)
        return {
          header: { ...header, nonce: (BigInt(high) << 32n) | BigInt(low) },
          hashes: hashes + low - start + 1,
        };
      hashes += chunk;
    }
  }
}

/** Extends `chain` by one block mined by `miner` at time `timestamp`. */
function extend(c: Consortium, chain: BlockHeader[], miner: SigningKey, timestamp: number) {
  const parent = chain.at(-1)!;
  const { header, records } = createBlockTemplate({
    chainTail: chain.slice(-ancestorsNeeded(parent.height, c.params)),
    params: c.params,
    records: [],
    minerPublicKey: miner.publicKey,
    now: timestamp,
  });
  const mined = mineHeader(header);
  return { block: sealBlock(mined.header, records, miner), hashes: mined.hashes };
}

const honestWork = BigInt(honestBlocks) * workOf(now.params.genesisTarget);

/** The attacker's race: blocks an hour apart from genesis (in the past), until its work beats the honest chain's. */
function attack(c: Consortium) {
  const started = performance.now();
  const chain: BlockHeader[] = [c.genesis.header];
  const blocks: Block[] = [];
  let work = 0n;
  let hashes = 0;
  while (work <= honestWork) {
    const { block, hashes: h } = extend(c, chain, b, chain.at(-1)!.timestamp + 3_600_000);
    chain.push(block.header);
    blocks.push(block);
    work += workOf(block.header.target);
    hashes += h;
  }
  const seconds = (performance.now() - started) / 1000;
  let easiest = 0n;
  for (const block of blocks) if (block.header.target > easiest) easiest = block.header.target;
  return { blocks, seconds, hashes, easiest };
}

log(`honest chain: ${honestBlocks} blocks at the genesis target, work ${honestWork}`);
const raceBefore = attack(before);
log(
  `before: ${raceBefore.blocks.length} blocks in ${raceBefore.seconds.toFixed(1)} s (${raceBefore.hashes} hashes)`,
);
const raceNow = attack(now);
log(
  `now (no finality): ${raceNow.blocks.length} blocks in ${raceNow.seconds.toFixed(1)} s (${raceNow.hashes} hashes)`,
);

// An honest node under the old parameters (the worst case): its chain is final, the attack is refused.
const dir = mkdtempSync(join(tmpdir(), 'medgate-bench-side-'));
const db = openDb(join(dir, 'store'));
await db.open();
const node = await createLedgerNode({
  db,
  subs: sublevels(db),
  consortium: before,
  clock: () => Date.now(),
  log: () => {},
  attester: { gatewayId: 'gw-a', key: a },
});
const honest: BlockHeader[] = [before.genesis.header];
for (let i = 0; i < honestBlocks; i++) {
  const { block } = extend(before, honest, a, honest.at(-1)!.timestamp + 30_000);
  honest.push(block.header);
  await node.addBlock(block);
}
const tip = { hash: toHex(blockHash(honest.at(-1)!)), height: honestBlocks };
await node.addAttestations([signAttestation(before, tip, 'gw-b', b)]);
log(`honest node: head ${node.head().height}, final ${node.final().height}`);

const lengths = [1, 100, 1000, raceBefore.blocks.length].filter((n) => n <= raceBefore.blocks.length);
const refusals: Array<{ length: number; micros: number; code: string }> = [];
for (const length of lengths) {
  const chain = raceBefore.blocks.slice(0, length);
  const runs = 200;
  let code = '';
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    // What POST /v1/ledger/blocks does: blocks in order, the first refusal ends the request.
    for (const block of chain) {
      try {
        await node.addBlock(block);
      } catch (err) {
        code = (err as { code: string }).code;
        break;
      }
    }
  }
  refusals.push({ length, micros: ((performance.now() - started) * 1000) / runs, code });
}
const moved = node.head().height !== honestBlocks;
await db.close();
rmSync(dir, { recursive: true, force: true });
for (const r of refusals) log(`refuse a ${r.length}-block side chain: ${r.micros.toFixed(1)} µs (${r.code})`);
if (moved) throw new Error('the honest node moved');

const machine = describeMachine();
const target = (t: bigint) => `2^${(t + 1n).toString(2).length - 1}`;
const section = `## Side chain of one member

${machine.cpu}, ${machine.nproc} cores (nproc), Node ${machine.node}, ${machine.date}, load average ${machine.loadAverage.toFixed(1)} at the start.
\`npm run bench:side-chain -- --honest ${honestBlocks}\` (bench/side-chain.ts), one thread of the midstate miner.

One member with only its own key (the example's gw-b) mines, from genesis, blocks one hour apart in the past,
so that every retarget eases its target, until its chain carries more work than an honest chain of
${honestBlocks} blocks at the genesis target (${target(now.params.genesisTarget)}).

| consortium parameters | easiest target reached | blocks | hashes | time |
|---|---:|---:|---:|---:|
| the example before finality: maxTarget ${target(before.params.maxTarget)}, factor 4 | ${target(raceBefore.easiest)} | ${raceBefore.blocks.length} | ${raceBefore.hashes.toLocaleString('en')} | ${raceBefore.seconds.toFixed(1)} s |
| the example now: maxTarget = genesis target, factor 2 | ${target(raceNow.easiest)} | ${raceNow.blocks.length} | ${raceNow.hashes.toLocaleString('en')} | ${raceNow.seconds.toFixed(1)} s |

Before finality, the first chain made every honest gateway reorganize onto it. The bounds alone only make the
race cost what the honest chain cost (second row), which one member can still win on a fast machine. With
finality, an honest node whose head is final (attested by gw-a and gw-b) refuses the chain at its first block,
before proof of work or signatures are checked, whatever its length (the old, easier parameters, 200 runs each):

| side chain posted | time to refuse | code |
|---:|---:|---|
${refusals.map((r) => `| ${r.length} block(s) | ${r.micros.toFixed(1)} µs | ${r.code} |`).join('\n')}
`;
if (flags['write-docs']) writeSection('docs/benchmarks.md', '## Side chain of one member', section);
process.stdout.write(section);
