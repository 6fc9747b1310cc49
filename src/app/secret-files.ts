/**
 * The secret files the config names — the Launchpad credentials and the LAVA
 * token — checked the way the preflight reports them: each exists, can be
 * read, and is readable by the bot's user alone. The rule on Launchpad
 * credentials lives here once: without them the bot may only run dry (it
 * could not post), and a file the config names but that is not there is an
 * error, never a quiet fall-back to reading anonymously.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ConfigError, readWebhookSecret, type BotConfig, type RolloutConfig, type RolloutSetting } from '../config/config.js';
import { CredentialsFileError, readCredentialsFile, type LaunchpadCredentials } from '../launchpad/credentials.js';
import type { CheckItem } from './check.js';

/** Launchpad credentials that cannot be used: `problem` names the file (or the settings), `fix` what to do; the message says both. */
export class CredentialsMissingError extends Error {
  constructor(readonly problem: string, readonly fix: string) {
    super(`${problem}: ${fix}`);
    this.name = 'CredentialsMissingError';
  }
}

/** The credentials file in force: $CBUILD_BOT_LP_CREDENTIALS, else launchpad.credentialsFile; with the name of where it came from. */
function launchpadCredentialsFile(config: BotConfig, env: NodeJS.ProcessEnv): { path: string; setting: string } | undefined {
  if (env.CBUILD_BOT_LP_CREDENTIALS) return { path: env.CBUILD_BOT_LP_CREDENTIALS, setting: '$CBUILD_BOT_LP_CREDENTIALS' };
  if (config.launchpad.credentialsFile) return { path: config.launchpad.credentialsFile, setting: 'launchpad.credentialsFile' };
  return undefined;
}

/**
 * The Launchpad credentials a command runs with. Undefined means reading
 * anonymously, which only a dry run may do (`note` says why it is
 * anonymous); otherwise a missing or broken file throws
 * CredentialsMissingError naming it and `cbuild-bot login` as the fix.
 */
export function launchpadCredentials(
  config: BotConfig,
  env: NodeJS.ProcessEnv,
  dryRun: boolean,
): { credentials?: LaunchpadCredentials; file?: string; note?: string } {
  const named = launchpadCredentialsFile(config, env);
  if (!named) {
    if (dryRun) return { note: 'no Launchpad credentials are configured: the dry run reads Launchpad anonymously' };
    throw new CredentialsMissingError(
      'no Launchpad credentials: neither launchpad.credentialsFile nor $CBUILD_BOT_LP_CREDENTIALS names a file, and the bot cannot post without them',
      'run `cbuild-bot login` and name the file it writes in launchpad.credentialsFile (or give --dry-run to read Launchpad anonymously and post nothing)',
    );
  }
  if (!existsSync(named.path)) {
    if (dryRun) return { note: `Launchpad credentials file ${named.path} (${named.setting}) does not exist: the dry run reads Launchpad anonymously` };
    throw new CredentialsMissingError(
      `Launchpad credentials file ${named.path} (${named.setting}) does not exist`,
      `run \`cbuild-bot login\` to make it (or give --dry-run to read Launchpad anonymously and post nothing)`,
    );
  }
  try {
    return { credentials: readCredentialsFile(named.path), file: named.path };
  } catch (err) {
    if (!(err instanceof CredentialsFileError)) throw err;
    throw new CredentialsMissingError(err.message, `make a new one with \`cbuild-bot login --force\``);
  }
}

/** Whether any rollout level can turn LAVA builds on (the top level is on unless it says off; `main: lava` turns it on wherever it is). */
function lavaMayBuild(rollout: RolloutConfig): boolean {
  const levels: RolloutSetting[] = [
    ...Object.values(rollout.targets ?? {}),
    ...Object.values(rollout.projects ?? {}).flatMap((p) => [p, ...Object.values(p.targets ?? {})]),
  ];
  const turnsOn = (l: RolloutSetting) => l.main === 'lava' || (l.lava !== undefined && l.lava !== 'off');
  return (rollout.lava ?? 'on') !== 'off' || turnsOn(rollout) || levels.some(turnsOn);
}

/** ✗ when group or others may read the file: secrets are the bot user's alone. */
function modeProblem(what: string, path: string): CheckItem | undefined {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o044) === 0) return undefined;
  const who = mode & 0o004 ? 'everyone' : 'its group';
  return { ok: false, cause: 'config', text: `${what} ${path} is readable by ${who} (mode ${mode.toString(8).padStart(4, '0')})`, fix: `chmod 600 ${path}` };
}

