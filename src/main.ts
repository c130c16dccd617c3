#!/usr/bin/env node
/**
 * The `gateway` command: `gateway start [--config FILE]`, `gateway token-hash TOKEN`, `gateway help`.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config/index.ts';
import { tokenDigest } from './crypto/tokens.ts';
import { isGatewayError } from './errors.ts';
import { startGateway } from './gateway.ts';
import { createLog } from './log.ts';

const USAGE = `usage: gateway <command> [options]

commands:
  start [--config FILE]   run a gateway (no file: embedded defaults; env GATEWAY_* overrides, see docs/configuration.md)
  check-config FILE       validate a config file and print every problem
  token-hash TOKEN        print the SHA-256 to put in security.tokens[].sha256
  help                    this text
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'check-config':
      return checkConfig(rest);
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
      process.exitCode = err.code === 'ERR_CONFIG_INVALID' ? 78 : 1;
    } else {
      process.stderr.write(`gateway: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
