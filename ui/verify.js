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

// The shape of medgate/proof/1, field by field as the gateway checks it: no field missing, none extra.
const HEX32 = /^[0-9a-f]{64}$/;
const HEX64 = /^[0-9a-f]{128}$/;
const HEADER_HEX = /^[0-9a-f]{304}$/;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v, min, max = Number.MAX_SAFE_INTEGER) => Number.isSafeInteger(v) && v >= min && v <= max;
const isId = (v) => typeof v === 'string' && v.length >= 1 && v.length <= 64;
const hexList = (v, re, min = 0, max = Number.POSITIVE_INFINITY) =>
  Array.isArray(v) &&
  v.length >= min &&
  v.length <= max &&
  v.every((h) => typeof h === 'string' && re.test(h));

/** The first of `fields` (name → test) that fails on `value`, or an extra key; null when it fits. */
function shapeProblem(where, value, fields) {
  if (!isObject(value)) return `${where} is not an object`;
  for (const [name, ok] of Object.entries(fields)) {
    if (!Object.hasOwn(value, name)) return `${where}.${name} missing`;
    if (!ok(value[name])) return `${where}.${name} malformed`;
  }
  const extra = Object.keys(value).find((k) => !Object.hasOwn(fields, k));
  return extra === undefined ? null : `${where}.${extra} is not a field`;
}

const RECORD_SHAPE = {
  gatewayId: isId,
  minute: (v) => typeof v === 'string',
  count: (v) => isInt(v, 0),
  root: (v) => typeof v === 'string' && HEX32.test(v),
  batchCid: (v) => typeof v === 'string' && v.length >= 1,
  signature: (v) => typeof v === 'string' && HEX64.test(v),
};
const attestationsOk = (v, min) =>
  Array.isArray(v) &&
  v.length >= min &&
  v.length <= 1000 &&
  v.every(
    (a) =>
      shapeProblem('attestation', a, {
        gatewayId: isId,
        signature: (s) => typeof s === 'string' && HEX64.test(s),
      }) === null,
  );
const ANCHOR_SHAPE = {
  blockHash: (v) => typeof v === 'string' && HEX32.test(v),
  height: (v) => isInt(v, 1),
  header: (v) => typeof v === 'string' && HEADER_HEX.test(v),
  minerSignature: (v) => typeof v === 'string' && HEX64.test(v),
  miner: (v) =>
    shapeProblem('miner', v, {
      gatewayId: isId,
      publicKey: (k) => typeof k === 'string' && HEX32.test(k),
    }) === null,
  record: (v) =>
    shapeProblem('record', v, {
      index: (n) => isInt(n, 0),
      treeSize: (n) => isInt(n, 1),
      path: (p) => hexList(p, HEX32),
    }) === null,
  chain: (v) => typeof v === 'string' && HEX32.test(v),
  confirmations: (v) => isInt(v, 1),
};
const OPTIONAL_ANCHOR = {
  attestations: (v) => attestationsOk(v, 0),
  finalBy: (v) =>
    shapeProblem('finalBy', v, {
      headers: (h) => hexList(h, HEADER_HEX, 1, 1000),
      attestations: (a) => attestationsOk(a, 1),
    }) === null,
};
const PROOF_SHAPE = {
  format: (v) => v === 'medgate/proof/1',
  reading: (v) => v === null || isObject(v),
  salt: (v) => v === null || (typeof v === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(v)),
  leaf: (v) =>
    shapeProblem('leaf', v, {
      hash: (h) => typeof h === 'string' && HEX32.test(h),
      index: (n) => isInt(n, 0),
      treeSize: (n) => isInt(n, 1),
      path: (p) => hexList(p, HEX32),
    }) === null,
  record: (v) => shapeProblem('record', v, RECORD_SHAPE) === null,
  gatewayKey: (v) => typeof v === 'string' && HEX32.test(v),
  anchor: (v) => v === null || anchorProblem(v) === null,
};

function anchorProblem(anchor) {
  if (!isObject(anchor)) return 'anchor is not an object';
  const optional = Object.fromEntries(
    Object.keys(OPTIONAL_ANCHOR)
      .filter((k) => Object.hasOwn(anchor, k))
      .map((k) => [k, OPTIONAL_ANCHOR[k]]),
  );
  return shapeProblem('anchor', anchor, { ...ANCHOR_SHAPE, ...optional });
}

