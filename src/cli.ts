#!/usr/bin/env node
/**
 * cbuild-bot command line. Thin by design: parse options, load the module for
 * the command lazily (so `compare` starts fast), delegate. No logic here.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

const USAGE = `cbuild-bot — builds Launchpad merge proposals on CBuild and LAVA and comments the results

Usage: cbuild-bot <command> [options]

Commands:
  run        watch Launchpad on the config's schedule until SIGTERM/SIGINT
  once       run one cycle (observe, build, comment) and exit
  status     show tracked proposals, requests, builds and comments (--json for JSON)
  migrate    apply database migrations and exit
  schedule   queue builds by hand and print their links:
               schedule --branch lp:~user/gcc-linaro/topic [--revision N] [--target a9hf ...]
                        [--backend lava|native|both] [--mp MERGE-PROPOSAL-URL]
  cancel     cancel a build request and its unfinished jobs: cancel REQUEST-ID
  sandbox    run the whole bot against simulated Launchpad, CBuild and LAVA (no network needed)
  compare    compare two DejaGnu .sum files: compare OLD.sum[.xz] NEW.sum[.xz] [--manifest FILE] [--json]
  report     capacity, stability, agreement and readiness per target: report [--since 7d|24h|30m] [--format text|json|csv]
  flaky      flaky tests learned from rebuilds: flaky [--target T] [--branch B] [--format text|json|manifest]

Common options:
  --config FILE   configuration file (default: ./bot.config.json)
  --verbose       debug logging
  -h, --help      help for a command: cbuild-bot <command> --help

Secrets come from the environment, never from the config:
  CBUILD_BOT_LP_CREDENTIALS   launchpadlib credentials file (else launchpad.credentialsFile);
                              without credentials the bot reads anonymously and prints its comments (dry run)
  CBUILD_BOT_LAVA_TOKEN       LAVA API token (or CBUILD_BOT_LAVA_TOKEN_FILE, else lava.tokenFile)
`;

const SANDBOX_USAGE = `Usage: cbuild-bot sandbox [options]

Starts simulated Launchpad, CBuild and LAVA on 127.0.0.1, seeds lp:gcc-linaro with a trunk
and several merge proposals, runs the real bot until every proposal has its results comment,
prints the comments as a reviewer reads them, and exits 0.

Options:
  --launchpad URL          use this Launchpad service root instead of the simulator (seeds nothing)
  --lp-credentials FILE    launchpadlib credentials file for --launchpad
  --project NAME           project to watch with --launchpad (default: gcc-linaro)
  --lava URL               use this LAVA XML-RPC endpoint (…/RPC2) instead of the simulator
  --lava-user USER         LAVA user for --lava
  --lava-token-file FILE   file holding the LAVA token for --lava
  --lava-device-type TYPE  LAVA device type to build every target on (with --lava; default: the
                           simulator's panda-es and x86_64-build)
  --timeout SECONDS        give up after this long (default: 300)
  --listen HOST:PORT       where to serve the bot's status page (default: 127.0.0.1:0, a free port)
  --keep-running           keep everything up after the scenario, until Ctrl-C
  --verbose                show the bot's log
`;

const COMMON: ParseArgsConfig['options'] = {
  config: { type: 'string', default: 'bot.config.json' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

function parse(args: string[], extra: ParseArgsConfig['options'] = {}) {
  return parseArgs({ args, options: { ...COMMON, ...extra }, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case 'compare': {
      const { compareCommand } = await import('./results/compare-cli.js');
      return compareCommand(rest, io);
    }
    case 'run':
    case 'once':
    case 'status':
    case 'migrate': {
      const opts = parse(rest, command === 'status' ? { json: { type: 'boolean', default: false } } : {});
      if (opts.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      const { runConfiguredCommand } = await import('./bot/commands.js');
      return runConfiguredCommand(command, { config: String(opts.config), verbose: Boolean(opts.verbose), json: Boolean(opts.json) });
    }
    case 'schedule':
    case 'cancel': {
      const { values: opts, positionals } = parseArgs({
        args: rest,
        options: {
          ...COMMON,
          ...(command === 'schedule'
            ? {
                branch: { type: 'string' },
                revision: { type: 'string' },
                target: { type: 'string', multiple: true },
                backend: { type: 'string', default: 'both' },
                mp: { type: 'string' },
              }
            : {}),
        },
        allowPositionals: command === 'cancel',
        strict: true,
      });
      if ((opts as { help?: boolean }).help) {
        process.stdout.write(USAGE);
        return 0;
      }
      const { runManualCommand } = await import('./bot/commands.js');
      const o = opts as Record<string, string | string[] | boolean | undefined>;
      return runManualCommand(command, {
        config: String(o.config),
        verbose: Boolean(o.verbose),
        branch: o.branch as string | undefined,
        revision: o.revision as string | undefined,
        targets: ((o.target as string[] | undefined) ?? []).flatMap((t) => t.split(',')).filter(Boolean),
        backend: String(o.backend ?? 'both'),
        mp: o.mp as string | undefined,
        request: positionals,
      });
    }
    case 'report': {
      const opts = parse(rest, { since: { type: 'string', default: '7d' }, format: { type: 'string', default: 'text' } });
      if (opts.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      const { reportCommand } = await import('./report/command.js');
      return reportCommand(
        { config: String(opts.config), since: String(opts.since), format: String(opts.format), verbose: Boolean(opts.verbose) },
        io,
      );
    }
    case 'flaky': {
      const opts = parse(rest, { target: { type: 'string' }, branch: { type: 'string' }, format: { type: 'string', default: 'text' } });
      if (opts.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      const { flakyCommand } = await import('./report/flaky-command.js');
      return flakyCommand(
        { config: String(opts.config), target: opts.target as string | undefined, branch: opts.branch as string | undefined, format: String(opts.format) },
        io,
      );
    }
    case 'sandbox': {
      const opts = parse(rest, {
        launchpad: { type: 'string' },
        'lp-credentials': { type: 'string' },
        project: { type: 'string', default: 'gcc-linaro' },
        lava: { type: 'string' },
        'lava-user': { type: 'string' },
        'lava-token-file': { type: 'string' },
        'lava-device-type': { type: 'string' },
        timeout: { type: 'string', default: '300' },
        listen: { type: 'string', default: '127.0.0.1:0' },
        'keep-running': { type: 'boolean', default: false },
      });
      if (opts.help) {
        process.stdout.write(SANDBOX_USAGE);
        return 0;
      }
      const timeout = Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout must be a number of seconds, not ${JSON.stringify(opts.timeout)}`);
      if (opts.lava && !(opts['lava-user'] && opts['lava-token-file'])) throw new Error('--lava needs --lava-user and --lava-token-file');
      const { runSandbox } = await import('./sandbox/sandbox.js');
      return runSandbox({
        launchpad: opts.launchpad as string | undefined,
        lpCredentials: opts['lp-credentials'] as string | undefined,
        project: String(opts.project),
        lava: opts.lava as string | undefined,
        lavaUser: opts['lava-user'] as string | undefined,
        lavaTokenFile: opts['lava-token-file'] as string | undefined,
        lavaDeviceType: opts['lava-device-type'] as string | undefined,
        timeoutMs: timeout * 1000,
        listen: String(opts.listen),
        keepRunning: Boolean(opts['keep-running']),
        verbose: Boolean(opts.verbose),
        out: process.stdout,
      });
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`cbuild-bot: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cbuild-bot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
