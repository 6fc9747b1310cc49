/**
 * The real CLI as an operator runs it: a child process, never blocking this
 * one (which may be serving the simulators it talks to). The environment is
 * this process's without its CBUILD_BOT_* settings, plus `env`: a test says
 * which credentials and tokens the command gets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/config.js';

export const CLI = join(projectRoot(), 'dist/src/cli.js');

export interface CliRun {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without its CBUILD_BOT_* settings (an operator's own would reach the child), plus `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CBUILD_BOT_'))), ...env };
}

/** Timers that fake timers leave alone, for waiting on a child process. */
const realSetTimeout = globalThis.setTimeout;

/** A long-running command (`cbuild-bot run`), its stdout and stderr gathered into one log. */
export interface RunningCli {
  child: ChildProcess;
  log(): string;
  /** Waits for `check`; fails at once, with the log, if the command has ended meanwhile. */
  waitFor(what: string, check: () => boolean, ms?: number): Promise<void>;
  /** SIGTERM (unless it has ended already), then its end. */
  stop(): Promise<void>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  let ended = false;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void exited.then(() => (ended = true));
  return {
    child,
    log: () => log,
    async waitFor(what, check, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (ended) throw new Error(`cbuild-bot ${args[0]} ended (code ${child.exitCode}, signal ${child.signalCode}) before ${what}\n${log}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log}`);
        await new Promise((r) => realSetTimeout(r, 100));
      }
    },
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { onStderr?: (text: string, kill: () => void) => void } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, () => child.kill('SIGTERM'));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
