/**
 * The Launchpad simulator's world: people and teams, projects, bzr branches
 * with their revisions, git repositories with their refs, merge proposals
 * (bzr or git) with preview diffs and comments, and OAuth tokens. Plain
 * records, mutated only through these methods so that the side effects
 * Launchpad has (a push regenerates the preview diffs of the proposals the
 * branch or ref is the source of) happen in one place.
 */
import { createHash } from 'node:crypto';
import type { CodeReviewVote, MergeProposalStatus } from './wire.js';

export type TokenPermission = 'READ_PUBLIC' | 'WRITE_PUBLIC';

export interface PersonRecord {
  id: number;
  name: string;
  displayName: string;
  isTeam: boolean;
  /** Direct members' names (people or teams); empty for a person. */
  members: string[];
  dateCreated: Date;
}

export interface ProjectRecord {
  id: number;
  name: string;
  displayName: string;
  dateCreated: Date;
  /** Series name → unique name of its branch. */
  seriesBranches: Map<string, string>;
  developmentFocusSeries: string;
}

export interface RevisionRecord {
  revisionId: string;
  revno: number;
}

export interface BranchRecord {
  id: number;
  owner: string;
  project: string;
  name: string;
  /** `~owner/project/name`. */
  uniqueName: string;
  revisions: RevisionRecord[];
  dateCreated: Date;
  dateLastModified: Date;
  lastScanned: Date | null;
}

/** A git repository: its refs (path → commits, oldest first; the last is the ref's commit_sha1). */
export interface GitRepositoryRecord {
  id: number;
  owner: string;
  project: string;
  name: string;
  /** `~owner/project/+git/name`. */
  uniqueName: string;
  /** The project's default repository: `lp:project`. */
  targetDefault: boolean;
  refs: Map<string, string[]>;
  defaultBranch: string | null;
  dateCreated: Date;
  dateLastModified: Date;
  /** What `git_https_url` says: a URL when a test serves a real repository, null for a private one (Launchpad gives it none); undefined: the simulator's own URL. */
  httpsUrl: string | null | undefined;
}

export interface ProposalRecord {
  id: number;
  vcs: 'bzr' | 'git';
  /** bzr: the source branch's unique name; git: the source repository's unique name. */
  source: string;
  target: string;
  /** git: the refs proposed and targeted (`refs/heads/topic`); null for bzr. */
  sourceRef: string | null;
  targetRef: string | null;
  prerequisite: string | null;
  registrant: string;
  status: MergeProposalStatus;
  description: string | null;
  commitMessage: string | null;
  dateCreated: Date;
  dateReviewRequested: Date | null;
  dateReviewed: Date | null;
  dateMerged: Date | null;
  reviewer: string | null;
  reviewedRevid: string | null;
  /** Ids, oldest first; the last one is the current preview diff. */
  previewDiffs: number[];
}

export interface PreviewDiffRecord {
  id: number;
  proposalId: number;
  sourceRevisionId: string;
  targetRevisionId: string | null;
  prerequisiteRevisionId: string | null;
  addedLines: number;
  removedLines: number;
  dateCreated: Date;
}

/** A comment as the simulator stores it, including the subject Launchpad never exposes. */
/**
 * A merge proposal to create: bzr branches by unique name (or `lp:` URL), or
 * git repositories by unique name with `sourceRef`/`targetRef`; people by name.
 */
export interface ProposalSpec {
  source: string;
  target: string;
  sourceRef?: string;
  targetRef?: string;
  registrant: string;
  prerequisite?: string;
  status?: MergeProposalStatus;
  description?: string;
  commitMessage?: string;
}

export interface SimComment {
  id: number;
  proposalId: number;
  author: string;
  subject: string;
  content: string;
  vote: CodeReviewVote | null;
  reviewType: string | null;
  dateCreated: Date;
}

export interface TokenRecord {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
  person: string;
  permission: TokenPermission;
}

/** A proposal's attributes that change after creation: what an MP delivery's `old` had. */
export interface ProposalSnapshot {
  status: MergeProposalStatus;
  previewDiff: number | null;
  description: string | null;
  commitMessage: string | null;
}

