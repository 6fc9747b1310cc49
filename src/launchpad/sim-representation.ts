/**
 * The simulator's JSON: every entry with the full 1.0 field list of its WADL
 * representation (so launchpadlib finds every attribute it knows about),
 * links under the simulator's own root, and lazr.restful's ETag scheme.
 */
import { createHash } from 'node:crypto';
import type { Branch, CodeReviewComment, Entry, GitRef, GitRepository, MergeProposal, PreviewDiff } from './wire.js';
import { REDACTED } from './wire.js';
import type { BranchRecord, GitRepositoryRecord, PersonRecord, PreviewDiffRecord, ProjectRecord, ProposalRecord, SimComment, SimState } from './sim-state.js';

/** The web service versions the simulator serves: 1.0, and devel for what exists only there (git lookups). */
export type ApiVersion = '1.0' | 'devel';

/** Every URL the simulator hands out, from its root `http://127.0.0.1:PORT/`, for one API version. */
export class Links {
  readonly api: string;

  constructor(
    readonly root: string,
    readonly version: ApiVersion = '1.0',
  ) {
    this.api = `${root}${version}/`;
  }

  repository(uniqueName: string): string {
    return this.api + uniqueName;
  }

  /** A ref entry: `<repository>/+ref/<name>`, the name being the path without `refs/heads/`, quoted as Python's `quote` does. */
  ref(repositoryUniqueName: string, path: string): string {
    const name = path.startsWith('refs/heads/') ? path.slice('refs/heads/'.length) : path;
    const quoted = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, '/');
    return `${this.repository(repositoryUniqueName)}/+ref/${quoted}`;
  }

  /** Where the simulated git hosting would serve a repository (`git_https_url`). */
  git(shortenedPath: string): string {
    return `${this.root}git/${shortenedPath}`;
  }

  /** `resource_type_link` values: under the simulator's root, or wadllib cannot resolve them. */
  type(id: string): string {
    return `${this.api}#${id}`;
  }

  person(name: string): string {
    return `${this.api}~${name}`;
  }

  project(name: string): string {
    return this.api + name;
  }

  branch(uniqueName: string): string {
    return this.api + uniqueName;
  }

  proposalPath(proposal: ProposalRecord): string {
    return `${proposal.source}/+merge/${proposal.id}`;
  }

  proposal(proposal: ProposalRecord): string {
    return this.api + this.proposalPath(proposal);
  }

  /** The web UI link: the web root derived from the service root is the same host. */
  web(path: string): string {
    return this.root + path;
  }
}

/** Python `isoformat()` of a UTC datetime: microseconds only when nonzero. */
export function isoDate(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}000`}+00:00`;
}

function isoOrNull(date: Date | null): string | null {
  return date === null ? null : isoDate(date);
}

/**
 * lazr.restful's `"<sha1 of read-only values>-<sha1 of writable values + media type>"`:
 * any change to the representation changes it.
 */
function etag(fields: Record<string, unknown>, writable: readonly string[]): string {
  const readOnly: Record<string, unknown> = {};
  const changeable: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) (writable.includes(key) ? changeable : readOnly)[key] = value;
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
  return `"${sha1(JSON.stringify(readOnly))}-${sha1(JSON.stringify(changeable) + 'application/json')}"`;
}

/** Adds `http_etag`, last, as lazr.restful does. */
function withEtag<T>(fields: Record<string, unknown>, writable: readonly string[]): T {
  return { ...fields, http_etag: etag(fields, writable) } as T;
}

function collectionLinks(self: string, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [`${name}_collection_link`, `${self}/${name}`]));
}

const SERVICE_ROOT_COLLECTIONS: Record<string, string> = {
  archives: 'archives',
  branches: 'branches',
  bug_trackers: 'bugs/bugtrackers',
  bugs: 'bugs',
  builders: 'builders',
  charm_bases: '+charm-bases',
  charm_recipes: '+charm-recipes',
  countries: '+countries',
  craft_recipes: '+craft-recipes',
  cves: 'bugs/cve',
  distributions: 'distros',
  git_repositories: '+git',
  languages: '+languages',
  livefses: 'livefses',
  packagesets: 'package-sets',
  people: 'people',
  polls: '+polls',
  processors: '+processors',
  project_groups: 'projectgroups',
  projects: 'projects',
  questions: 'questions',
  rock_bases: '+rock-bases',
  rock_recipes: '+rock-recipes',
  snap_bases: '+snap-bases',
  snappy_serieses: '+snappy-series',
  snaps: '+snaps',
  specifications: 'specs',
  temporary_blobs: 'temporary-blobs',
  translation_groups: 'translation-groups',
  translation_import_queue_entries: '+imports',
  vulnerabilities: '+vulnerabilities',
};

