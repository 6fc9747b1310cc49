/**
 * Launchpad web service 1.0 representations (lazr.restful JSON), with the
 * field names of the production WADL (`branch_merge_proposal-full`,
 * `branch-full`, `code_review_comment-full`, `preview_diff-full`,
 * `person-full`/`team-full`, `*-page`). References are `<name>_link` URLs or
 * null, collections `<name>_collection_link`, enums their titles, dates ISO
 * 8601 strings with an offset (`2012-11-05T12:34:56.123000+00:00`).
 */

/** `BranchMergeProposalStatus` titles, in the enum's order. */
export const MERGE_PROPOSAL_STATUSES = [
  'Work in progress',
  'Needs review',
  'Approved',
  'Rejected',
  'Merged',
  'Code failed to merge',
  'Queued',
  'Superseded',
] as const;
export type MergeProposalStatus = (typeof MERGE_PROPOSAL_STATUSES)[number];

/** What `getMergeProposals` returns when no status is given. */
export const DEFAULT_PROPOSAL_STATUSES: readonly MergeProposalStatus[] = ['Work in progress', 'Needs review', 'Approved'];

/** `CodeReviewVote` titles in the order the 1.0 WADL lists them for `createComment`. */
export const CODE_REVIEW_VOTES = [
  'Approve',
  'Needs Fixing',
  'Needs Information',
  'Abstain',
  'Disapprove',
  'Needs Resubmitting',
] as const;
export type CodeReviewVote = (typeof CODE_REVIEW_VOTES)[number];

/** A field the caller may not see is replaced by this value. */
export const REDACTED = 'tag:launchpad.net:2008:redacted';

export function isMergeProposalStatus(value: string): value is MergeProposalStatus {
  return (MERGE_PROPOSAL_STATUSES as readonly string[]).includes(value);
}

export function isCodeReviewVote(value: string): value is CodeReviewVote {
  return (CODE_REVIEW_VOTES as readonly string[]).includes(value);
}

/** Fields every entry carries. */
export interface Entry {
  self_link: string;
  web_link: string;
  resource_type_link: string;
  /** `"<sha1hex>-<sha1hex>"`, quotes included; also sent as the `ETag` header. */
  http_etag: string;
}

/** One page of a collection. On 1.0 `total_size` is always inline. */
export interface CollectionPage<T> {
  /** Only on scoped and top-level collections, never on named-operation results. */
  resource_type_link?: string;
  start: number;
  total_size: number;
  next_collection_link?: string;
  prev_collection_link?: string;
  entries: T[];
}

/** `branch_merge_proposal-full`. */
export interface MergeProposal extends Entry {
  address: string;
  all_comments_collection_link: string;
  commit_message: string | null;
  date_created: string;
  date_merged: string | null;
  date_review_requested: string | null;
  date_reviewed: string | null;
  description: string | null;
  merge_reporter_link: string | null;
  merged_revision_id: string | null;
  merged_revno: number | null;
  prerequisite_branch_link: string | null;
  prerequisite_git_path: string | null;
  prerequisite_git_repository_link: string | null;
  preview_diff_link: string | null;
  preview_diffs_collection_link: string;
  private: boolean;
  queue_status: MergeProposalStatus;
  registrant_link: string;
  reviewed_revid: string | null;
  reviewer_link: string | null;
  /** Null for git proposals, which projects list too. */
  source_branch_link: string | null;
  source_git_path: string | null;
  source_git_repository_link: string | null;
  superseded_by_link: string | null;
  supersedes_link: string | null;
  target_branch_link: string | null;
  target_git_path: string | null;
  target_git_repository_link: string | null;
  votes_collection_link: string;
}