/**
 * What Launchpad's event subscribers hear (sim-webhooks.ts turns them into
 * deliveries): told after the change, as `ObjectModifiedEvent` is.
 */
export type SimChange =
  | { kind: 'proposal-created'; proposal: ProposalRecord }
  | { kind: 'proposal-modified'; proposal: ProposalRecord; before: ProposalSnapshot }
  | { kind: 'comment'; proposal: ProposalRecord; comment: SimComment }
  | { kind: 'bzr-push'; branch: BranchRecord; oldRevisionId: string | null }
  | { kind: 'git-push'; repository: GitRepositoryRecord; ref: string; oldCommit: string | null };

export function snapshot(proposal: ProposalRecord): ProposalSnapshot {
  return { status: proposal.status, previewDiff: proposal.previewDiffs.at(-1) ?? null, description: proposal.description, commitMessage: proposal.commitMessage };
}

/** Statuses after which a proposal leaves `landing_candidates`/`landing_targets`. */
export const FINAL_STATUSES: ReadonlySet<MergeProposalStatus> = new Set(['Rejected', 'Merged', 'Superseded']);

/** Thrown for seeding mistakes, so a test's setup error reads plainly. */
export class SimulatorSetupError extends Error {
  constructor(message: string) {
    super(`LaunchpadSimulator: ${message}`);
    this.name = 'SimulatorSetupError';
  }
}

const NAME = /^[a-z0-9][a-z0-9+.-]*$/;
/** Branch names are laxer than other names (launchpad `valid_branch_name`). */
const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9+._@-]*$/;

export class SimState {
  readonly people = new Map<string, PersonRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  readonly branches = new Map<string, BranchRecord>();
  readonly repositories = new Map<string, GitRepositoryRecord>();
  readonly proposals = new Map<number, ProposalRecord>();
  readonly previewDiffs = new Map<number, PreviewDiffRecord>();
  readonly comments = new Map<number, SimComment>();
  readonly tokens = new Map<string, TokenRecord>();
  // Distinct ranges, as real ids of different tables never line up.
  private nextPersonId = 2000;
  private nextProjectId = 100;
  private nextBranchId = 5000;
  private nextRepositoryId = 9000;
  private nextProposalId = 120000;
  private nextPreviewDiffId = 700000;
  private nextCommentId = 330000;
  /** Keeps generated commit names apart when pushes share a millisecond. */
  private nextCommitSalt = 0;

  /** Hears every change webhooks fire for (set by the webhooks of the simulator). */
  onChange: ((change: SimChange) => void) | undefined;

  constructor(readonly now: () => Date) {}

  addPerson(name: string, displayName: string): PersonRecord {
    return this.addPersonRecord(name, displayName, false, []);
  }

  addTeam(name: string, displayName: string, members: string[]): PersonRecord {
    for (const member of members) this.person(member);
    return this.addPersonRecord(name, displayName, true, [...members]);
  }

  addProject(name: string, displayName: string): ProjectRecord {
    checkName('project', name);
    if (this.projects.has(name) || this.people.has(name)) throw new SimulatorSetupError(`the name ${name} is taken`);
    const project: ProjectRecord = {
      id: this.nextProjectId++,
      name,
      displayName,
      dateCreated: this.now(),
      seriesBranches: new Map(),
      developmentFocusSeries: 'trunk',
    };
    this.projects.set(name, project);
    return project;
  }

  addBranch(spec: { owner: string; project: string; name: string; series?: string; developmentFocus?: boolean }): BranchRecord {
    this.person(spec.owner);
    const project = this.project(spec.project);
    checkName('branch', spec.name);
    const uniqueName = `~${spec.owner}/${spec.project}/${spec.name}`;
    if (this.branches.has(uniqueName)) throw new SimulatorSetupError(`branch ${uniqueName} exists already`);
    const now = this.now();
    const branch: BranchRecord = {
      id: this.nextBranchId++,
      owner: spec.owner,
      project: spec.project,
      name: spec.name,
      uniqueName,
      revisions: [],
      dateCreated: now,
      dateLastModified: now,
      lastScanned: null,
    };
    this.branches.set(uniqueName, branch);
    const series = spec.series ?? (spec.developmentFocus ? 'trunk' : undefined);
    if (series !== undefined) {
      checkName('series', series);
      project.seriesBranches.set(series, uniqueName);
      if (spec.developmentFocus) project.developmentFocusSeries = series;
    }
    return branch;
  }