export function renderServiceRoot(links: Links): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(SERVICE_ROOT_COLLECTIONS)) fields[`${name}_collection_link`] = links.api + path;
  fields.me_link = `${links.api}people/+me`;
  fields.pillars_link = `${links.api}pillars`;
  fields.services_link = `${links.api}services`;
  fields.resource_type_link = links.type('service-root');
  return fields;
}

export function renderPerson(links: Links, person: PersonRecord): Entry {
  const self = links.person(person.name);
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(`~${person.name}`),
    resource_type_link: links.type(person.isTeam ? 'team' : 'person'),
    ...collectionLinks(self, ['admins', 'confirmed_email_addresses', 'deactivated_members', 'expired_members', 'gpg_keys']),
    ...collectionLinks(self, ['invited_members', 'irc_nicknames', 'jabber_ids', 'languages', 'members', 'members_details']),
    ...collectionLinks(self, ['memberships_details', 'open_membership_invitations', 'participants', 'ppas', 'proposed_members']),
    ...collectionLinks(self, ['recipes', 'social_accounts', 'sshkeys', 'sub_teams', 'super_teams', 'wiki_names']),
    archive_link: null,
    date_created: isoDate(person.dateCreated),
    description: '',
    display_name: person.displayName,
    hide_email_addresses: false,
    homepage_content: null,
    id: person.id,
    is_probationary: false,
    is_team: person.isTeam,
    is_ubuntu_coc_signer: false,
    is_valid: true,
    karma: 0,
    latitude: null,
    logo_link: `${self}/logo`,
    longitude: null,
    mailing_list_auto_subscribe_policy: 'Ask me when I join a team',
    mugshot_link: `${self}/mugshot`,
    name: person.name,
    preferred_email_address_link: REDACTED,
    private: false,
    team_owner_link: person.isTeam && person.members.length > 0 ? links.person(person.members[0]) : null,
    time_zone: 'UTC',
    visibility: 'Public',
  };
  if (person.isTeam) {
    Object.assign(fields, {
      default_membership_period: 0,
      default_renewal_period: null,
      membership_policy: 'Restricted Team',
      renewal_policy: 'invite them to apply for renewal',
      subscription_policy: 'Restricted Team',
      team_description: '',
    });
  }
  return withEtag(fields, ['description', 'display_name', 'hide_email_addresses', 'homepage_content', 'time_zone']);
}

export function renderProject(links: Links, project: ProjectRecord): Entry {
  const self = links.project(project.name);
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(project.name),
    resource_type_link: links.type('project'),
    active: true,
    ...collectionLinks(self, ['active_milestones', 'all_milestones']),
    brand_link: `${self}/brand`,
    bug_reported_acknowledgement: null,
    bug_reporting_guidelines: null,
    bug_supervisor_link: null,
    bug_tracker_link: null,
    commercial_subscription_link: null,
    commercial_subscription_is_due: false,
    content_templates: null,
    date_created: isoDate(project.dateCreated),
    date_next_suggest_packaging: null,
    description: null,
    development_focus_link: `${self}/${project.developmentFocusSeries}`,
    display_name: project.displayName,
    download_url: null,
    driver_link: null,
    freshmeat_project: null,
    homepage_url: null,
    icon_link: `${self}/icon`,
    information_type: 'Public',
    is_permitted: true,
    license_approved: false,
    license_info: null,
    licenses: ['GNU GPL v3'],
    logo_link: `${self}/logo`,
    name: project.name,
    official_answers: false,
    official_blueprints: false,
    official_bug_tags: [],
    official_bugs: true,
    official_codehosting: true,
    owner_link: null,
    private: false,
    private_bugs: false,
    programming_language: 'C',
    project_group_link: null,
    project_reviewed: false,
    qualifies_for_free_hosting: true,
    ...collectionLinks(self, ['recipes', 'releases']),
    registrant_link: null,
    remote_product: null,
    reviewer_whiteboard: REDACTED,
    screenshots_url: null,
    security_contact: null,
    ...collectionLinks(self, ['series']),
    sourceforge_project: null,
    summary: project.displayName,
    title: project.displayName,
    translation_focus_link: null,
    vcs: 'Bazaar',
    ...collectionLinks(self, ['webhooks']),
    wiki_url: null,
  };
  return withEtag(fields, ['description', 'display_name', 'homepage_url', 'summary', 'title']);
}