/** What RFC 8785 cannot canonicalize, or nesting deeper than the gateway walks (32 levels). */
function jsonProblem(value, depth = 1) {
  if (typeof value === 'string') return !value.isWellFormed() ? 'a lone UTF-16 surrogate' : null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'a non-finite number';
  if (value === null || typeof value !== 'object') return null;
  if (depth > 32) return 'nested deeper than 32 levels';
  for (const [k, v] of Object.entries(value)) {
    const problem = (Array.isArray(value) ? null : jsonProblem(k, depth)) ?? jsonProblem(v, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

function formatProblem(proof) {
  if (!isObject(proof)) return 'not a JSON object';
  const json = jsonProblem(proof);
  if (json !== null) return json;
  if (proof.format !== 'medgate/proof/1')
    return `format is ${JSON.stringify(proof.format)}, not medgate/proof/1`;
  if (isObject(proof.anchor)) {
    const anchor = anchorProblem(proof.anchor);
    if (anchor !== null) return anchor;
  }
  return shapeProblem('proof', proof, PROOF_SHAPE);
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
    if (proof.anchor) {
      await verifyAnchor(proof, trust, check);
      await verifyFinality(proof.anchor, trust, check);
    }
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
  if (new DataView(header.buffer).getBigUint64(40) > BigInt(Number.MAX_SAFE_INTEGER)) {
    return check('block-pow', false, 'the header timestamp exceeds 2^53 - 1');
  }
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

// Finality (docs/ledger.md, "Finality"): members attest a block by signing 89 bytes with their gateway key.
const ATTESTATION_TAG = enc.encode('medgate/attestation/1');
const u32 = (n) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};
const activeAt = (member, height) =>
  member.retiredAt === undefined || member.retiredAt === null || height <= member.retiredAt;

/** The attestations of one block: valid member ids, why the others fail, the quorum, final or not. */
async function tally(consortium, block, attestations) {
  const members = consortium.members ?? [];
  const genesis = hexToBytes(consortium.genesis);
  const signed = concat(ATTESTATION_TAG, genesis, hexToBytes(block.hash), u32(block.height));
  const valid = new Set();
  const invalid = [];
  for (const [i, att] of attestations.entries()) {
    const member = members.find((m) => m.gatewayId === att.gatewayId);
    if (!member) invalid.push(`${i}: ${att.gatewayId} is not a member`);
    else if (!activeAt(member, block.height)) {
      invalid.push(
        `${i}: ${att.gatewayId} retired at height ${member.retiredAt}, attestation of height ${block.height}`,
      );
    } else if (
      !(await ed25519(hexToBytes(member.publicKey), hexToBytes(att.signature), signed).catch(() => false))
    ) {
      invalid.push(`${i}: bad signature by ${att.gatewayId}`);
    } else valid.add(att.gatewayId);
  }
  const quorum = Math.floor(members.filter((m) => activeAt(m, block.height)).length / 2) + 1;
  return { valid: [...valid], invalid, quorum, final: valid.size >= quorum };
}

async function verifyFinality(anchor, trust, check) {
  const carried = anchor.attestations ?? [];
  const consortium = trust.consortium;
  if (!consortium?.genesis) {
    return check(
      'finality',
      true,
      `not judged: ${carried.length} attestation(s), no consortium to check them against`,
    );
  }
  if (anchor.chain !== consortium.genesis) {
    return check(
      'finality',
      carried.length === 0,
      `attestations ${carried.length === 0 ? 'absent' : 'invalid'}: the proof names another chain than the trusted ledger's`,
    );
  }
  const own = await tally(consortium, { hash: anchor.blockHash, height: anchor.height }, carried);
  if (own.invalid.length > 0)
    return check('finality', false, `attestations invalid: ${own.invalid.join('; ')}`);
  const who = (t) => (t.valid.length === 0 ? 'none' : t.valid.join(', '));
  if (own.final)
    return check(
      'finality',
      true,
      `final: attested by ${who(own)} (${own.valid.length} of ${own.quorum} needed)`,
    );
  if (anchor.finalBy === undefined) {
    return check(
      'finality',
      true,
      `not yet final: attested by ${who(own)} (${own.valid.length} of ${own.quorum} needed)`,
    );
  }
  // A descendant a majority attested, linked to this block header by header, makes it final with it.
  let previous = anchor.blockHash;
  let height = anchor.height;
  for (const [i, hex] of anchor.finalBy.headers.entries()) {
    const header = hexToBytes(hex);
    const view = new DataView(header.buffer);
    if (view.getBigUint64(40) > BigInt(Number.MAX_SAFE_INTEGER)) {
      return check('finality', false, `finalBy.headers[${i}]: timestamp exceeds 2^53 - 1`);
    }
    if (bytesToHex(header.slice(8, 40)) !== previous || view.getUint32(4) !== height + 1) {
      return check(
        'finality',
        false,
        `finalBy.headers[${i}] does not follow block ${previous} at height ${height}`,
      );
    }
    previous = bytesToHex(await sha256(await sha256(header)));
    height += 1;
  }
  const above = await tally(consortium, { hash: previous, height }, anchor.finalBy.attestations);
  if (above.invalid.length > 0)
    return check('finality', false, `attestations invalid: finalBy ${above.invalid.join('; ')}`);
  return check(
    'finality',
    true,
    above.final
      ? `final: its descendant ${previous} at height ${height}, ${anchor.finalBy.headers.length} header(s) above it, is attested by ${who(above)} (${above.valid.length} of ${above.quorum} needed)`
      : `not yet final: its descendant at height ${height} is attested by ${who(above)} (${above.valid.length} of ${above.quorum} needed)`,
  );
}
