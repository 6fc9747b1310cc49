/**
 * Git repositories on Launchpad: what every new merge proposal is since
 * Launchpad ended Bazaar hosting. A source is a ref of a repository; its
 * revision is the ref's `commit_sha1`, read from the ref entry
 * `<repository>/+ref/<name>` (API 1.0 serves it; events-and-git.md §B.1).
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { GitRef, GitRepository, MergeProposal } from '../launchpad/wire.js';
import type { Source, SourceTipRow } from '../core/model.js';
import { checkCodeName, checkCommitId, checkLaunchpadName, checkRefName, UnsafeValueError } from './names.js';
import type { CheckoutValues, RequestedSource, Vcs } from './vcs.js';

/** A ref's name as Launchpad shows it: the path without `refs/heads/` (GitRefMixin.name). */
export function refShortName(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/** Python's `urllib.parse.quote(name)` (safe `/`), as Launchpad quotes a ref name in its URL. */
function pythonQuote(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

/** The API link of a ref entry: `<repository link>/+ref/<quoted name>`. */
export function refLink(repositoryLink: string, ref: string): string {
  return `${repositoryLink.replace(/\/+$/, '')}/+ref/${pythonQuote(refShortName(ref))}`;
}

function parts(source: Source): { owner: string; project: string; name: string } {
  const m = /^~([^/]+)\/([^/]+)\/\+git\/([^/]+)$/.exec(source.path);
  if (!m) throw new UnsafeValueError('git repository', source.path, 'is not a project repository ~owner/project/+git/name');
  return { owner: m[1], project: m[2], name: m[3] };
}

export const git: Vcs = {
  kind: 'git',

  checkSource(source) {
    const { owner, project, name } = parts(source);
    checkLaunchpadName('repository owner', owner);
    checkLaunchpadName('project', project);
    checkCodeName('repository name', name);
    if (source.ref === null) throw new UnsafeValueError('git source', source.path, 'has no ref');
    checkRefName(source.ref);
  },

  checkRevision(revision) {
    if (revision.id === null) throw new UnsafeValueError('git revision', String(revision.revno), 'is not a commit');
    checkCommitId(revision.id);
  },

  describeSource(source) {
    return `lp:${source.path}:${refShortName(source.ref ?? '')}`;
  },

  webPath(source) {
    return `${source.path}/+ref/${pythonQuote(refShortName(source.ref ?? ''))}`;
  },

  describeRevision(revision) {
    return (revision.id ?? '').slice(0, 7);
  },

  shortRevision(revision) {
    return (revision.id ?? '').slice(0, 7);
  },

  describeRevisionOf(source, revision) {
    return `${git.describeSource(source)} @ ${git.shortRevision(revision)}`;
  },

  jobStem(source, revision) {
    const { owner } = parts(source);
    return `git${(revision.id ?? '').slice(0, 7)}~${owner}~${refShortName(source.ref ?? '')}`;
  },

  checkout({ source, source_url, revision }): CheckoutValues {
    return {
      vcs: 'git',
      branch: '',
      revspec: '',
      repository_url: source_url,
      ref: source.ref ?? '',
      commit: revision.id ?? '',
      revision: revision.id ?? '',
      revno: '',
    };
  },

  sourceUrl(tip) {
    if (!tip.repository_url) throw new UnsafeValueError('git repository', tip.path, 'has no anonymous https URL (a private repository?)');
    return tip.repository_url;
  },

  tipRevision(tip) {
    return tip.tip === null ? null : { id: tip.tip, revno: null };
  },

  sample(): RequestedSource {
    return {
      source: { vcs: 'git', path: '~eve/gcc-linaro/+git/gcc-linaro', ref: `refs/heads/fix-$(id);&'"{x}` },
      source_url: 'https://git.launchpad.net/~eve/gcc-linaro/+git/gcc-linaro',
      revision: { id: '0123456789abcdef0123456789abcdef01234567', revno: null },
    };
  },

  // The ref is the truth (the preview diff follows a push later): a conditional GET per ref and cycle.
  pollsTip: true,

  proposalLinks(mp: MergeProposal) {
    if (!mp.source_git_repository_link || !mp.source_git_path || !mp.target_git_repository_link || !mp.target_git_path) return null;
    return { source: refLink(mp.source_git_repository_link, mp.source_git_path), target: refLink(mp.target_git_repository_link, mp.target_git_path) };
  },

  async resolveLink(lp: LaunchpadClient, name: string, ref?: string): Promise<string> {
    const repository = await lp.resolveRepository(name);
    const path = ref ?? repository.default_branch;
    if (!path) throw new UnsafeValueError('git repository', name, 'has no default branch; name the ref');
    return refLink(repository.self_link, path.startsWith('refs/') ? path : `refs/heads/${path}`);
  },

  async readTip(lp: LaunchpadClient, link: string, known: SourceTipRow | undefined, now: string): Promise<{ tip: SourceTipRow; notModified: boolean }> {
    const got = await lp.getEntry<GitRef>(link, known?.http_etag ?? undefined);
    if ('notModified' in got) {
      if (!known) throw new Error(`Launchpad answered 304 for ${link}, which the bot has never read`);
      return { tip: known, notModified: true };
    }
    const ref = got.entry;
    // The repository's names and URL do not change under a ref link: read them once.
    let repository = known ? { unique_name: known.path, git_https_url: known.repository_url, git_identity: known.identity } : undefined;
    if (!repository) {
      const read = await lp.getEntry<GitRepository>(ref.repository_link);
      if ('notModified' in read) throw new Error(`Launchpad answered 304 for ${ref.repository_link} without a condition`);
      repository = read.entry;
    }
    const tip: SourceTipRow = {
      link,
      vcs: 'git',
      path: repository.unique_name,
      ref: ref.path,
      identity: repository.git_identity,
      tip: ref.commit_sha1,
      revno: null,
      repository_url: repository.git_https_url,
      http_etag: got.etag,
      checked_at: now,
    };
    return { tip, notModified: false };
  },
};