  /** Appends revisions as a push followed by a scan would; the proposals it is the source of get a new preview diff. */
  pushRevisions(branchRef: string, count: number, revisionIds: readonly string[] = []): RevisionRecord {
    if (!Number.isInteger(count) || count < 1) throw new SimulatorSetupError(`cannot push ${count} revisions`);
    const branch = this.branch(branchRef);
    const oldRevisionId = branch.revisions.at(-1)?.revisionId ?? null;
    const now = this.now();
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    for (let i = 0; i < count; i++) {
      const revno = branch.revisions.length + 1;
      const hex = createHash('sha1').update(`${branch.uniqueName}\n${revno}\n${now.getTime()}`).digest('hex').slice(0, 16);
      branch.revisions.push({ revisionId: revisionIds[i] ?? `${branch.owner}@example.com-${stamp}-${hex}`, revno });
    }
    branch.dateLastModified = now;
    branch.lastScanned = now;
    // The scanner fires the branch's own push webhooks, then the diff jobs of the proposals from it run.
    this.onChange?.({ kind: 'bzr-push', branch, oldRevisionId });
    for (const proposal of this.proposals.values()) {
      if (proposal.vcs === 'bzr' && proposal.source === branch.uniqueName && !FINAL_STATUSES.has(proposal.status)) this.addPreviewDiff(proposal);
    }
    return branch.revisions[branch.revisions.length - 1];
  }

  addGitRepository(spec: { owner: string; project: string; name: string; targetDefault?: boolean; httpsUrl?: string | null }): GitRepositoryRecord {
    this.person(spec.owner);
    const project = this.project(spec.project);
    checkName('branch', spec.name);
    const uniqueName = `~${spec.owner}/${spec.project}/+git/${spec.name}`;
    if (this.repositories.has(uniqueName)) throw new SimulatorSetupError(`repository ${uniqueName} exists already`);
    if (spec.targetDefault && [...this.repositories.values()].some((r) => r.project === project.name && r.targetDefault)) {
      throw new SimulatorSetupError(`${project.name} already has a default repository`);
    }
    const now = this.now();
    const repository: GitRepositoryRecord = {
      id: this.nextRepositoryId++,
      owner: spec.owner,
      project: spec.project,
      name: spec.name,
      uniqueName,
      targetDefault: spec.targetDefault ?? false,
      refs: new Map(),
      defaultBranch: null,
      dateCreated: now,
      dateLastModified: now,
      httpsUrl: spec.httpsUrl,
    };
    this.repositories.set(uniqueName, repository);
    return repository;
  }

  /**
   * Pushes `count` commits to a ref (creating it), as a push and a ref scan
   * would; `commits` mirrors a real repository's object names. The proposals
   * from that ref get a new preview diff.
   */
  pushCommits(repositoryRef: string, refPath: string, count: number, commits: readonly string[] = []): string {
    if (!Number.isInteger(count) || count < 1) throw new SimulatorSetupError(`cannot push ${count} commits`);
    if (!refPath.startsWith('refs/')) throw new SimulatorSetupError(`ref ${refPath} must be a full ref name (refs/heads/...)`);
    const repository = this.gitRepository(repositoryRef);
    const now = this.now();
    const history = repository.refs.get(refPath) ?? [];
    const oldCommit = history.at(-1) ?? null;
    for (let i = 0; i < count; i++) {
      history.push(commits[i] ?? createHash('sha1').update(`${repository.uniqueName}\n${refPath}\n${history.length}\n${now.getTime()}\n${this.nextCommitSalt++}`).digest('hex'));
    }
    repository.refs.set(refPath, history);
    repository.defaultBranch ??= refPath;
    repository.dateLastModified = now;
    this.onChange?.({ kind: 'git-push', repository, ref: refPath, oldCommit });
    for (const proposal of this.proposals.values()) {
      if (proposal.vcs === 'git' && proposal.source === repository.uniqueName && proposal.sourceRef === refPath && !FINAL_STATUSES.has(proposal.status)) {
        this.addPreviewDiff(proposal);
      }
    }
    return history[history.length - 1];
  }

