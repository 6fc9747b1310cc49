#!/usr/bin/env node
/**
 * cbuild-bot command line. Thin by design: parse options, load the module for
 * the command lazily (so `compare` starts fast), delegate. No logic here
 * beyond checking option values, so that each is named when it is wrong.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type LogSettings } from './log.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

/** A bad option or argument: exit 2, naming it. */
class UsageError extends Error {}

interface Command {
  /** `cbuild-bot <name> <synopsis>`. */
  synopsis: string;
  /** One line in the global usage. */
  summary: string;
  /** The command's own help, after its synopsis. */
  help: string;
  options: Options;
  /** Takes --config. */
  config?: boolean;
  /** Takes --log-format, --log-level and --verbose. */
  logs?: boolean;
  positionals?: boolean;
  run(values: Values, positionals: string[], log: LogSettings): Promise<number>;
}

const io = { stdout: process.stdout, stderr: process.stderr };

const CONFIG_OPTION = `  --config FILE          configuration file (default: ./bot.config.json)`;
const LOG_OPTIONS = `  --log-format text|json log lines as text (default) or one JSON object per line
  --log-level LEVEL      debug, info, warn or error (each command has its own default)
  --verbose              the same as --log-level debug`;

const configured = (command: 'run' | 'once' | 'status' | 'migrate') => async (values: Values, _p: string[], log: LogSettings) => {
  const { runConfiguredCommand } = await import('./app/commands.js');
  return runConfiguredCommand(command, { config: String(values.config), log, json: Boolean(values.json), dryRun: Boolean(values['dry-run']) });
};

const START_HELP = `At start it makes the checks of cbuild-bot check and refuses to start, exit 1, on a configuration
error (a template LAVA would refuse, a missing or exposed secret file, a token a service refuses, an
unknown device type or queue), naming it; a service that does not answer only gives a warning (the
bot retries it). A config file that is not valid exits 2.

  --dry-run              read Launchpad (anonymously when no credentials are configured) and print the
                         jobs it would submit or cancel and the comments it would post; submits, cancels
                         and posts nothing. It works on a throwaway copy of the database, so the real one
                         is never written (each dry run starts from the database as it is).`;

const manual = (command: 'schedule' | 'cancel') => async (values: Values, positionals: string[], log: LogSettings) => {
  const { runManualCommand } = await import('./app/commands.js');
  return runManualCommand(command, {
    config: String(values.config),
    log,
    branch: values.branch as string | undefined,
    revision: values.revision as string | undefined,
    repository: values.repository as string | undefined,
    ref: values.ref as string | undefined,
    commit: values.commit as string | undefined,
    targets: ((values.target as string[] | undefined) ?? []).flatMap((t) => t.split(',')).filter(Boolean),
    backend: String(values.backend ?? 'both'),
    mp: values.mp as string | undefined,
    request: positionals,
  });
};