export function renderBranch(state: SimState, links: Links, branch: BranchRecord): Branch {
  const self = links.branch(branch.uniqueName);
  const identity = state.bzrIdentity(branch);
  const tip = branch.revisions[branch.revisions.length - 1];
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(branch.uniqueName),
    resource_type_link: links.type('branch'),
    branch_format: 'Bazaar Branch Format 7 (needs bzr 1.6) ',
    branch_type: 'Hosted',
    bzr_identity: identity,
    code_import_link: null,
    control_format: 'Bazaar meta directory, format 1 ',
    date_created: isoDate(branch.dateCreated),
    date_last_modified: isoDate(branch.dateLastModified),
    ...collectionLinks(self, ['dependent_branches']),
    description: null,
    display_name: identity,
    explicitly_private: false,
    information_type: 'Public',
    ...collectionLinks(self, ['landing_candidates', 'landing_targets']),
    last_mirror_attempt: null,
    last_mirrored: null,
    last_scanned: isoOrNull(branch.lastScanned),
    last_scanned_id: tip?.revisionId ?? null,
    lifecycle_status: 'Development',
    ...collectionLinks(self, ['linked_bugs']),
    mirror_status_message: null,
    name: branch.name,
    owner_link: links.person(branch.owner),
    private: false,
    project_link: links.project(branch.project),
    ...collectionLinks(self, ['recipes']),
    registrant_link: links.person(branch.owner),
    repository_format: 'Bazaar repository format 2a (needs bzr 1.16 or later) ',
    reviewer_link: null,
    revision_count: tip?.revno ?? 0,
    sourcepackage_link: null,
    ...collectionLinks(self, ['spec_links', 'subscribers', 'subscriptions']),
    unique_name: branch.uniqueName,
    url: null,
    ...collectionLinks(self, ['webhooks']),
    whiteboard: null,
  };
  return withEtag(fields, ['description', 'lifecycle_status', 'reviewer_link', 'whiteboard']);
}

/** `git_repository-full`, every field of the WADL. */
export function renderGitRepository(state: SimState, links: Links, repository: GitRepositoryRecord): GitRepository {
  const self = links.repository(repository.uniqueName);
  const identity = state.gitIdentity(repository);
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(repository.uniqueName),
    resource_type_link: links.type('git_repository'),
    ...collectionLinks(self, ['branches']),
    code_import_link: null,
    date_created: isoDate(repository.dateCreated),
    date_last_modified: isoDate(repository.dateLastModified),
    date_last_repacked: null,
    date_last_scanned: isoDate(repository.dateLastModified),
    default_branch: repository.defaultBranch,
    ...collectionLinks(self, ['dependent_landings']),
    description: null,
    display_name: identity,
    git_https_url: repository.httpsUrl === undefined ? links.git(state.shortenedPath(repository)) : repository.httpsUrl,
    git_identity: identity,
    git_ssh_url: `git+ssh://git.launchpad.test/${state.shortenedPath(repository)}`,
    id: repository.id,
    information_type: 'Public',
    ...collectionLinks(self, ['landing_candidates', 'landing_targets']),
    loose_object_count: 0,
    name: repository.name,
    owner_link: links.person(repository.owner),
    owner_default: false,
    pack_count: 1,
    private: false,
    ...collectionLinks(self, ['recipes', 'refs']),
    registrant_link: links.person(repository.owner),
    repository_type: 'Hosted',
    reviewer_link: null,
    ...collectionLinks(self, ['subscribers', 'subscriptions']),
    target_default: repository.targetDefault,
    unique_name: repository.uniqueName,
  };
  if (links.version === 'devel') {
    // Exported in devel only (launchpad-devel.wadl, git_repository-full).
    Object.assign(fields, { builder_constraints: null, target_link: links.project(repository.project) });
  }
  return withEtag(fields, ['default_branch', 'description', 'information_type', 'name', 'reviewer_link']);
}

/** `git_ref-full`: its ETag changes with every push, since commit_sha1 does. */
export function renderGitRef(links: Links, repository: GitRepositoryRecord, path: string): GitRef {
  const self = links.ref(repository.uniqueName, path);
  const history = repository.refs.get(path)!;
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(self.slice(links.api.length)),
    resource_type_link: links.type('git_ref'),
    commit_sha1: history[history.length - 1],
    ...collectionLinks(self, ['dependent_landings', 'landing_candidates', 'landing_targets']),
    path,
    ...collectionLinks(self, ['recipes']),
    repository_link: links.repository(repository.uniqueName),
  };
  return withEtag(fields, []);
}

