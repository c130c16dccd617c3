/**
 * Writes test/vectors/merkle-*.json from the naive reference (never from the library under test):
 *   node test/unit/merkle/make-vectors.ts
 * The published constants below are the RFC 6962 test data as the certificate-transparency and
 * transparency-dev/merkle test suites carry them (inclusion leaf numbers there are 1-based; here 0-based).
 */
import { writeFileSync } from 'node:fs';
import { flipBit, hex, unhex } from './helpers.ts';
import { refLeafHash, refPath, refProof, refRoot } from './reference.ts';

const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

const PUBLISHED = {
  emptyRoot: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  roots: [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ],
  inclusion: [
    { index: 0, size: 1, proof: [] },
    {
      index: 0,
      size: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      index: 5,
      size: 8,
      proof: [
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
    {
      index: 1,
      size: 5,
      proof: [
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
  ],
  consistency: [
    { oldSize: 1, newSize: 1, proof: [] },
    {
      oldSize: 1,
      newSize: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      oldSize: 6,
      newSize: 8,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    {
      oldSize: 2,
      newSize: 5,
      proof: [
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
    {
      oldSize: 6,
      newSize: 7,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
  ],
};

const leaves = LEAVES.map(unhex);
const prefix = (n: number) => leaves.slice(0, n);
const rootOf = (n: number) => hex(refRoot(prefix(n)));

const roots = [];
const inclusion = [];
const consistency = [];
for (let size = 1; size <= leaves.length; size++) {
  roots.push({ size, root: rootOf(size) });
  for (let index = 0; index < size; index++) {
    const leafHash = hex(refLeafHash(leaves[index]!));
    inclusion.push({ index, size, leafHash, proof: refPath(index, prefix(size)).map(hex) });
  }
  for (let oldSize = 1; oldSize <= size; oldSize++) {
    consistency.push({ oldSize, newSize: size, proof: refProof(oldSize, prefix(size)).map(hex) });
  }
}

const rfc6962 = {
  description:
    'RFC 6962 / RFC 9162 §2.1 test data: the 8 leaves of the certificate-transparency test suite (hex leaf ' +
    'data), root of every size 1..8, inclusion proof of every (size, index) and consistency proof of every ' +
    'pair 1 <= oldSize <= newSize <= 8, computed by the naive reference in test/unit/merkle/reference.ts; ' +
    '"published" holds the constants the transparency-dev/merkle tests publish, for a cross-check.',
  leaves: LEAVES,
  emptyRoot: hex(refRoot([])),
  roots,
  inclusion,
  consistency,
  published: PUBLISHED,
};

// Cases that must fail, kept as data like transparency-dev's corrupted probes. Hashes are hex; "" is an
// empty (0-byte) element.
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';
const mustFailInclusion: object[] = [];
const mustFailConsistency: object[] = [];

function inclusionCase(
  desc: string,
  leafHash: string,
  index: number,
  treeSize: number,
  proof: string[],
  root: string,
) {
  mustFailInclusion.push({ desc, leafHash, index, treeSize, proof, root });
}
function consistencyCase(desc: string, c: { oldSize: number; newSize: number; proof: string[] }, o = {}) {
  mustFailConsistency.push({ desc, oldRoot: rootOf(c.oldSize), newRoot: rootOf(c.newSize), ...c, ...o });
}

for (const p of PUBLISHED.inclusion) {
  const leaf = hex(refLeafHash(leaves[p.index]!));
  const root = rootOf(p.size);
  const tag = `(${p.index} of ${p.size})`;
  if (p.index > 0) inclusionCase(`index - 1 ${tag}`, leaf, p.index - 1, p.size, p.proof, root);
  inclusionCase(`index + 1 ${tag}`, leaf, p.index + 1, p.size, p.proof, root);
  inclusionCase(`index ^ 2 ${tag}`, leaf, p.index ^ 2, p.size, p.proof, root);
  inclusionCase(`size * 2 ${tag}`, leaf, p.index, p.size * 2, p.proof, root);
  inclusionCase(`size / 2 ${tag}`, leaf, p.index, Math.floor(p.size / 2), p.proof, root);
  inclusionCase(`wrong leaf ${tag}`, hex(refLeafHash(unhex('ff'))), p.index, p.size, p.proof, root);
  inclusionCase(`leaf data, not hash ${tag}`, LEAVES[p.index]!, p.index, p.size, p.proof, root);
  inclusionCase(`empty-tree root ${tag}`, leaf, p.index, p.size, p.proof, rootOf(0));
  inclusionCase(`some other root ${tag}`, leaf, p.index, p.size, p.proof, SOME_HASH);
  inclusionCase(`31-byte root ${tag}`, leaf, p.index, p.size, p.proof, root.slice(2));
  inclusionCase(`trailing garbage ${tag}`, leaf, p.index, p.size, [...p.proof, ''], root);
  inclusionCase(`trailing root ${tag}`, leaf, p.index, p.size, [...p.proof, root], root);
  inclusionCase(`preceding garbage ${tag}`, leaf, p.index, p.size, ['', ...p.proof], root);
  inclusionCase(`preceding root ${tag}`, leaf, p.index, p.size, [root, ...p.proof], root);
  p.proof.forEach((_, i) => {
    const proof = p.proof.slice();
    proof[i] = hex(flipBit(unhex(proof[i]!), 3));
    inclusionCase(`proof[${i}] bit 3 flipped ${tag}`, leaf, p.index, p.size, proof, root);
  });
  if (p.proof.length > 0)
    inclusionCase(`last element removed ${tag}`, leaf, p.index, p.size, p.proof.slice(0, -1), root);
  if (p.proof.length > 1) {
    inclusionCase(
      `element inserted ${tag}`,
      leaf,
      p.index,
      p.size,
      [p.proof[0]!, SOME_HASH, ...p.proof.slice(1)],
      root,
    );
  }
}
const single = hex(refLeafHash(unhex('64617461')));
inclusionCase('index 0 of an empty tree', single, 0, 0, [], rootOf(0));
inclusionCase('index 1 of an empty tree', single, 1, 0, [], single);
inclusionCase('index 2 of a 1-leaf tree', single, 2, 1, [], single);
inclusionCase('empty leaf hash, 1-leaf tree', '', 0, 1, [], single);
inclusionCase('empty root, 1-leaf tree', single, 0, 1, [], '');
inclusionCase('empty leaf hash and root', '', 0, 1, [], '');
inclusionCase('negative index', single, -1, 1, [], single);

const [c1, c2] = [PUBLISHED.consistency[0]!, { oldSize: 1, newSize: 1, proof: [] }];
consistencyCase('oldSize 0, empty proof', { oldSize: 0, newSize: 1, proof: [] });
consistencyCase('oldSize 0 = newSize 0, empty roots', { oldSize: 0, newSize: 0, proof: [] });
consistencyCase('equal sizes, different roots', c1, { newRoot: rootOf(2) });
consistencyCase('equal sizes, proof not empty', { ...c2, proof: [rootOf(1)] });
consistencyCase('newSize < oldSize', { oldSize: 2, newSize: 1, proof: [] });
consistencyCase('empty proof', { oldSize: 1, newSize: 2, proof: [] });
consistencyCase(
  '31-byte old root',
  { oldSize: 1, newSize: 1, proof: [] },
  { oldRoot: rootOf(1).slice(2), newRoot: rootOf(1).slice(2) },
);
for (const p of PUBLISHED.consistency) {
  if (p.proof.length === 0) continue;
  const [oldRoot, newRoot] = [rootOf(p.oldSize), rootOf(p.newSize)];
  const tag = `(${p.oldSize} to ${p.newSize})`;
  consistencyCase(`oldSize - 1 ${tag}`, { ...p, oldSize: p.oldSize - 1 }, { oldRoot, newRoot });
  consistencyCase(`oldSize + 1 ${tag}`, { ...p, oldSize: p.oldSize + 1 }, { oldRoot, newRoot });
  consistencyCase(`oldSize ^ 2 ${tag}`, { ...p, oldSize: p.oldSize ^ 2 }, { oldRoot, newRoot });
  consistencyCase(`newSize * 2 ${tag}`, { ...p, newSize: p.newSize * 2 }, { oldRoot, newRoot });
  consistencyCase(`newSize / 2 ${tag}`, { ...p, newSize: Math.floor(p.newSize / 2) }, { oldRoot, newRoot });
  consistencyCase(`wrong old root ${tag}`, p, { oldRoot: SOME_HASH });
  consistencyCase(`wrong new root ${tag}`, p, { newRoot: SOME_HASH });
  consistencyCase(`swapped roots ${tag}`, p, { oldRoot: newRoot, newRoot: oldRoot });
  consistencyCase(`empty proof ${tag}`, { ...p, proof: [] });
  consistencyCase(`trailing garbage ${tag}`, { ...p, proof: [...p.proof, ''] });
  consistencyCase(`trailing old root ${tag}`, { ...p, proof: [...p.proof, oldRoot] });
  consistencyCase(`trailing new root ${tag}`, { ...p, proof: [...p.proof, newRoot] });
  consistencyCase(`preceding garbage ${tag}`, { ...p, proof: ['', ...p.proof] });
  consistencyCase(`preceding old root ${tag}`, { ...p, proof: [oldRoot, ...p.proof] });
  consistencyCase(`preceding new root ${tag}`, { ...p, proof: [newRoot, ...p.proof] });
  consistencyCase(`preceding proof[0] ${tag}`, { ...p, proof: [p.proof[0]!, ...p.proof] });
  consistencyCase(`truncated ${tag}`, { ...p, proof: p.proof.slice(0, -1) });
  p.proof.forEach((_, i) => {
    const proof = p.proof.slice();
    proof[i] = hex(flipBit(unhex(proof[i]!), 4));
    consistencyCase(`proof[${i}] bit 4 flipped ${tag}`, { ...p, proof });
  });
}

const mustFail = {
  description:
    'Proofs that must not verify (RFC 9162 §2.1.3.2, §2.1.4.2, docs/proofs.md edge cases), derived from the ' +
    'published RFC 6962 proofs by changing one thing. Hashes are hex; "" is a 0-byte element. Unlike ' +
    'transparency-dev/merkle, oldSize 0 never verifies (docs/proofs.md).',
  inclusion: mustFailInclusion,
  consistency: mustFailConsistency,
};

const dir = new URL('../../vectors/', import.meta.url);
writeFileSync(new URL('merkle-rfc6962.json', dir), `${JSON.stringify(rfc6962, null, 2)}\n`);
writeFileSync(new URL('merkle-must-fail.json', dir), `${JSON.stringify(mustFail, null, 2)}\n`);
console.log(
  `${inclusion.length} inclusion, ${consistency.length} consistency vectors;`,
  `${mustFailInclusion.length} + ${mustFailConsistency.length} must-fail cases`,
);