/**
 * One item per secret: the Launchpad credentials file and the LAVA token
 * (from $CBUILD_BOT_LAVA_TOKEN, $CBUILD_BOT_LAVA_TOKEN_FILE or
 * lava.tokenFile; not needed when the rollout turns LAVA off everywhere), and
 * the webhook secret when webhooks.launchpad is set.
 */
export function secretFileChecks(config: BotConfig, env: NodeJS.ProcessEnv, dryRun: boolean): CheckItem[] {
  const items: CheckItem[] = [];
  try {
    const { file, note } = launchpadCredentials(config, env, dryRun);
    items.push(file ? (modeProblem('Launchpad credentials file', file) ?? { ok: true, text: `Launchpad credentials file ${file}: readable by this user only` }) : { ok: true, text: note! });
  } catch (err) {
    if (!(err instanceof CredentialsMissingError)) throw err;
    items.push({ ok: false, cause: 'config', text: err.problem, fix: err.fix });
  }

  const tokenFile = env.CBUILD_BOT_LAVA_TOKEN_FILE ? { path: env.CBUILD_BOT_LAVA_TOKEN_FILE, setting: '$CBUILD_BOT_LAVA_TOKEN_FILE' } : config.lava.tokenFile ? { path: config.lava.tokenFile, setting: 'lava.tokenFile' } : undefined;
  const needed = lavaMayBuild(config.rollout);
  const tokenFix = `put a token of LAVA user '${config.lava.user}' in it, readable by this user only (README: Secrets)`;
  if (env.CBUILD_BOT_LAVA_TOKEN?.trim()) {
    items.push({ ok: true, text: 'LAVA token: from $CBUILD_BOT_LAVA_TOKEN' });
  } else if (!tokenFile) {
    items.push(
      needed
        ? { ok: false, cause: 'config', text: 'no LAVA token: neither lava.tokenFile, $CBUILD_BOT_LAVA_TOKEN_FILE nor $CBUILD_BOT_LAVA_TOKEN is set, and LAVA refuses anonymous submissions', fix: `name a file in lava.tokenFile and ${tokenFix}` }
        : { ok: true, text: 'LAVA token: none, and none is needed (the rollout turns LAVA off everywhere)' },
    );
  } else if (!existsSync(tokenFile.path)) {
    items.push({ ok: false, cause: 'config', text: `LAVA token file ${tokenFile.path} (${tokenFile.setting}) does not exist`, fix: tokenFix });
  } else {
    let problem = modeProblem('LAVA token file', tokenFile.path);
    if (!problem && !readsAsToken(tokenFile.path)) {
      problem = { ok: false, cause: 'config', text: `LAVA token file ${tokenFile.path} (${tokenFile.setting}) cannot be read or is empty`, fix: tokenFix };
    }
    items.push(problem ?? { ok: true, text: `LAVA token file ${tokenFile.path}: readable by this user only` });
  }

  if (config.webhooks.launchpad) {
    const file = env.CBUILD_BOT_WEBHOOK_SECRET_FILE ?? config.webhooks.launchpad.secretFile;
    const setting = env.CBUILD_BOT_WEBHOOK_SECRET_FILE ? '$CBUILD_BOT_WEBHOOK_SECRET_FILE' : 'webhooks.launchpad.secretFile';
    if (!existsSync(file)) {
      items.push({ ok: false, cause: 'config', text: `webhook secret file ${file} (${setting}) does not exist`, fix: `sh -c 'umask 077 && openssl rand -hex 32 > ${file}', then cbuild-bot webhooks register (README: Events)` });
    } else {
      let problem = modeProblem('webhook secret file', file);
      if (!problem) {
        try {
          readWebhookSecret(config, env);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          problem = { ok: false, cause: 'config', text: err.problems.join('; '), fix: `put one line of at least 16 random characters in ${file} (openssl rand -hex 32)` };
        }
      }
      items.push(problem ?? { ok: true, text: `webhook secret file ${file}: readable by this user only` });
    }
  }
  return items;
}

function readsAsToken(path: string): boolean {
  try {
    return statSync(path).isFile() && readFileSync(path, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}
