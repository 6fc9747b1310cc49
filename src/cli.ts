#!/usr/bin/env node
/**
 * cbuild-bot command line. Thin by design: each command loads its module lazily
 * (so `compare` starts fast) and delegates; no logic lives here.
 */
const USAGE = `Usage: cbuild-bot <command> [options]

Commands:
  compare OLD.sum[.xz] NEW.sum[.xz] [--manifest FILE] [--json]
                compare two DejaGnu summaries (exit 0: no regressions, 1: regressions, 2: bad input)

Run 'cbuild-bot <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case 'compare': {
      const { compareCommand } = await import('./results/compare-cli.js');
      return compareCommand(rest, io);
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
    process.exitCode = 1;
  },
);