  /** A repository by unique name (the `~` optional) or `lp:` path (`lp:project` is its default repository). */
  gitRepository(ref: string): GitRepositoryRecord {
    const repository = this.findGitRepository(ref);
    if (!repository) throw new SimulatorSetupError(`no git repository ${ref}`);
    return repository;
  }

  findGitRepository(ref: string): GitRepositoryRecord | undefined {
    const path = ref.replace(/^lp:/, '').replace(/^\/+/, '');
    if (!path.startsWith('~') && !path.includes('/')) {
      return [...this.repositories.values()].find((r) => r.project === path && r.targetDefault);
    }
    return this.repositories.get(path.startsWith('~') ? path : `~${path}`);
  }

  /** `lp:project` for a project's default repository, else `lp:~owner/project/+git/name`. */
  gitIdentity(repository: GitRepositoryRecord): string {
    return `lp:${this.shortenedPath(repository)}`;
  }

  shortenedPath(repository: GitRepositoryRecord): string {
    return repository.targetDefault ? repository.project : repository.uniqueName;
  }

  /** `getRefByPath`: the full path, or a branch name under refs/heads/. */
  refByPath(repository: GitRepositoryRecord, path: string): { path: string; commit: string } | undefined {
    for (const candidate of path.startsWith('refs/heads/') ? [path] : [path, `refs/heads/${path}`]) {
      const history = repository.refs.get(candidate);
      if (history) return { path: candidate, commit: history[history.length - 1] };
    }
    return undefined;
  }

  /** The current revision of a proposal's source or target. */
  tipOf(proposal: ProposalRecord, side: 'source' | 'target'): string | null {
    if (proposal.vcs === 'bzr') return this.tip(proposal[side])?.revisionId ?? null;
    const history = this.gitRepository(proposal[side]).refs.get((side === 'source' ? proposal.sourceRef : proposal.targetRef)!);
    return history?.[history.length - 1] ?? null;
  }

  /** How Launchpad names a proposal's source or target (bzr_identity; a git ref's `<repository>:<name>`). */
  displayName(proposal: ProposalRecord, side: 'source' | 'target'): string {
    if (proposal.vcs === 'bzr') return this.bzrIdentity(this.branch(proposal[side]));
    const ref = (side === 'source' ? proposal.sourceRef : proposal.targetRef)!;
    return `${this.gitIdentity(this.gitRepository(proposal[side]))}:${ref.replace(/^refs\/heads\//, '')}`;
  }

  /** The project a proposal belongs to: its target's. */
  projectOf(proposal: ProposalRecord): string {
    return proposal.vcs === 'bzr' ? this.branch(proposal.target).project : this.gitRepository(proposal.target).project;
  }

  createProposal(spec: ProposalSpec): ProposalRecord {
    return spec.sourceRef !== undefined || spec.targetRef !== undefined ? this.createGitProposal(spec) : this.createBzrProposal(spec);
  }

  private createGitProposal(spec: ProposalSpec): ProposalRecord {
    const source = this.gitRepository(spec.source);
    const target = this.gitRepository(spec.target);
    if (!spec.sourceRef || !spec.targetRef) throw new SimulatorSetupError('a git merge proposal needs sourceRef and targetRef');
    if (!source.refs.has(spec.sourceRef)) throw new SimulatorSetupError(`${source.uniqueName} has no ref ${spec.sourceRef}`);
    if (!target.refs.has(spec.targetRef)) throw new SimulatorSetupError(`${target.uniqueName} has no ref ${spec.targetRef}`);
    this.person(spec.registrant);
    if (source === target && spec.sourceRef === spec.targetRef) throw new SimulatorSetupError('a ref cannot be proposed for merging into itself');
    return this.addProposal(spec, { vcs: 'git', source: source.uniqueName, target: target.uniqueName, sourceRef: spec.sourceRef, targetRef: spec.targetRef, prerequisite: null });
  }