const COMMANDS: Record<string, Command> = {
  run: {
    synopsis: '[--config FILE] [--dry-run]',
    summary: 'watch Launchpad on the config\'s schedule until SIGTERM/SIGINT (SIGHUP re-reads the config)',
    help: `Runs the bot: a cycle (observe Launchpad, build, comment) on the config's schedule, the dailies
on theirs, and the status page on http.listen. SIGTERM/SIGINT finish the current step, then stop;
SIGHUP re-reads the config and logs what changed (a file that is not valid, or whose templates or
secret files cannot work, is refused and the old config kept); builds held for a configuration
error are tried again then, and at each start.

${START_HELP}`,
    options: { 'dry-run': { type: 'boolean', default: false } },
    config: true,
    logs: true,
    run: configured('run'),
  },
  once: {
    synopsis: '[--config FILE] [--dry-run]',
    summary: 'run one cycle (observe, build, comment) and exit (1 if anything failed)',
    help: `Runs one cycle and exits: 0 when every step succeeded, 1 when any failed (a configuration error
met in the cycle, such as a template that does not render, included).

${START_HELP}`,
    options: { 'dry-run': { type: 'boolean', default: false } },
    config: true,
    logs: true,
    run: configured('once'),
  },
  check: {
    synopsis: '[--config FILE]',
    summary: 'preflight: check the config, templates, secret files, Launchpad, LAVA and CBuild; exit 1 on a problem',
    help: `Checks what the bot needs, one line per item, ✓ or ✗ with what to do about it: the config is valid;
every target's LAVA template renders for a bzr and a git build and LAVA's schema accepts the job;
the Launchpad credentials file and the LAVA token file exist and are readable by this user only;
Launchpad accepts the credentials (who the bot is logged in as); LAVA accepts the token and has
each device type, and its user may submit to it; the CBuild scheduler answers and has each queue.
Exits 0 when every item is ✓, 1 otherwise. Run it as the bot's user after editing the config.`,
    options: {},
    config: true,
    logs: true,
    run: async (values, _p, log) => {
      const { checkCommand } = await import('./app/check.js');
      return checkCommand({ config: String(values.config), log }, io);
    },
  },
  status: {
    synopsis: '[--config FILE] [--json]',
    summary: 'show tracked proposals, requests, builds and comments',
    help: `Shows what the database holds: tracked proposals, requests, builds and comments.

  --json                 print it as JSON`,
    options: { json: { type: 'boolean', default: false } },
    config: true,
    logs: true,
    run: configured('status'),
  },
  migrate: {
    synopsis: '[--config FILE]',
    summary: 'apply database migrations and exit',
    help: 'Applies the pending migrations (migrations/NNN_*.sql) to the configured database and exits.',
    options: {},
    config: true,
    logs: true,
    run: configured('migrate'),
  },
  schedule: {
    synopsis:
      '[--config FILE] --branch lp:~user/gcc-linaro/topic [--revision N] [--target a9hf ...]\n' +
      '                           [--backend cbuild|lava|both] [--mp MERGE-PROPOSAL-URL]\n' +
      '       cbuild-bot schedule [--config FILE] --repository lp:~user/gcc-linaro/+git/gcc-linaro --ref refs/heads/topic\n' +
      '                           [--commit SHA] [--target a9hf ...] [--backend cbuild|lava|both] [--mp MERGE-PROPOSAL-URL]',
    summary: 'queue builds by hand, submit them at once and print their links',
    help: `Records a build request for a bzr branch tip (or --revision N), or a git ref's commit (or --commit SHA),
on every target (or those named) and backend, submits the jobs at once and prints their links. The
running bot follows them.

  --branch URL           lp: URL of a bzr branch to build
  --revision N           with --branch: its revision number (default: the tip)
  --repository URL       lp: path of a git repository to build (lp:project is its default repository)
  --ref REF              with --repository: the ref, e.g. refs/heads/topic (default: its default branch)
  --commit SHA           with --repository: this commit, fetched with the ref (default: the ref's commit)
  --target NAME          a target of the config; repeat or separate with commas (default: all)
  --backend WHICH        cbuild, lava or both (default: both; native is the old name of cbuild)
  --mp URL               a watched merge proposal whose source is the branch or ref: compare with its
                         branch point and comment the results there`,
    options: {
      branch: { type: 'string' },
      revision: { type: 'string' },
      repository: { type: 'string' },
      ref: { type: 'string' },
      commit: { type: 'string' },
      target: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'both' },
      mp: { type: 'string' },
    },
    config: true,
    logs: true,
    run: manual('schedule'),
  },
  cancel: {
    synopsis: '[--config FILE] REQUEST-ID',
    summary: 'cancel a build request and its unfinished jobs at once',
    help: 'Cancels a request (its id from `cbuild-bot status`) and its queued and running jobs; no results comment is posted.',
    options: {},
    config: true,
    logs: true,
    positionals: true,
    run: manual('cancel'),
  },
  login: {
    synopsis: '[--config FILE] [--service-root URL] [--consumer-key NAME] [--credentials FILE] [--force] [--timeout SECONDS]',
    summary: 'get the bot an OAuth token from Launchpad (a person approves it) and write the credentials file',
    help: `Asks Launchpad for a token the way launchpadlib does, prints the page to open, logged in as the bot's
Launchpad account, to approve it with the access the bot needs (WRITE_PUBLIC: "Change Non-Private
Data", to post comments and review votes), waits for the approval, and writes a launchpadlib
credentials file (mode 0600). The secret is never printed. Unless both --service-root and
--credentials are given, it reads their defaults from the config (--config FILE, else
./bot.config.json when there is one).

  --service-root URL     Launchpad web service root, or production, staging, qastaging
                         (default: the config's launchpad.serviceRoot, else production)
  --consumer-key NAME    OAuth consumer key (default: cbuild-bot)
  --credentials FILE     where to write (default: $CBUILD_BOT_LP_CREDENTIALS, else the config's
                         launchpad.credentialsFile)
  --force                replace an existing file
  --timeout SECONDS      how long to wait for the approval (default: 900)`,
    options: {
      'service-root': { type: 'string' },
      'consumer-key': { type: 'string', default: 'cbuild-bot' },
      credentials: { type: 'string' },
      force: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '900' },
    },
    config: true,
    logs: true,
    run: async (values, _p, log) => {
      const { loginCommand } = await import('./launchpad/login-command.js');
      return loginCommand(
        {
          config: values.config as string | undefined,
          serviceRoot: values['service-root'] as string | undefined,
          consumerKey: String(values['consumer-key']),
          credentials: values.credentials as string | undefined,
          force: Boolean(values.force),
          timeoutSeconds: seconds('--timeout', values.timeout),
          log,
        },
        io,
      );
    },
  },
  backup: {
    synopsis: 'FILE [--config FILE] [--force]',
    summary: 'copy the database consistently while the bot runs (SQLite\'s online backup)',
    help: `Copies the configured database to FILE with SQLite's online backup API: a consistent snapshot even
while the bot writes (a plain copy of a live WAL database can miss recent changes). Checks the copy
and prints what it holds. Restore by stopping the bot and putting FILE in the database's place.

  --force                replace FILE if it exists`,
    options: { force: { type: 'boolean', default: false } },
    config: true,
    positionals: true,
    run: async (values, positionals) => {
      const { backupCommand } = await import('./store/backup.js');
      return backupCommand({ config: String(values.config), file: positionals, force: Boolean(values.force) }, io);
    },
  },
  webhooks: {
    synopsis: 'register|list|remove [--config FILE] [--url PUBLIC-URL]',
    summary: 'register, list or remove the bot\'s Launchpad webhooks on the watched targets',
    help: `Manages the webhooks that tell the bot at once about pushes, new proposals, status changes and
comments (README: Events). Merge-proposal events are delivered to a proposal's target, so each watched
target gets one: a watched branch or repository, or for a project its default git repository, its
development focus branch and the target of each open proposal. It uses Launchpad's devel API, the
bot's credentials (the account must be able to edit the targets: be in the team that owns them) and
the secret in webhooks.launchpad.secretFile.

  register               create the missing webhooks (a second run changes nothing)
  list                   show the webhooks on each target
  remove                 delete the webhooks that deliver to --url
  --url PUBLIC-URL       where Launchpad delivers: the public address of webhooks.launchpad.path,
                         e.g. https://cbuild-bot.example.org/hooks/launchpad (register, remove)`,
    options: { url: { type: 'string' } },
    config: true,
    logs: true,
    positionals: true,
    run: async (values, positionals, log) => {
      const [action, ...extra] = positionals;
      if (!['register', 'list', 'remove'].includes(action ?? '') || extra.length) throw new UsageError('expected one of register, list, remove');
      const { webhooksCommand, WebhooksUsageError } = await import('./app/webhooks-command.js');
      try {
        return await webhooksCommand(action as 'register' | 'list' | 'remove', { config: String(values.config), log, url: values.url as string | undefined }, io);
      } catch (err) {
        if (err instanceof WebhooksUsageError) throw new UsageError(err.message);
        throw err;
      }
    },
  },
  report: {
    synopsis: '[--config FILE] [--since 7d|24h|30m|2w] [--format text|json|csv]',
    summary: 'capacity, stability, agreement and readiness per backend and target',
    help: `Prints capacity and stability figures per backend and target from the database (and LAVA's device
pool, when LAVA answers); progress goes to stderr.

  --since LENGTH         the window, e.g. 7d, 24h, 30m, 2w (default: 7d)
  --format FORMAT        text, json or csv (default: text)`,
    options: { since: { type: 'string', default: '7d' }, format: { type: 'string', default: 'text' } },
    config: true,
    logs: true,
    run: async (values, _p, log) => {
      const { reportCommand } = await import('./report/command.js');
      return reportCommand({ config: String(values.config), since: String(values.since), format: String(values.format), log }, io);
    },
  },
  flaky: {
    synopsis: '[--config FILE] [--target T] [--branch B] [--format text|json|manifest]',
    summary: 'the flaky tests learned from builds of the same revision',
    help: `Prints the tests whose result changed between builds of the same revision, target and backend
(dailies, rebuilds, baselines shared by proposals), per target branch: flaky evidence, not
regressions. --format manifest prints them in the validate_failures.py format the bot reads
(flakyManifests), so a list can be reviewed and kept.

  --target NAME          only this target of the config
  --branch B             only this target branch: a bzr branch's unique name (~owner/project/name) or a
                         git repository's and its ref (~owner/project/+git/name:refs/heads/master)
  --format FORMAT        text, json or manifest (default: text)`,
    options: { target: { type: 'string' }, branch: { type: 'string' }, format: { type: 'string', default: 'text' } },
    config: true,
    run: async (values) => {
      const { flakyCommand } = await import('./report/flaky-command.js');
      return flakyCommand(
        { config: String(values.config), target: values.target as string | undefined, branch: values.branch as string | undefined, format: String(values.format) },
        io,
      );
    },
  },
  sandbox: {
    synopsis: '[options]',
    summary: 'run the whole bot against simulated Launchpad, CBuild and LAVA (no network needed)',
    help: `Starts simulated Launchpad, CBuild and LAVA on 127.0.0.1, seeds lp:gcc-linaro with a trunk
and several merge proposals, runs the real bot until every proposal has its results comment,
prints the comments as a reviewer reads them, and exits 0. Its state (database, config,
credentials) lives in a temporary directory, removed when it ends, on SIGTERM and on Ctrl-C.

  --launchpad URL          use this Launchpad service root instead of the simulator (seeds nothing)
  --lp-credentials FILE    launchpadlib credentials file for --launchpad (required with it)
  --project NAME           project to watch with --launchpad (default: gcc-linaro)
  --lava URL               use this LAVA XML-RPC endpoint (…/RPC2) instead of the simulator
  --lava-user USER         LAVA user for --lava
  --lava-token-file FILE   file holding the LAVA token for --lava
  --lava-device-type TYPE  LAVA device type to build every target on (with --lava; default: the
                           simulator's panda-es and x86_64-build)
  --timeout SECONDS        give up after this long (default: 300)
  --listen HOST:PORT       where to serve the bot's status page (default: 127.0.0.1:0, a free port)
  --keep-running           keep everything up after the scenario, the bot included, until Ctrl-C:
                           builds scheduled by hand with \`cbuild-bot schedule --config <the config
                           it prints>\` are built and commented`,
    options: {
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
    },
    logs: true,
    run: async (values, _p, log) => {
      const timeout = seconds('--timeout', values.timeout);
      if (values.lava && !(values['lava-user'] && values['lava-token-file'])) throw new UsageError('--lava needs --lava-user and --lava-token-file');
      if (values.launchpad && !values['lp-credentials']) {
        throw new UsageError('--launchpad needs --lp-credentials: the sandbox posts its comments (cbuild-bot once --dry-run shows what the bot would post without posting)');
      }
      const { parseListen } = await import('./web/server.js');
      try {
        parseListen(String(values.listen), '--listen');
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { runSandbox } = await import('./sandbox/sandbox.js');
      return runSandbox({
        launchpad: values.launchpad as string | undefined,
        lpCredentials: values['lp-credentials'] as string | undefined,
        project: String(values.project),
        lava: values.lava as string | undefined,
        lavaUser: values['lava-user'] as string | undefined,
        lavaTokenFile: values['lava-token-file'] as string | undefined,
        lavaDeviceType: values['lava-device-type'] as string | undefined,
        timeoutMs: timeout * 1000,
        listen: String(values.listen),
        keepRunning: Boolean(values['keep-running']),
        log,
        out: process.stdout,
      });
    },
  },
};

