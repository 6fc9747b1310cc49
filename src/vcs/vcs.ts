/**
 * The seam for version control: everything that differs between a bzr
 * branch and a git ref — reading its tip on Launchpad, checking its names,
 * naming it for people and builders, spelling a revision for a checkout —
 * behind one interface, so the rest of the bot never asks which VCS it has.
 * Adding a VCS is one more implementation here (Zuul's SourceInterface is the
 * model).
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { MergeProposal } from '../launchpad/wire.js';
import type { LinkedSource, Revision, Source, SourceTipRow, VcsKind } from '../core/model.js';

/**
 * What a builder is told about the source, as template placeholders and
 * CBuild spawn fields. Every VCS fills every key ('' where it has no
 * meaning), so one template can serve both.
 */
export interface CheckoutValues {
  vcs: VcsKind;
  /** bzr: the branch URL to `brz branch` from. */
  branch: string;
  /** bzr: the `-r` argument, `revid:<id>` or `revno:<n>`. */
  revspec: string;
  /** git: the repository's https URL. */
  repository_url: string;
  /** git: the ref fetched, e.g. `refs/heads/topic`. */
  ref: string;
  /** git: the commit checked out, detached. */
  commit: string;
  /** The revision id or commit, for logs and metadata ('' for a bzr build by revno). */
  revision: string;
  /** The bzr revno ('' for git). */
  revno: string;
}

/** What a build request knows of its source. */
export interface RequestedSource {
  source: Source;
  source_url: string;
  revision: Revision;
}

export interface Vcs {
  readonly kind: VcsKind;

  /** Throws UnsafeValueError when a name is not one Launchpad (and, for git, git) accepts. */
  checkSource(source: Source): void;
  /** Throws UnsafeValueError when the revision is not an unambiguous revision of this VCS. */
  checkRevision(revision: Revision): void;

  /** How a reviewer names the source: `lp:~alice/gcc-linaro/fix`, `lp:~alice/gcc-linaro/+git/gcc-linaro:fix`. */
  describeSource(source: Source): string;
  /** The source's page on Launchpad's code site, relative to its root: `~alice/gcc-linaro/fix`, `~alice/gcc-linaro/+git/gcc-linaro/+ref/fix`. */
  webPath(source: Source): string;
  /** How a reviewer names a revision: `revision 2 (alice@…)`, `revision 2`, `1a2b3c4`. */
  describeRevision(revision: Revision): string;
  /** The same in a few characters: `revision 2`, `1a2b3c4`. */
  shortRevision(revision: Revision): string;
  /**
   * A revision of a source as a reviewer names it: `revision 2 (alice@…) of lp:~alice/gcc-linaro/fix`,
   * `lp:…/+git/gcc-linaro:fix @ 1a2b3c4`; `short` for a mention such as a baseline: `lp:gcc-linaro revision 6`.
   */
  describeRevisionOf(source: Source, revision: Revision, form?: 'full' | 'short'): string;
  /** The descriptive middle of a CBuild job name, e.g. `bzr115123~alice~fix` or `git1a2b3c4~alice~fix`. */
  jobStem(source: Source, revision: Revision): string;
  /** The values a builder needs to check out exactly this revision. */
  checkout(requested: RequestedSource): CheckoutValues;
  /** Where builders fetch a source whose tip was read as `tip` (bzr: `branchUrl`'s pattern). */
  sourceUrl(tip: SourceTipRow, branchUrl: string): string;
  /** The tip as a revision of this VCS. */
  tipRevision(tip: SourceTipRow): Revision | null;
  /** A legal source and revision with awkward names, for checking templates before any build. */
  sample(): RequestedSource;

  /** The source and target entries of a listed proposal when it is one of this VCS, else null. */
  proposalLinks(mp: MergeProposal): { source: string; target: string } | null;
  /** The entry link of a source named in the config or on the command line (`lp:gcc-linaro`, with a ref for git). */
  resolveLink(lp: LaunchpadClient, name: string, ref?: string): Promise<string>;
  /**
   * Whether a quiet cycle reads each tracked source's tip (with a
   * conditional GET), or only when the proposal's entry changed.
   */
  readonly pollsTip: boolean;
  /** Reads a source's tip with a conditional GET (`notModified`: Launchpad answered 304 to `known`'s ETag). */
  readTip(lp: LaunchpadClient, link: string, known: SourceTipRow | undefined, now: string): Promise<{ tip: SourceTipRow; notModified: boolean }>;
}

/** A proposal source as a plain Source. */
export function sourceOf(s: LinkedSource | Source): Source {
  return { vcs: s.vcs, path: s.path, ref: s.ref };
}

/** Whether two sources name the same branch or ref. */
export function sameSource(a: Source, b: Source): boolean {
  return a.vcs === b.vcs && a.path === b.path && (a.ref ?? null) === (b.ref ?? null);
}

/** The project of a source: the middle of `~owner/project/name` (or `~owner/project/+git/name`). */
export function projectOf(source: Source): string {
  return source.path.split('/')[1] ?? '';
}

/**
 * How the config names a source (`flakyManifests` keys): a bzr branch's
 * unique name, or a git repository's unique name and ref,
 * `~owner/project/+git/name:refs/heads/master` (`:` is never in either).
 */
export function sourceKey(source: Source): string {
  return source.ref === null ? source.path : `${source.path}:${source.ref}`;
}
