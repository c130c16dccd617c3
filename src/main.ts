#!/usr/bin/env node
/**
 * The `gateway` command: `gateway start [--config FILE]`, `gateway token-hash TOKEN`, `gateway help`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/index.ts';
import { generateSigningKey } from './crypto/signing.ts';
import { tokenDigest } from './crypto/tokens.ts';
import { ImportError, importDevices, readDevicesCsv } from './devices-import.ts';
import { isGatewayError } from './errors.ts';
import { isProvenance, provenanceProof } from './fhir/provenance-proof.ts';
import { startGateway } from './gateway.ts';
import { type Consortium, parseConsortium } from './ledger/index.ts';
import { fetchChainView } from './ledger/node/remote-view.ts';
import { createLog } from './log.ts';
import { type ChainView, type ProofCheck, type VerifyOptions, verifyReadingProof } from './proofs/index.ts';

const USAGE = `usage: gateway <command> [options]

commands:
  start [--config FILE]   run a gateway (no file: embedded defaults; env GATEWAY_* overrides, see docs/configuration.md)
  check-config FILE       validate a config file and print every problem
  verify PROOF.json       check a reading proof, or a FHIR Provenance carrying one (docs/fhir.md);
                          every check is printed (exit 0 valid, 1 invalid)
                          [--key GATEWAY_ID=HEX]... trust these gateway keys
                          [--consortium FILE]  the consortium file: members' keys for records and miners
                          [--ledger URL]       also check the block is on that gateway's main chain
                          [--token T]          bearer token for --ledger (or GATEWAY_TOKEN, GATEWAY_PEER_TOKEN)
  keygen [--out FILE]     create an Ed25519 signing key (64 hex digits, mode 0600) and print its public key
  token-hash TOKEN        print the SHA-256 to put in security.tokens[].sha256
  devices import FILE.csv provision the devices of a CSV file (id,kind,patientId,shared) through the API and
                          print each one's secret once, as CSV (id,kind,patientId,shared,secret)
                          [--url URL]    the gateway's HTTP API (default http://127.0.0.1:8080)
                          [--token T]    an admin token (or GATEWAY_TOKEN)
                          [--batch N]    devices per request (default 500, http.devices.maxPerRequest)
  help                    this text
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'check-config':
      return checkConfig(rest);
    case 'verify':
      return verify(rest);
    case 'keygen':
      return keygen(rest);
    case 'devices':
      return devices(rest);
    case 'token-hash': {
      if (rest.length !== 1 || !rest[0]) return usage('token-hash takes exactly one token');
      process.stdout.write(`${tokenDigest(rest[0])}\n`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      return usage(`unknown command: ${command}`);
  }
}

function usage(problem: string): number {
  process.stderr.write(`gateway: ${problem}\n\n${USAGE}`);
  return 2;
}

function checkConfig(args: string[]): number {
  if (args.length !== 1) return usage('check-config takes exactly one file');
  loadConfig({ file: args[0], env: {} });
  process.stdout.write(`${args[0]}: ok\n`);
  return 0;
}

async function verify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      key: { type: 'string', multiple: true },
      consortium: { type: 'string' },
      ledger: { type: 'string' },
      token: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) return usage('verify takes exactly one proof file');
  let proof: unknown;
  try {
    proof = JSON.parse(readFileSync(positionals[0]!, 'utf8'));
  } catch (err) {
    process.stderr.write(`gateway: cannot read ${positionals[0]}: ${(err as Error).message}\n`);
    return 2;
  }
  // A FHIR Provenance carries the proof in its extensions and signs the minute record (docs/fhir.md).
  let provenanceCheck: ProofCheck | null = null;
  if (isProvenance(proof)) {
    const found = provenanceProof(proof);
    if (!found) {
      process.stderr.write('gateway: the Provenance carries no proof yet: its reading is not sealed\n');
      return 1;
    }
    proof = found.proof;
    provenanceCheck = found.signature;
  }
  const trusted = new Map<string, string[]>();
  for (const pair of values.key ?? []) {
    const match = /^([A-Za-z0-9._-]{1,64})=([0-9a-f]{64})$/.exec(pair);
    if (!match) return usage(`--key takes GATEWAY_ID=64 hex digits, got ${pair}`);
    trusted.set(match[1]!, [...(trusted.get(match[1]!) ?? []), match[2]!]);
  }
  let consortium: Consortium | undefined;
  if (values.consortium) {
    try {
      consortium = parseConsortium(JSON.parse(readFileSync(values.consortium, 'utf8')));
    } catch (err) {
      process.stderr.write(`gateway: consortium ${values.consortium}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let chain: ChainView | undefined;
  if (values.ledger) {
    const height = (proof as { anchor?: { height?: unknown } } | null)?.anchor?.height;
    const token = values.token ?? (process.env.GATEWAY_TOKEN || process.env.GATEWAY_PEER_TOKEN);
    try {
      chain = await fetchChainView(values.ledger, typeof height === 'number' ? height : null, token);
    } catch (err) {
      process.stderr.write(`gateway: ledger ${values.ledger}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const options: VerifyOptions = {
    ...(trusted.size > 0 ? { trustedKeys: trusted } : {}),
    ...(consortium ? { consortium } : {}),
    ...(chain ? { chain } : {}),
  };
  const checked = verifyReadingProof(proof, options);
  const verdict = provenanceCheck
    ? { valid: checked.valid && provenanceCheck.ok, checks: [...checked.checks, provenanceCheck] }
    : checked;
  if ((proof as { anchor?: unknown } | null)?.anchor == null) {
    process.stdout.write(
      'note: the proof has no anchor yet (its minute is not mined): ledger checks skipped\n',
    );
  }
  for (const check of verdict.checks) {
    process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name.padEnd(16)} ${check.detail}\n`);
  }
  process.stdout.write(verdict.valid ? 'proof is valid\n' : 'proof is NOT valid\n');
  return verdict.valid ? 0 : 1;
}

function keygen(args: string[]): number {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
  const key = generateSigningKey();
  const hex = Buffer.from(key.secretKey).toString('hex');
  if (values.out) {
    writeFileSync(values.out, `${hex}\n`, { mode: 0o600, flag: 'wx' });
    process.stderr.write(`secret key written to ${values.out}\n`);
  } else {
    process.stdout.write(`secret ${hex}\n`);
  }
  process.stdout.write(`public ${Buffer.from(key.publicKey).toString('hex')}\n`);
  process.stderr.write(
    [
      'To make a real consortium (docs/ledger.md, "Running a consortium"): each member runs keygen on its own',
      'machine and shares only its public key; one consortium file lists every member (gatewayId, publicKey),',
      'the consensus params and a genesis timestamp, and all members use the same file. The keys committed in',
      'gateway-config/consortium/ are examples: never use them for real data.',
      '',
    ].join('\n'),
  );
  return 0;
}

async function devices(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import') return usage('devices takes the subcommand import');
  const { values, positionals } = parseArgs({
    args: rest,
    options: { url: { type: 'string' }, token: { type: 'string' }, batch: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) return usage('devices import takes exactly one CSV file');
  const token = values.token ?? process.env.GATEWAY_TOKEN;
  if (!token) return usage('devices import needs an admin token: --token or GATEWAY_TOKEN');
  const batch = Number(values.batch ?? 500);
  if (!Number.isInteger(batch) || batch < 1) return usage('--batch must be a positive integer');
  try {
    const rows = readDevicesCsv(positionals[0]!);
    const done = await importDevices({
      rows,
      url: values.url ?? 'http://127.0.0.1:8080',
      token,
      batch,
      write: (text) => process.stdout.write(text),
    });
    process.stderr.write(`gateway: ${done} devices provisioned; their secrets are shown only this once\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ImportError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    process.stderr.write(`gateway: ${positionals[0]}: ${(err as Error).message}\n`);
    return 1;
  }
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  const loaded = loadConfig({ file: values.config });
  const log = createLog();
  log('info', `configuration: ${loaded.source}`);
  const gateway = await startGateway({ config: loaded.config, adminToken: loaded.adminToken, log });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log('info', `${signal}: draining connections and in-flight commits`);
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  await gateway.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isGatewayError(err)) {
      process.stderr.write(`gateway: ${err.message}\n`);
      // 78 (EX_CONFIG): the operator must fix the configuration or the files it names.
      process.exitCode =
        err.code === 'ERR_CONFIG_INVALID' || err.code === 'ERR_INSECURE_PERMISSIONS' ? 78 : 1;
    } else {
      process.stderr.write(`gateway: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