export function renderProposal(links: Links, proposal: ProposalRecord): MergeProposal {
  const self = links.proposal(proposal);
  const previewDiff = proposal.previewDiffs[proposal.previewDiffs.length - 1];
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(links.proposalPath(proposal)),
    resource_type_link: links.type('branch_merge_proposal'),
    address: `mp+${proposal.id}@code.launchpad.net`,
    ...collectionLinks(self, ['all_comments']),
    commit_message: proposal.commitMessage,
    date_created: isoDate(proposal.dateCreated),
    date_merged: isoOrNull(proposal.dateMerged),
    date_review_requested: isoOrNull(proposal.dateReviewRequested),
    date_reviewed: isoOrNull(proposal.dateReviewed),
    description: proposal.description,
    merge_reporter_link: null,
    merged_revision_id: null,
    merged_revno: null,
    prerequisite_branch_link: proposal.prerequisite === null ? null : links.branch(proposal.prerequisite),
    prerequisite_git_path: null,
    prerequisite_git_repository_link: null,
    preview_diff_link: previewDiff === undefined ? null : `${self}/+preview-diff/${previewDiff}`,
    ...collectionLinks(self, ['preview_diffs']),
    private: false,
    queue_status: proposal.status,
    registrant_link: links.person(proposal.registrant),
    reviewed_revid: proposal.reviewedRevid,
    reviewer_link: proposal.reviewer === null ? null : links.person(proposal.reviewer),
    // A git proposal names repositories and refs, a bzr one branches; the other kind's links are null.
    source_branch_link: proposal.vcs === 'bzr' ? links.branch(proposal.source) : null,
    source_git_path: proposal.sourceRef,
    source_git_repository_link: proposal.vcs === 'git' ? links.repository(proposal.source) : null,
    superseded_by_link: null,
    supersedes_link: null,
    target_branch_link: proposal.vcs === 'bzr' ? links.branch(proposal.target) : null,
    target_git_path: proposal.targetRef,
    target_git_repository_link: proposal.vcs === 'git' ? links.repository(proposal.target) : null,
    ...collectionLinks(self, ['votes']),
  };
  return withEtag(fields, ['commit_message', 'description']);
}

export function renderPreviewDiff(state: SimState, links: Links, diff: PreviewDiffRecord): PreviewDiff {
  const proposal = state.proposals.get(diff.proposalId)!;
  const mpSelf = links.proposal(proposal);
  const self = `${mpSelf}/+preview-diff/${diff.id}`;
  const label = (side: 'source' | 'target', revisionId: string | null) => {
    if (proposal.vcs === 'git') return (revisionId ?? '').slice(0, 7);
    const revno = state.branch(proposal[side]).revisions.find((r) => r.revisionId === revisionId)?.revno;
    return revno ? `r${revno}` : revisionId;
  };
  const stale = diff.sourceRevisionId !== state.tipOf(proposal, 'source') || diff.targetRevisionId !== state.tipOf(proposal, 'target');
  const fields: Record<string, unknown> = {
    self_link: self,
    web_link: links.web(`${links.proposalPath(proposal)}/+preview-diff/${diff.id}`),
    resource_type_link: links.type('preview_diff'),
    added_lines_count: diff.addedLines,
    branch_merge_proposal_link: mpSelf,
    conflicts: '',
    date_created: isoDate(diff.dateCreated),
    diff_lines_count: diff.addedLines + diff.removedLines + 12,
    diff_text_link: `${self}/diff_text`,
    diffstat: { 'ChangeLog.linaro': [diff.addedLines, diff.removedLines] },
    id: diff.id,
    prerequisite_revision_id: diff.prerequisiteRevisionId,
    removed_lines_count: diff.removedLines,
    source_revision_id: diff.sourceRevisionId,
    stale,
    target_revision_id: diff.targetRevisionId,
    title: `${label('source', diff.sourceRevisionId)} into ${label('target', diff.targetRevisionId)}`,
  };
  return withEtag(fields, []);
}

export function renderComment(state: SimState, links: Links, comment: SimComment): CodeReviewComment {
  const proposal = state.proposals.get(comment.proposalId)!;
  const mpSelf = links.proposal(proposal);
  const fields: Record<string, unknown> = {
    self_link: `${mpSelf}/comments/${comment.id}`,
    web_link: links.web(`${links.proposalPath(proposal)}/comments/${comment.id}`),
    resource_type_link: links.type('code_review_comment'),
    as_quoted_email: comment.content
      .split('\n')
      .map((line) => (line === '' ? '>' : `> ${line}`))
      .join('\n'),
    author_link: links.person(comment.author),
    branch_merge_proposal_link: mpSelf,
    content: comment.content,
    date_created: isoDate(comment.dateCreated),
    date_deleted: null,
    date_last_edited: null,
    id: comment.id,
    message_body: comment.content,
    owner_link: links.person(comment.author),
    title: `Comment on proposed merge of ${state.displayName(proposal, 'source')} into ${state.displayName(proposal, 'target')}`,
    vote: comment.vote,
    vote_tag: comment.vote === null ? null : comment.reviewType,
  };
  return withEtag(fields, []);
}