  private createBzrProposal(spec: ProposalSpec): ProposalRecord {
    const source = this.branch(spec.source);
    const target = this.branch(spec.target);
    const prerequisite = spec.prerequisite === undefined ? null : this.branch(spec.prerequisite).uniqueName;
    this.person(spec.registrant);
    if (source === target) throw new SimulatorSetupError(`a branch cannot be proposed for merging into itself`);
    return this.addProposal(spec, { vcs: 'bzr', source: source.uniqueName, target: target.uniqueName, sourceRef: null, targetRef: null, prerequisite });
  }

  private addProposal(
    spec: ProposalSpec,
    sides: Pick<ProposalRecord, 'vcs' | 'source' | 'target' | 'sourceRef' | 'targetRef' | 'prerequisite'>,
  ): ProposalRecord {
    for (const existing of this.proposals.values()) {
      if (
        existing.source === sides.source &&
        existing.target === sides.target &&
        existing.sourceRef === sides.sourceRef &&
        existing.targetRef === sides.targetRef &&
        !FINAL_STATUSES.has(existing.status)
      ) {
        throw new SimulatorSetupError(
          `There is already a branch merge proposal registered for branch ${sides.source} to land on ${sides.target} that is still active.`,
        );
      }
    }
    const status = spec.status ?? 'Needs review';
    const now = this.now();
    const proposal: ProposalRecord = {
      id: this.nextProposalId++,
      ...sides,
      registrant: spec.registrant,
      status,
      description: spec.description ?? null,
      commitMessage: spec.commitMessage ?? null,
      dateCreated: now,
      dateReviewRequested: status === 'Work in progress' ? null : now,
      dateReviewed: status === 'Approved' || status === 'Rejected' ? now : null,
      dateMerged: status === 'Merged' ? now : null,
      reviewer: null,
      reviewedRevid: null,
      previewDiffs: [],
    };
    if (status === 'Approved') proposal.reviewedRevid = this.tipOf(proposal, 'source');
    this.proposals.set(proposal.id, proposal);
    // Created without a diff; the diff job's first diff arrives as a push (events-and-git.md §A.3).
    this.onChange?.({ kind: 'proposal-created', proposal });
    if (this.tipOf(proposal, 'source') !== null) this.addPreviewDiff(proposal);
    return proposal;
  }

  /** Changes the queue status with Launchpad's bookkeeping (review dates, `reviewed_revid`). */
  setStatus(proposal: ProposalRecord, status: MergeProposalStatus, reviewer: string | null, revid?: string): void {
    const before = snapshot(proposal);
    const now = this.now();
    if (proposal.status === 'Approved' && status !== 'Approved') proposal.reviewedRevid = null;
    if (status === 'Approved' || status === 'Rejected') {
      proposal.dateReviewed = now;
      proposal.reviewer = reviewer;
      if (status === 'Approved') proposal.reviewedRevid = revid ?? this.tipOf(proposal, 'source');
    }
    if (status === 'Needs review' && proposal.dateReviewRequested === null) proposal.dateReviewRequested = now;
    if (status === 'Merged') proposal.dateMerged = now;
    proposal.status = status;
    if (before.status !== status) this.onChange?.({ kind: 'proposal-modified', proposal, before });
  }

  addComment(spec: {
    proposal: ProposalRecord;
    author: string;
    subject: string;
    content: string;
    vote: CodeReviewVote | null;
    reviewType: string | null;
  }): SimComment {
    this.person(spec.author);
    const comment: SimComment = {
      id: this.nextCommentId++,
      proposalId: spec.proposal.id,
      author: spec.author,
      subject: spec.subject,
      content: spec.content,
      vote: spec.vote,
      reviewType: spec.reviewType,
      dateCreated: this.now(),
    };
    this.comments.set(comment.id, comment);
    this.onChange?.({ kind: 'comment', proposal: spec.proposal, comment });
    return comment;
  }

  registerToken(token: TokenRecord): void {
    this.person(token.person);
    if (this.tokens.has(token.tokenKey)) throw new SimulatorSetupError(`token ${token.tokenKey} exists already`);
    this.tokens.set(token.tokenKey, { ...token });
  }

  person(name: string): PersonRecord {
    const person = this.people.get(name);
    if (!person) throw new SimulatorSetupError(`no person or team named ${name}`);
    return person;
  }

