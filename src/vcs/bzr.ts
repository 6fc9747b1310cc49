/**
 * Bazaar branches on Launchpad: the VCS the bot was built for. Launchpad
 * stopped hosting bzr on 2025-12-11; old deployments and the simulator keep
 * bzr proposals, so this stays first-class.
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Branch, MergeProposal } from '../launchpad/wire.js';
import type { Source, SourceTipRow } from '../core/model.js';
import { checkCodeName, checkLaunchpadName, UnsafeValueError } from './names.js';
import type { CheckoutValues, RequestedSource, Vcs } from './vcs.js';

/** bzr revision ids: `email-date-hash`, or imported forms such as `svn-v4:uuid:trunk:123`. */
const REVISION_ID = /^[A-Za-z0-9][A-Za-z0-9@._+:~/=-]{0,254}$/;

function parts(source: Source): { owner: string; project: string; name: string } {
  const m = /^~([^/]+)\/([^/]+)\/([^/]+)$/.exec(source.path);
  if (!m) throw new UnsafeValueError('bzr branch', source.path, 'is not a branch unique name ~owner/project/name');
  return { owner: m[1], project: m[2], name: m[3] };
}

export const bzr: Vcs = {
  kind: 'bzr',

  checkSource(source) {
    if (source.ref !== null) throw new UnsafeValueError('bzr branch', source.path, 'has a git ref');
    const { owner, project, name } = parts(source);
    checkLaunchpadName('branch owner', owner);
    checkLaunchpadName('project', project);
    checkCodeName('branch name', name);
  },

  checkRevision(revision) {
    if (revision.id === null) {
      if (!Number.isInteger(revision.revno) || (revision.revno ?? 0) < 1) {
        throw new UnsafeValueError('bzr revision', String(revision.revno), 'is neither a revision id nor a revision number');
      }
      return;
    }
    if (!REVISION_ID.test(revision.id) || revision.id.includes('..')) {
      throw new UnsafeValueError('bzr revision id', revision.id, 'has characters the bot does not pass to bzr');
    }
  },

  describeSource(source) {
    return `lp:${source.path}`;
  },

  webPath(source) {
    return source.path;
  },

  describeRevision(revision) {
    if (revision.id === null) return `revision ${revision.revno}`;
    return revision.revno === null ? `revision ${revision.id}` : `revision ${revision.revno} (${revision.id})`;
  },

  shortRevision(revision) {
    return revision.revno === null ? `revision ${revision.id}` : `revision ${revision.revno}`;
  },

  describeRevisionOf(source, revision, form = 'full') {
    if (form === 'short') return `${bzr.describeSource(source)} ${bzr.shortRevision(revision)}`;
    return `${bzr.describeRevision(revision)} of ${bzr.describeSource(source)}`;
  },

  jobStem(source, revision) {
    const { owner, name } = parts(source);
    return `bzr${revision.revno ?? 0}~${owner}~${name}`;
  },

  checkout({ source_url, revision }): CheckoutValues {
    return {
      vcs: 'bzr',
      branch: source_url,
      // A stored id is always an id, even one that reads like `revno:1`.
      revspec: revision.id !== null ? `revid:${revision.id}` : `revno:${revision.revno}`,
      repository_url: '',
      ref: '',
      commit: '',
      revision: revision.id ?? '',
      revno: revision.revno === null ? '' : String(revision.revno),
    };
  },

  sourceUrl(tip, branchUrl) {
    return branchUrl.replace('{branch}', tip.path);
  },

  tipRevision(tip) {
    return tip.tip === null ? null : { id: tip.tip, revno: tip.revno };
  },

  sample(): RequestedSource {
    return {
      source: { vcs: 'bzr', path: '~eve/gcc-linaro/fix@home_2.0', ref: null },
      source_url: "lp:~eve/gcc-linaro/fix@home_2.0",
      revision: { id: "eve@example.com-20261201120000-0123456789abcdef", revno: 115123 },
    };
  },

  // A push gives the proposal a new preview diff, so its entry (ETag) changes: the branch is read then.
  pollsTip: false,

  proposalLinks(mp: MergeProposal) {
    return mp.source_branch_link && mp.target_branch_link ? { source: mp.source_branch_link, target: mp.target_branch_link } : null;
  },

  async resolveLink(lp: LaunchpadClient, name: string): Promise<string> {
    return (await lp.resolveBranch(name)).self_link;
  },

  async readTip(lp: LaunchpadClient, link: string, known: SourceTipRow | undefined, now: string): Promise<{ tip: SourceTipRow; notModified: boolean }> {
    const got = await lp.getEntry<Branch>(link, known?.http_etag ?? undefined);
    if ('notModified' in got) {
      if (!known) throw new Error(`Launchpad answered 304 for ${link}, which the bot has never read`);
      return { tip: known, notModified: true };
    }
    const b = got.entry;
    const tip: SourceTipRow = {
      link,
      vcs: 'bzr',
      path: b.unique_name,
      ref: null,
      identity: b.bzr_identity,
      tip: b.last_scanned_id,
      revno: b.revision_count,
      repository_url: null,
      http_etag: got.etag,
      checked_at: now,
    };
    return { tip, notModified: false };
  },
};