/** `branch-full`. */
export interface Branch extends Entry {
  branch_format: string | null;
  branch_type: 'Hosted' | 'Mirrored' | 'Imported' | 'Remote';
  /** `lp:project` (development focus), `lp:project/series`, else `lp:~owner/project/name`. */
  bzr_identity: string;
  code_import_link: string | null;
  control_format: string | null;
  date_created: string;
  date_last_modified: string;
  dependent_branches_collection_link: string;
  description: string | null;
  display_name: string;
  explicitly_private: boolean;
  information_type: string;
  landing_candidates_collection_link: string;
  landing_targets_collection_link: string;
  last_mirror_attempt: string | null;
  last_mirrored: string | null;
  last_scanned: string | null;
  /** The tip's revision id when last scanned; null before the first scan. */
  last_scanned_id: string | null;
  lifecycle_status: 'Experimental' | 'Development' | 'Mature' | 'Merged' | 'Abandoned';
  linked_bugs_collection_link: string;
  mirror_status_message: string | null;
  name: string;
  owner_link: string;
  private: boolean;
  project_link: string | null;
  recipes_collection_link: string;
  registrant_link: string;
  repository_format: string | null;
  reviewer_link: string | null;
  /** The tip's revno. */
  revision_count: number;
  sourcepackage_link: string | null;
  spec_links_collection_link: string;
  subscribers_collection_link: string;
  subscriptions_collection_link: string;
  /** `~owner/project/name`. */
  unique_name: string;
  url: string | null;
  webhooks_collection_link: string;
  whiteboard: string | null;
}

/** `git_repository-full` (the fields the bot reads; the simulator serves them all). */
export interface GitRepository extends Entry {
  /** `~owner/project/+git/name`. */
  unique_name: string;
  name: string;
  /** `lp:project` for a project's default repository, else `lp:~owner/project/+git/name`. */
  git_identity: string;
  /** Null for a repository anonymous users cannot see. */
  git_https_url: string | null;
  git_ssh_url: string;
  default_branch: string | null;
  display_name: string;
  owner_link: string;
  target_default: boolean;
  owner_default: boolean;
  private: boolean;
}

/** `git_ref-full`. */
export interface GitRef extends Entry {
  /** The full SHA-1 of the commit the ref points at. */
  commit_sha1: string;
  /** `refs/heads/master`. */
  path: string;
  repository_link: string;
  landing_candidates_collection_link: string;
  landing_targets_collection_link: string;
  dependent_landings_collection_link: string;
  recipes_collection_link: string;
}

/** `code_review_comment-full`. */
export interface CodeReviewComment extends Entry {
  as_quoted_email: string;
  author_link: string;
  branch_merge_proposal_link: string;
  content: string;
  date_created: string;
  date_deleted: string | null;
  date_last_edited: string | null;
  id: number;
  /** Deprecated alias of `content`, still exported in 1.0. */
  message_body: string;
  owner_link: string;
  /** Computed: `Comment on proposed merge of <source> into <target>`; the posted subject is not exposed. */
  title: string;
  vote: CodeReviewVote | null;
  vote_tag: string | null;
}

/** `preview_diff-full`. */
export interface PreviewDiff extends Entry {
  added_lines_count: number | null;
  branch_merge_proposal_link: string;
  conflicts: string | null;
  date_created: string;
  diff_lines_count: number | null;
  diff_text_link: string;
  diffstat: Record<string, [number, number]> | null;
  id: number;
  prerequisite_revision_id: string | null;
  removed_lines_count: number | null;
  source_revision_id: string;
  /** True once either branch moved past the revisions the diff was made from. */
  stale: boolean;
  target_revision_id: string | null;
  /** `r<source revno> into r<target revno>`. */
  title: string;
}

/** The `person-full` fields the bot reads (the simulator serves them all). */
export interface Person extends Entry {
  date_created: string;
  display_name: string;
  id: number;
  is_team: boolean;
  is_valid: boolean;
  members_collection_link: string;
  name: string;
  participants_collection_link: string;
  private: boolean;
  team_owner_link: string | null;
  visibility: 'Public' | 'Private';
}

/** `team-full`: a person entry with membership policies. */
export interface Team extends Person {
  is_team: true;
  membership_policy: 'Open Team' | 'Delegated Team' | 'Moderated Team' | 'Restricted Team';
  team_description: string | null;
}

/** The `project-full` fields the bot reads (the simulator serves them all). */
export interface Project extends Entry {
  display_name: string;
  development_focus_link: string;
  name: string;
  title: string;
  vcs: 'Bazaar' | 'Git' | null;
}

/** `webhook-full` (devel; Launchpad never shows the secret). */
export interface Webhook extends Entry {
  active: boolean;
  date_created: string;
  date_last_modified: string;
  deliveries_collection_link: string;
  delivery_url: string;
  event_types: string[];
  git_ref_pattern: string | null;
  registrant_link: string;
  target_link: string;
}