/** Commands that parse their own arguments. */
const SELF_PARSED: Record<string, { summary: string; synopsis: string; run: (args: string[]) => Promise<number> }> = {
  compare: {
    synopsis: 'OLD.sum[.xz] NEW.sum[.xz] [--manifest FILE] [--json] [--max-line-bytes N]',
    summary: 'compare two DejaGnu .sum files as contrib/compare_tests does',
    run: async (args) => {
      const { compareCommand } = await import('./results/compare-cli.js');
      return compareCommand(args, io);
    },
  },
};

function usage(): string {
  const lines = [...Object.entries(COMMANDS), ...Object.entries(SELF_PARSED)].map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `cbuild-bot — builds Launchpad merge proposals on CBuild and LAVA and comments the results

Usage: cbuild-bot <command> [options]

Commands:
${lines.join('\n')}

Each command explains itself: cbuild-bot <command> --help. cbuild-bot --version prints the version.

Secrets come from the environment or files, never from the config:
  CBUILD_BOT_LP_CREDENTIALS   launchpadlib credentials file (else launchpad.credentialsFile); make one
                              with cbuild-bot login
  CBUILD_BOT_LAVA_TOKEN       LAVA API token (or CBUILD_BOT_LAVA_TOKEN_FILE, else lava.tokenFile)
`;
}

