/**
 * Commands in proposal comments (`cbuild-bot: rebuild [target ...]`,
 * `cbuild-bot: cancel`) from trusted people. Each comment is recorded once,
 * together with what was done about it, so a command is acted on once even
 * across restarts; comments from anyone else (or the bot itself) are recorded
 * as ignored and never answered, so there is no reply loop.
 */
import { LaunchpadError } from '../launchpad/client.js';
import type { CodeReviewComment } from '../launchpad/wire.js';
import type { CommandRow, ProposalRow } from '../core/model.js';
import { parseCommand, personName } from '../core/commands.js';
import { plannedBuilds } from '../core/rollout.js';
import { tipRevision } from '../core/plan.js';
import { composeCommandReply, listSome } from '../core/report.js';
import { oneLine } from '../text.js';
import { projectOf, vcsFor } from '../vcs/index.js';
import type { CycleContext } from './context.js';
import type { RequestMaker } from './requests.js';
import { commentsRead } from '../store/events.js';

/** A cycle's context and the request maker, for acting on commands. */
type CommandContext = CycleContext & { requests: RequestMaker };

export interface CommandsResult {
  acted: number;
  ignored: number;
}

type NewCommand = Omit<CommandRow, 'id' | 'request_id' | 'created_at'>;

/**
 * Reads the watched proposals' comments (or only those of the proposals in
 * `only`: the ones a webhook delivery said were commented on) and acts on
 * new commands.
 */
export async function actOnCommentCommands(ctx: CycleContext, requests: RequestMaker, only?: ReadonlySet<number>): Promise<CommandsResult> {
  const result: CommandsResult = { acted: 0, ignored: 0 };
  const commandCtx: CommandContext = { ...ctx, requests };
  const trust = new TrustCache(commandCtx);
  for (const proposal of await ctx.store.trackedProposals()) {
    if (only && !only.has(proposal.id)) continue;
    const startedAt = ctx.now();
    if (!ctx.config.launchpad.statuses.includes(proposal.queue_status)) {
      await commentsRead(ctx.store, proposal.id, startedAt);
      continue;
    }
    await ctx.guard.item('read commands in comments', { proposal: proposal.web_link }, async () => {
      const known = await ctx.store.commandLinks(proposal.id);
      for (const comment of await ctx.launchpad.getComments(proposal.self_link)) {
        if (known.has(comment.self_link)) continue;
        // Comments from before the bot watched the proposal were not meant for it.
        if (Date.parse(comment.date_created) < Date.parse(proposal.first_seen_at)) continue;
        const acted = await actOnComment(commandCtx, trust, proposal, comment);
        if (acted === 'acted') result.acted++;
        else if (acted === 'ignored') result.ignored++;
      }
      await commentsRead(ctx.store, proposal.id, startedAt);
    }, 'launchpad');
  }
  return result;
}

async function actOnComment(ctx: CommandContext, trust: TrustCache, proposal: ProposalRow, comment: CodeReviewComment): Promise<'acted' | 'ignored' | 'none'> {
  const parsed = parseCommand(comment.content ?? comment.message_body ?? '');
  if (!parsed) return 'none';
  const author = personName(comment.author_link) ?? comment.author_link;
  const log = ctx.logger.child({ proposal: proposal.web_link, comment: comment.self_link, author });
  const base = { proposal_id: proposal.id, comment_link: comment.self_link, author };
  if (!(await trust.trusted(comment.author_link, author))) {
    const verb = 'verb' in parsed ? parsed.verb : 'rebuild';
    await ctx.store.recordCommand({ ...base, verb, targets: [], state: 'ignored', outcome: `~${author} is not trusted: ${oneLine(parsed.line)}` }, {}, ctx.now());
    log.warn('ignored a command from someone not trusted', { line: parsed.line });
    return 'ignored';
  }
  if ('error' in parsed) {
    await refuse(ctx, proposal, { ...base, verb: 'rebuild', targets: [] }, `could not act on "${parsed.line}": ${parsed.error}.`);
    log.warn('refused a command', { line: parsed.line, reason: parsed.error });
    return 'acted';
  }
  if (parsed.verb === 'cancel') await cancel(ctx, proposal, { ...base, verb: 'cancel', targets: [] });
  else await rebuild(ctx, proposal, { ...base, verb: 'rebuild', targets: parsed.targets }, parsed.targets);
  log.info('acted on a command', { line: parsed.line });
  return 'acted';
}

