/**
 * `cbuild-bot webhooks register|list|remove`: the bot's webhooks on each
 * watched target (events-and-git.md §A.1, §A.9). Merge-proposal events are
 * delivered to a proposal's *target* (a bzr branch or git repository; a
 * project's webhooks carry bug events only), so every target gets one,
 * through `devel`, the only API version with `newWebhook`. Registering again
 * changes nothing; a target the bot's account may not edit is named, with
 * Launchpad's reason.
 */
import { loadConfig, readWebhookSecret, type BotConfig, type WatchTarget } from '../config/config.js';
import { launchpadCredentials } from './secret-files.js';
import { HttpClient } from '../http/client.js';
import { LaunchpadClient, LaunchpadError } from '../launchpad/client.js';
import { BRANCH_EVENT_TYPES, REPOSITORY_EVENT_TYPES } from '../launchpad/webhooks.js';
import type { Webhook } from '../launchpad/wire.js';
import { textTable } from '../core/report.js';
import { commandLogger, type LogSettings } from '../log.js';
import { redact } from '../secrets.js';
import { terminalSafe } from '../text.js';

export type WebhooksAction = 'register' | 'list' | 'remove';

export interface WebhooksOptions {
  config: string;
  log: LogSettings;
  url?: string;
  env?: NodeJS.ProcessEnv;
}

/** A webhook target: a bzr branch or git repository entry, and what the bot asks of its webhook. */
export interface WebhookTarget {
  kind: 'branch' | 'repository';
  link: string;
  /** Its unique name as an lp: URL (`lp:gcc-linaro` would name a branch and a repository alike). */
  name: string;
  eventTypes: readonly string[];
  /** git: only deliveries for proposals targeting this ref (a watched ref). */
  gitRefPattern: string | null;
}

/** A bad option or setting: exit 2, naming it. */
export class WebhooksUsageError extends Error {}

const byLink = <T extends { link: string }>(items: T[]) => [...new Map(items.map((i) => [i.link, i])).values()];

/**
 * The targets of the watched proposals: a watched branch or repository
 * itself; for a project, its default git repository, its development focus
 * branch, and the target of each of its open proposals (run `register`
 * again when a new series branch starts getting proposals).
 */
export async function webhookTargets(lp: LaunchpadClient, config: BotConfig): Promise<WebhookTarget[]> {
  const targets: WebhookTarget[] = [];
  const found = async <T>(ask: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await ask();
    } catch (err) {
      if (err instanceof LaunchpadError && err.status === 404) return undefined;
      throw err;
    }
  };
  const branch = (link: string, name: string): WebhookTarget => ({ kind: 'branch', link, name, eventTypes: BRANCH_EVENT_TYPES, gitRefPattern: null });
  const repository = (link: string, name: string, ref: string | null): WebhookTarget => ({ kind: 'repository', link, name, eventTypes: REPOSITORY_EVENT_TYPES, gitRefPattern: ref });
  for (const watch of config.launchpad.watch as WatchTarget[]) {
    if ('branch' in watch) {
      const found = await lp.resolveBranch(watch.branch);
      targets.push(branch(found.self_link, `lp:${found.unique_name}`));
    } else if ('repository' in watch) {
      const found = await lp.resolveRepository(watch.repository);
      targets.push(repository(found.self_link, `lp:${found.unique_name}`, watch.ref ?? null));
    } else {
      const defaultRepository = await found(() => lp.resolveRepository(`lp:${watch.project}`));
      if (defaultRepository) targets.push(repository(defaultRepository.self_link, `lp:${defaultRepository.unique_name}`, null));
      const focus = await found(() => lp.resolveBranch(`lp:${watch.project}`));
      if (focus) targets.push(branch(focus.self_link, `lp:${focus.unique_name}`));
      // `<api root>~owner/project/name`: the unique name is the path after the version.
      const uniqueName = (link: string) => `lp:${new URL(link).pathname.replace(/^\/[^/]+\//, '')}`;
      for (const mp of await lp.getMergeProposals({ project: watch.project }, config.launchpad.statuses)) {
        if (mp.target_branch_link) targets.push(branch(mp.target_branch_link, uniqueName(mp.target_branch_link)));
        else if (mp.target_git_repository_link) targets.push(repository(mp.target_git_repository_link, uniqueName(mp.target_git_repository_link), null));
      }
    }
  }
  return byLink(targets);
}