  project(name: string): ProjectRecord {
    const project = this.projects.get(name);
    if (!project) throw new SimulatorSetupError(`no project named ${name}`);
    return project;
  }

  /** A branch by unique name (`~o/p/b`, the `~` optional) or `lp:` URL. */
  branch(ref: string): BranchRecord {
    const branch = this.findBranch(ref);
    if (!branch) throw new SimulatorSetupError(`no branch ${ref}`);
    return branch;
  }

  findBranch(ref: string): BranchRecord | undefined {
    if (ref.startsWith('lp:')) return this.branchByLpPath(ref.slice(3));
    return this.branches.get(ref.startsWith('~') ? ref : `~${ref}`);
  }

  /** What `lp:<path>` names: `~o/p/b`, `project` (development focus) or `project/series`. */
  branchByLpPath(path: string): BranchRecord | undefined {
    const parts = path.replace(/^\/+/, '').split('/');
    if (parts[0].startsWith('~')) return parts.length === 3 ? this.branches.get(parts.join('/')) : undefined;
    const project = this.projects.get(parts[0]);
    if (!project || parts.length > 2) return undefined;
    const uniqueName = project.seriesBranches.get(parts[1] ?? project.developmentFocusSeries);
    return uniqueName === undefined ? undefined : this.branches.get(uniqueName);
  }

  bzrIdentity(branch: BranchRecord): string {
    const project = this.project(branch.project);
    if (project.seriesBranches.get(project.developmentFocusSeries) === branch.uniqueName) return `lp:${project.name}`;
    for (const [series, uniqueName] of project.seriesBranches) {
      if (uniqueName === branch.uniqueName) return `lp:${project.name}/${series}`;
    }
    return `lp:${branch.uniqueName}`;
  }

  tip(branchRef: string): RevisionRecord | undefined {
    const revisions = this.branch(branchRef).revisions;
    return revisions[revisions.length - 1];
  }

  /** Everyone who is part of the team directly or through sub-teams (the team itself excluded). */
  participants(team: PersonRecord): PersonRecord[] {
    const found = new Map<string, PersonRecord>();
    const visit = (t: PersonRecord) => {
      for (const name of t.members) {
        if (found.has(name) || name === team.name) continue;
        const member = this.person(name);
        found.set(name, member);
        visit(member);
      }
    };
    visit(team);
    return [...found.values()];
  }

  proposalComments(proposal: ProposalRecord): SimComment[] {
    return [...this.comments.values()].filter((c) => c.proposalId === proposal.id);
  }

  private addPersonRecord(name: string, displayName: string, isTeam: boolean, members: string[]): PersonRecord {
    checkName(isTeam ? 'team' : 'person', name);
    if (this.people.has(name) || this.projects.has(name)) throw new SimulatorSetupError(`the name ${name} is taken`);
    const person: PersonRecord = { id: this.nextPersonId++, name, displayName, isTeam, members, dateCreated: this.now() };
    this.people.set(name, person);
    return person;
  }

  private addPreviewDiff(proposal: ProposalRecord): void {
    const source = this.tipOf(proposal, 'source');
    if (source === null) return;
    const before = snapshot(proposal);
    const size = createHash('sha1').update(source).digest().readUInt32BE(0);
    const diff: PreviewDiffRecord = {
      id: this.nextPreviewDiffId++,
      proposalId: proposal.id,
      sourceRevisionId: source,
      targetRevisionId: this.tipOf(proposal, 'target'),
      prerequisiteRevisionId: proposal.prerequisite === null ? null : (this.tip(proposal.prerequisite)?.revisionId ?? null),
      addedLines: 1 + (size % 400),
      removedLines: (size >>> 9) % 100,
      dateCreated: this.now(),
    };
    this.previewDiffs.set(diff.id, diff);
    proposal.previewDiffs.push(diff.id);
    this.onChange?.({ kind: 'proposal-modified', proposal, before });
  }
}

function checkName(kind: string, name: string): void {
  if (!(kind === 'branch' ? BRANCH_NAME : NAME).test(name)) throw new SimulatorSetupError(`${kind} name ${JSON.stringify(name)} is not a valid Launchpad name`);
}
