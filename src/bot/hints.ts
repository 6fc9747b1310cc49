/**
 * Events as hints (events-and-git.md "Implications" §3): a Launchpad delivery
 * or a LAVA callback only says where to look. The bot looks there at once —
 * the proposal's entry and source tip, the build's job — and runs the same
 * steps a cycle runs; the poll stays the truth, so a lost, late, repeated or
 * reordered event changes only how soon something is seen.
 */
import type { ProposalChange } from '../launchpad/webhooks.js';
import type { MergeProposal } from '../launchpad/wire.js';
import { WATCHED_LINK_TTL_MS, type LaunchpadClient } from '../launchpad/client.js';
import type { WatchTarget } from '../config/config.js';
import type { ProposalRow } from '../core/model.js';
import { bzr } from '../vcs/bzr.js';

/** Where an event says to look. */
export type Hint =
  /** A delivery about one proposal (its self_link in API 1.0). */
  | { kind: 'proposal'; link: string; change: ProposalChange }
  /** A branch or some refs of a repository moved: the proposals from them, and the tips of those targeting them. */
  | { kind: 'pushed'; vcs: 'bzr' | 'git'; path: string; refs: string[] | null }
  /** A LAVA job of this build called back. */
  | { kind: 'build'; buildId: number };

/** Whether a proposal moved by a push: its source or its target is the pushed branch or one of the pushed refs. */
export function pushedSide(proposal: ProposalRow, hint: Extract<Hint, { kind: 'pushed' }>): 'source' | 'target' | null {
  const moved = (side: ProposalRow['source']) =>
    side.vcs === hint.vcs && side.path === hint.path && (hint.refs === null ? side.ref === null : side.ref !== null && hint.refs.includes(side.ref));
  if (moved(proposal.source)) return 'source';
  if (moved(proposal.target)) return 'target';
  return null;
}

/**
 * Whether a proposal Launchpad told the bot about is one the config watches:
 * its target is in a watched project, or is a watched branch, repository or
 * ref. Names in the config (`lp:gcc-linaro/4.7`) are resolved on first use
 * and again after WATCHED_LINK_TTL_MS, as the listings do.
 */
export class WatchMatcher {
  private readonly resolved = new Map<string, { link: Promise<string>; until: number }>();

  constructor(
    private readonly launchpad: LaunchpadClient,
    private readonly watch: () => readonly WatchTarget[],
  ) {}

  async watches(mp: MergeProposal): Promise<boolean> {
    const targetLink = mp.target_branch_link ?? mp.target_git_repository_link;
    if (!targetLink) return false;
    const project = /\/~[^/]+\/([^/]+)\//.exec(new URL(targetLink).pathname)?.[1];
    for (const w of this.watch()) {
      if ('project' in w) {
        if (w.project === project) return true;
      } else if ('branch' in w) {
        if (mp.target_branch_link && mp.target_branch_link === (await this.resolve(`bzr ${w.branch}`, () => bzr.resolveLink(this.launchpad, w.branch)))) return true;
      } else if (mp.target_git_repository_link) {
        const repository = await this.resolve(`git ${w.repository}`, async () => (await this.launchpad.resolveRepository(w.repository)).self_link);
        if (mp.target_git_repository_link === repository && (w.ref === undefined || mp.target_git_path === w.ref)) return true;
      }
    }
    return false;
  }

  /** A watched name's link, asked of Launchpad once an hour; a failure is asked again next time. */
  private resolve(key: string, ask: () => Promise<string>): Promise<string> {
    const known = this.resolved.get(key);
    if (known && known.until > Date.now()) return known.link;
    const link = ask();
    link.catch(() => this.resolved.delete(key));
    this.resolved.set(key, { link, until: Date.now() + WATCHED_LINK_TTL_MS });
    return link;
  }
}
