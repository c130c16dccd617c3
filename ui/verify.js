// Checks a reading's proof entirely in the browser, as docs/proofs.md defines it: RFC 8785 canonical JSON,
// RFC 9162 inclusion, Ed25519 and SHA-256 through WebCrypto, the 152-byte block header of docs/ledger.md.
// No network: it trusts the keys and the genesis given to it (loaded at sign-in from GET /v1/trust).

const enc = new TextEncoder();

export const hexToBytes = (hex) => {
  if (typeof hex !== 'string' || !/^([0-9a-f]{2})*$/.test(hex)) throw new Error('not lowercase hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};
export const bytesToHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const b64ToBytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

/** RFC 8785: ECMAScript serialization of primitives, object keys sorted by UTF-16 code units. */
export function canonical(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(',')}}`;
}

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or null when the path cannot be right. */
async function rootFromPath(hash, index, size, path) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = hash;
  for (const hex of path) {
    const p = hexToBytes(hex);
    if (p.length !== 32 || sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

async function ed25519(publicKey, signature, message) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

const RECORD_FIELDS = ['batchCid', 'count', 'gatewayId', 'minute', 'root', 'signature'];

function formatProblem(proof) {
  if (!proof || typeof proof !== 'object' || Array.isArray(proof)) return 'not a JSON object';
  if (proof.format !== 'medgate/proof/1')
    return `format is ${JSON.stringify(proof.format)}, not medgate/proof/1`;
  const leaf = proof.leaf;
  if (!leaf || typeof leaf.hash !== 'string' || !Array.isArray(leaf.path)) return 'leaf missing';
  const record = proof.record;
  if (!record || RECORD_FIELDS.some((f) => !(f in record))) return 'record missing a field';
  if (typeof proof.gatewayKey !== 'string') return 'gatewayKey missing';
  return null;
}

/**
 * The verdict on a parsed proof file: `{valid, checks: [{name, ok, detail}]}`.
 * `trust` is GET /v1/trust: `trustedKeys` (gateway id → keys) and `consortium` (genesis, members).
 */
export async function verifyProof(proof, trust) {
  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });
  const problem = formatProblem(proof);
  check('format', problem === null, problem ?? 'medgate/proof/1');
  if (problem !== null) return { valid: false, checks };
  try {
    await verifyReading(proof, trust, check);
    if (proof.anchor) await verifyAnchor(proof, trust, check);
  } catch (err) {
    check('error', false, `a check could not be computed: ${err.message}`);
  }
  return { valid: checks.every((c) => c.ok), checks };
}

async function verifyReading(proof, trust, check) {
  const { leaf, record } = proof;
  const given = hexToBytes(leaf.hash);
  if (proof.reading === null) {
    check(
      'withheld-salt',
      proof.salt === null,
      proof.salt === null ? 'reading withheld, no salt' : 'a salt given with a withheld reading',
    );
    check('leaf', given.length === 32, 'reading withheld: the leaf hash is taken as given');
  } else {
    check('withheld-salt', true, 'reading shown');
    if (typeof proof.salt !== 'string') {
      check('leaf', false, 'a reading without its salt: its leaf cannot be computed');
    } else {
      const salt = b64ToBytes(proof.salt);
      const computed = await leafHash(concat(salt, enc.encode(canonical(proof.reading))));
      check(
        'leaf',
        salt.length === 16 && equal(computed, given),
        `SHA-256(0x00 || salt || JCS(reading)) = ${bytesToHex(computed)}`,
      );
    }
  }
  const root = await rootFromPath(given, leaf.index, leaf.treeSize, leaf.path);
  check(
    'inclusion',
    root !== null && bytesToHex(root) === record.root,
    `path gives ${root ? bytesToHex(root) : 'no root'}; record root ${record.root}`,
  );
  check(
    'tree-size',
    leaf.treeSize === record.count,
    `tree of ${leaf.treeSize} leaves; record counts ${record.count}`,
  );
  const { signature, ...signed } = record;
  const sigOk = await ed25519(
    hexToBytes(proof.gatewayKey),
    hexToBytes(signature),
    enc.encode(canonical(signed)),
  ).catch(() => false);
  check('record-signature', sigOk, `Ed25519 by ${proof.gatewayKey.slice(0, 16)}… over JCS of the record`);
  const trusted = trust.trustedKeys?.[record.gatewayId] ?? [];
  check(
    'gateway-key',
    trusted.includes(proof.gatewayKey),
    trusted.includes(proof.gatewayKey)
      ? `a trusted key of ${record.gatewayId}`
      : `not a key trusted for ${record.gatewayId}`,
  );
}

async function verifyAnchor(proof, trust, check) {
  const a = proof.anchor;
  const header = hexToBytes(a.header);
  if (header.length !== 152) return check('block-pow', false, 'the header is not 152 bytes');
  const recordLeaf = await leafHash(enc.encode(canonical(proof.record)));
  const anchorRoot = header.slice(48, 80);
  const root = await rootFromPath(recordLeaf, a.record.index, a.record.treeSize, a.record.path);
  check(
    'record-in-block',
    root !== null && equal(root, anchorRoot),
    `path gives ${root ? bytesToHex(root) : 'no root'}; header's anchor root ${bytesToHex(anchorRoot)}`,
  );
  const hash = await sha256(await sha256(header));
  const target = header.slice(80, 112);
  let below = true;
  for (let i = 0; i < 32; i++) {
    if (hash[i] !== target[i]) {
      below = hash[i] < target[i];
      break;
    }
  }
  const height = new DataView(header.buffer, header.byteOffset).getUint32(4);
  check(
    'block-pow',
    bytesToHex(hash) === a.blockHash && below && height === a.height,
    `double SHA-256 ${bytesToHex(hash)}${below ? ' ≤' : ' >'} target; height ${height}`,
  );
  const minerId = bytesToHex(header.slice(112, 144));
  let member = null;
  for (const m of trust.consortium?.members ?? []) {
    if (bytesToHex(await sha256(hexToBytes(m.publicKey))) === minerId) member = m;
  }
  const minerOk =
    member !== null &&
    (await ed25519(hexToBytes(member.publicKey), hexToBytes(a.minerSignature), hash).catch(() => false));
  check(
    'miner',
    minerOk,
    member ? `signed by member ${member.gatewayId}` : 'the miner id is no member of the trusted consortium',
  );
  check(
    'miner-identity',
    member !== null && a.miner.gatewayId === member.gatewayId && a.miner.publicKey === member.publicKey,
    `the proof names ${a.miner.gatewayId}`,
  );
  // Offline, the chain is the trusted genesis, and the block is the one the header hashes to.
  const genesis = trust.consortium?.genesis;
  const named = bytesToHex(hash) === a.blockHash;
  check(
    'chain',
    a.chain === genesis && named,
    a.chain !== genesis
      ? `genesis ${a.chain.slice(0, 16)}… is not the trusted ledger's`
      : named
        ? `block ${a.blockHash.slice(0, 16)}… of the ledger of ${trust.consortium.name} (genesis ${genesis.slice(0, 16)}…)`
        : `the header does not hash to the block ${a.blockHash.slice(0, 16)}… it names`,
  );
}