function commandUsage(name: string, command: Command): string {
  const common = [command.config ? CONFIG_OPTION : '', command.logs ? LOG_OPTIONS : '', '  -h, --help             this help'].filter(Boolean);
  return `Usage: cbuild-bot ${name} ${command.synopsis}\n\n${command.help}\n\nCommon options:\n${common.join('\n')}\n`;
}

function version(): string {
  // dist/src/cli.js → the package's own package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function seconds(option: string, value: unknown): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new UsageError(`${option}: expected a number of seconds, not ${JSON.stringify(value)}`);
  return n;
}

function logSettings(values: Values): LogSettings {
  const format = (values['log-format'] as string | undefined) ?? 'text';
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--log-format: expected ${LOG_FORMATS.join(' or ')}, not ${JSON.stringify(format)}`);
  let level = values['log-level'] as string | undefined;
  if (level !== undefined && !(LOG_LEVELS as string[]).includes(level)) throw new UsageError(`--log-level: expected ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level)}`);
  if (values.verbose) {
    if (level !== undefined && level !== 'debug') throw new UsageError(`--verbose means --log-level debug; it contradicts --log-level ${level}`);
    level = 'debug';
  }
  return { format: format as LogFormat, level: level as LogLevel | undefined };
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`cbuild-bot ${version()}\n`);
    return 0;
  }
  const selfParsed = SELF_PARSED[name];
  if (selfParsed) return selfParsed.run(rest);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`cbuild-bot: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...command.options,
        ...(command.config ? { config: { type: 'string' } } : {}),
        ...(command.logs ? { 'log-format': { type: 'string' }, 'log-level': { type: 'string' }, verbose: { type: 'boolean', default: false } } : {}),
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = parsed.values as Values;
  if (values.help) {
    process.stdout.write(commandUsage(name, command));
    return 0;
  }
  // login tells a missing default config from a given one; the others read ./bot.config.json.
  if (command.config && values.config === undefined && name !== 'login') values.config = 'bot.config.json';
  return command.run(values, parsed.positionals, command.logs ? logSettings(values) : { format: 'text' });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const [name] = process.argv.slice(2);
    const hint = err instanceof UsageError && name && Object.hasOwn(COMMANDS, name) ? ` (see cbuild-bot ${name} --help)` : '';
    process.stderr.write(`cbuild-bot${err instanceof UsageError && name ? ` ${name}` : ''}: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
    process.exitCode = 2;
  },
);