/** Why Launchpad refused, in the words an operator acts on. */
function refusal(err: unknown): string {
  if (err instanceof LaunchpadError && err.status === 401) {
    return `Launchpad refused (HTTP 401): the bot's account needs edit rights there (to be in the team that owns it) and a token that may write; ${err.serverMessage}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const sameTypes = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

export async function webhooksCommand(action: WebhooksAction, opts: WebhooksOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const env = opts.env ?? process.env;
  const config = loadConfig(opts.config);
  let url: string | undefined;
  if (action !== 'list') {
    if (!opts.url) throw new WebhooksUsageError(`${action} needs --url PUBLIC-URL: where Launchpad delivers (the public address of webhooks.launchpad.path)`);
    try {
      const parsed = new URL(opts.url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
      url = parsed.toString();
    } catch {
      throw new WebhooksUsageError(`--url ${JSON.stringify(opts.url)} is not an http or https URL`);
    }
  }
  if (action === 'register' && !config.webhooks.launchpad) {
    throw new WebhooksUsageError(`${opts.config}: set webhooks.launchpad (with its secretFile) first: the webhooks are registered with that secret`);
  }
  const secret = action === 'register' ? readWebhookSecret(config, env)! : undefined;
  // Registering needs an account that may edit the targets: never anonymous.
  const { credentials } = launchpadCredentials(config, env, false);
  const logger = commandLogger(opts.log, 'warn');
  const http = new HttpClient({ timeoutMs: config.http.timeoutMs, retries: config.http.retries, maxDelayMs: config.http.maxRetryDelayMs, logger });
  const lp = new LaunchpadClient({ serviceRoot: config.launchpad.serviceRoot, credentials, http, logger, pageSize: config.launchpad.pageSize });
  const targets = await webhookTargets(lp, config);
  const rows: string[][] = [];
  let failed = 0;
  for (const target of targets) {
    let existing: Webhook[];
    try {
      existing = await lp.webhooks(target.link);
    } catch (err) {
      failed++;
      rows.push([target.name, '-', `cannot see its webhooks: ${refusal(err)}`]);
      continue;
    }
    if (action === 'list') {
      if (existing.length === 0) rows.push([target.name, '-', 'no webhooks']);
      for (const w of existing) rows.push([target.name, w.delivery_url, `${w.active ? 'active' : 'inactive'}: ${w.event_types.join(', ')}${w.git_ref_pattern ? ` (refs ${w.git_ref_pattern})` : ''}`]);
      continue;
    }
    const ours = existing.filter((w) => w.delivery_url === url);
    try {
      if (action === 'remove') {
        for (const w of ours) await lp.deleteWebhook(w.self_link);
        rows.push([target.name, url!, ours.length ? `removed ${ours.length}` : 'none to remove']);
        continue;
      }
      const [hook, ...extra] = ours;
      if (!hook) {
        const link = await lp.newWebhook(target.link, { deliveryUrl: url!, eventTypes: target.eventTypes, secret: secret! });
        if (target.gitRefPattern) await lp.patchWebhook(link, { git_ref_pattern: target.gitRefPattern });
        rows.push([target.name, url!, `registered: ${target.eventTypes.join(', ')}`]);
      } else if (!hook.active || !sameTypes(hook.event_types, target.eventTypes) || hook.git_ref_pattern !== target.gitRefPattern) {
        await lp.patchWebhook(hook.self_link, { active: true, event_types: [...target.eventTypes], ...(target.kind === 'repository' ? { git_ref_pattern: target.gitRefPattern } : {}) });
        rows.push([target.name, url!, `updated to active, ${target.eventTypes.join(', ')}`]);
      } else {
        rows.push([target.name, url!, `already registered${extra.length ? ` (and ${extra.length} more to the same URL)` : ''}; its secret is not shown by Launchpad: remove and register again to change it`]);
      }
    } catch (err) {
      failed++;
      rows.push([target.name, url!, `failed: ${refusal(err)}`]);
    }
  }
  if (targets.length === 0) io.stdout.write('no targets: the watched projects have no default repository, development focus branch or open proposals\n');
  else io.stdout.write(terminalSafe(redact(textTable(['target', 'delivery URL', action === 'list' ? 'webhook' : 'result'], rows))) + '\n');
  if (action === 'register' && url && /^https?:\/\/(localhost|127\.|\[::1\])/.test(url)) {
    io.stderr.write('cbuild-bot webhooks: a loopback URL is reachable by a local Launchpad only; production Launchpad delivers through its proxy to a public name (and retries a loopback address for 5 minutes only)\n');
  }
  return failed > 0 ? 1 : 0;
}