/** Records a command that cannot be carried out and queues the reply; what it quotes of the comment reaches Launchpad and terminals with its control characters escaped. */
async function refuse(ctx: CommandContext, proposal: ProposalRow, command: Omit<NewCommand, 'state' | 'outcome'>, text: string): Promise<void> {
  const safe = oneLine(text);
  await ctx.store.recordCommand({ ...command, state: 'refused', outcome: safe }, { reply: composeCommandReply(proposal, oneLine(command.author), safe) }, ctx.now());
}

async function cancel(ctx: CommandContext, proposal: ProposalRow, command: Omit<NewCommand, 'state' | 'outcome'>): Promise<void> {
  const active = await ctx.store.activeRequestsOf(proposal.id);
  if (active.length === 0) {
    await refuse(ctx, proposal, command, 'nothing to cancel: no build of this proposal is running.');
    return;
  }
  const which = listSome(active.map((r) => `${vcsFor(r.source.vcs).shortRevision(r.revision)} (request ${r.id})`), 5);
  const text = `cancelled the builds of ${which}; their results will not be posted.`;
  await ctx.store.recordCommand(
    { ...command, state: 'done', outcome: text },
    { cancel: active.map((r) => r.id), reply: composeCommandReply(proposal, command.author, text) },
    ctx.now(),
  );
}

async function rebuild(ctx: CommandContext, proposal: ProposalRow, command: Omit<NewCommand, 'state' | 'outcome'>, asked: string[]): Promise<void> {
  const { config, store } = ctx;
  const known = Object.keys(config.targets);
  const unknown = asked.filter((t) => !known.includes(t));
  if (unknown.length) {
    await refuse(ctx, proposal, command, `cannot rebuild: no target ${listSome(unknown, 5)} (targets are ${listSome(known, 20)}).`);
    return;
  }
  if (proposal.unbuildable !== null) {
    await refuse(ctx, proposal, command, `cannot rebuild: ${proposal.unbuildable}.`);
    return;
  }
  const source = tipRevision(await store.sourceTip(proposal.source.link), config.launchpad.branchUrl);
  if (!source) {
    await refuse(ctx, proposal, command, 'cannot rebuild: Launchpad has not scanned the source yet.');
    return;
  }
  const targets = asked.length ? known.filter((t) => asked.includes(t)) : known;
  const project = projectOf(proposal.target);
  const builds = plannedBuilds(config.rollout, targets, project, proposal.self_link);
  if (builds.length === 0) {
    await refuse(ctx, proposal, command, `cannot rebuild: every backend is turned off for ${targets.join(', ')}.`);
    return;
  }
  const latest = await store.latestRequestOf(proposal.id);
  let baseRequestId = latest?.revision.id === source.revision.id ? latest.base_request_id : null;
  if (baseRequestId === null) {
    const base = tipRevision(await store.sourceTip(proposal.target.link), config.launchpad.branchUrl);
    if (base) baseRequestId = await ctx.requests.baseline(base, plannedBuilds(config.rollout, known, project, null));
  }
  const { request, superseded } = await ctx.requests.createForCommand(
    { ...command, state: 'done', outcome: `rebuilding on ${targets.join(', ')}` },
    { kind: 'proposal', origin: 'rebuild', requestedBy: command.author, proposalId: proposal.id, baseRequestId, ...source },
    builds,
  );
  ctx.logger.info('rebuild requested in a comment', { request: request.id, by: command.author, superseded: superseded.join(',') || undefined });
}

/** Who is trusted: a named user, or a member of a named team (asked of Launchpad once per cycle). */
class TrustCache {
  private readonly answers = new Map<string, Promise<boolean>>();
  constructor(private readonly ctx: CommandContext) {}

  trusted(personLink: string, name: string): Promise<boolean> {
    let answer = this.answers.get(personLink);
    if (!answer) {
      answer = this.ask(personLink, name);
      this.answers.set(personLink, answer);
    }
    return answer;
  }

  private async ask(personLink: string, name: string): Promise<boolean> {
    const trusted = this.ctx.config.commands.trusted;
    if (trusted.includes(name)) return true;
    for (const team of trusted) {
      try {
        if (await this.ctx.launchpad.inTeam(personLink, team)) return true;
      } catch (err) {
        // A trusted name that is a person, not a team, has no participants to look through.
        if (!(err instanceof LaunchpadError && err.status === 404)) throw err;
      }
    }
    return false;
  }
}
