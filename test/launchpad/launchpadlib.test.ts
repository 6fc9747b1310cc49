/**
 * The real Python client (Debian python3-launchpadlib) against the simulator:
 * if launchpadlib can list, read and comment, the simulator speaks Launchpad
 * well enough for the bot's tests to mean something. Skipped with a reason
 * when launchpadlib is not installed, except on CI (CI=true), where that fails.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCredentialsFile, writeCredentialsFile } from '../../src/launchpad/credentials.js';
import { BOT_TOKEN, clientFor, credentialsOf, startWorld, type World } from './fixture.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../test/launchpad/launchpadlib_check.py', import.meta.url));
/** Debian's python and nothing from the user's environment (pyenv shims, PYTHONPATH). */
const PYTHON_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
const INSTALL_HINT = 'apt-get install -y --no-install-recommends python3-launchpadlib';

function run(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { env: { ...PYTHON_ENV, HOME: home }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // A missing interpreter has no stderr: the spawn error says what went wrong.
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr: stderr || (err?.message ?? '') });
    });
  });
}

interface LaunchpadlibReport {
  total_size: number;
  proposals: { self_link: string; queue_status: string; last_scanned_id: string; revision_count: number; bzr_identity: string; comments: string[] }[];
  created: { self_link: string; content: string; author_link: string; title: string };
}

interface GitRepositoryReport {
  self_link: string;
  unique_name: string;
  git_identity: string;
  display_name: string;
  git_https_url: string;
  git_ssh_url: string;
  default_branch: string;
  target_default: boolean;
  owner: string;
  target: string;
  proposals: string[];
}

interface GitReport {
  repositories: (GitRepositoryReport | null)[];
  ref: { self_link: string; path: string; commit_sha1: string; repository: string; 'commit_sha1_in_1.0': string; landing_targets: string[]; landing_candidates: string[] };
  missing_ref: string | null;
  proposals: {
    self_link: string;
    queue_status: string;
    source_git_repository: string;
    source_git_path: string;
    target_git_repository: string;
    target_git_path: string;
    prerequisite_git_repository: string | null;
    prerequisite_git_path: string | null;
    source_branch: string | null;
    target_branch: string | null;
    prerequisite_branch: string | null;
    preview_diff: { source_revision_id: string; target_revision_id: string } | null;
    comments: string[];
  }[];
  created: { self_link: string; content: string; vote: string; vote_tag: string; author: string };
}

describe('launchpadlib against the Launchpad simulator', function () {
  this.timeout(90_000);
  let home: string;
  let world: World;

  before(async function () {
    home = mkdtempSync(join(tmpdir(), 'launchpadlib-'));
    const probe = await run(['-c', 'import launchpadlib.launchpad, launchpadlib.credentials'], home);
    if (probe.code !== 0) {
      const reason = `${PYTHON} cannot import launchpadlib (${probe.stderr.trim().split('\n').pop()}); install it with: ${INSTALL_HINT}`;
      if (process.env.CI === 'true') throw new Error(`CI needs launchpadlib: ${reason}`);
      console.log(`      skipping: ${reason}`);
      this.skip();
    }
  });

  after(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  beforeEach(async () => {
    world = await startWorld(2);
  });

  afterEach(async () => {
    await world.sim.close();
  });

  it('lists proposals across pages, reads branches and comments, and posts a comment', async () => {
    const discussed = world.intoTrunk[0];
    const older = ['Première remarque : ça compile ✓', 'second\nwith a "quote"', 'third – done'];
    for (const content of older) world.sim.addComment(discussed, 'bob', content);
    // The file as `cbuild-bot login` writes it: launchpadlib reads it.
    const credentials = join(home, 'credentials');
    writeCredentialsFile(credentials, credentialsOf(BOT_TOKEN));
    const posted = 'cbuild has taken a snapshot of this branch at r1 and queued it for build.\n\n"Grüße" – ✓';
    const job = {
      root: world.root,
      cache: join(home, 'cache'),
      project: 'gcc-linaro',
      statuses: ['Needs review', 'Approved'],
      credentials,
      comment_on: world.into46,
      subject: 'Re: [Merge] lp:~bob/gcc-linaro/backport into lp:gcc-linaro/4.6',
      content: posted,
    };

    const result = await run([SCRIPT, JSON.stringify(job)], home);
    assert.equal(result.code, 0, `launchpadlib failed:\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as LaunchpadlibReport;

    const pages = world.sim.requests.filter((r) => r.operation === 'getMergeProposals');
    assert.equal(pages.length, 3, 'launchpadlib followed next_collection_link: 5 proposals in pages of 2');
    const post = world.sim.requests.find((r) => r.method === 'POST');
    assert.deepEqual(post && [post.operation, post.status, post.authorized], ['createComment', 201, 'cbuild']);

    // What launchpadlib saw is what the TypeScript client sees.
    const expected = await clientFor(world.root).getMergeProposals({ project: 'gcc-linaro' }, job.statuses);
    assert.equal(report.total_size, 5);
    assert.deepEqual(
      report.proposals.map((p) => [p.self_link, p.queue_status]),
      expected.map((p) => [p.self_link, p.queue_status]),
    );
    const fixes = report.proposals.filter((p) => p.bzr_identity.startsWith('lp:~alice/'));
    assert.deepEqual(
      fixes.map((p) => p.revision_count),
      [1, 2, 3, 4],
    );
    assert.ok(report.proposals.every((p) => /^(alice|bob)@example\.com-\d{14}-[0-9a-f]{16}$/.test(p.last_scanned_id)));
    assert.deepEqual(report.proposals.find((p) => p.self_link === discussed)?.comments.sort(), [...older].sort());

    // The comment arrived, as the token's person, with text intact.
    const stored = world.sim.commentsOf(world.into46);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].content, posted);
    assert.equal(stored[0].subject, job.subject);
    assert.equal(stored[0].author, BOT_TOKEN.person);
    assert.equal(report.created.content, posted);
    assert.equal(report.created.author_link, `${world.root}1.0/~${BOT_TOKEN.person}`);
    assert.equal(report.created.self_link, `${world.into46}/comments/${stored[0].id}`);
  });

  it('reads git repositories by path and a ref (devel), git proposals with their fields and comments (1.0), and votes on one', async () => {
    const sim = world.sim;
    const trunk = sim.addGitRepository({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'gcc-linaro', targetDefault: true });
    const master = sim.pushCommits(trunk, 'refs/heads/master', 3);
    const release = sim.pushCommits(trunk, 'refs/heads/gcc-4_8', 1);
    const fork = sim.addGitRepository({ owner: 'alice', project: 'gcc-linaro', name: 'gcc-linaro' });
    // A ref name git allows that is special to URLs, YAML and the shell: launchpadlib quotes it in the ref's link.
    const hostile = `refs/heads/fix-$(id);&'"{x}%`;
    const topic = sim.pushCommits(fork, 'refs/heads/topic', 2);
    const fix = sim.pushCommits(fork, hostile, 1);
    const intoMaster = sim.createMergeProposal({ source: fork, sourceRef: 'refs/heads/topic', target: trunk, targetRef: 'refs/heads/master', registrant: 'alice' });
    const intoRelease = sim.createMergeProposal({ source: fork, sourceRef: hostile, target: trunk, targetRef: 'refs/heads/gcc-4_8', registrant: 'alice', status: 'Work in progress' });
    const older = ['Looks good – one nit ✓', 'second\nwith a "quote"'];
    for (const content of older) sim.addComment(intoMaster, 'bob', content);
    const credentials = join(home, 'git-credentials');
    writeCredentialsFile(credentials, credentialsOf(BOT_TOKEN));
    const posted = 'cbuild-bot built 1a2b3c4 of lp:~alice/gcc-linaro/+git/gcc-linaro:topic: every build passed.';
    const job = {
      git: true,
      root: world.root,
      cache: join(home, 'git-cache'),
      project: 'gcc-linaro',
      statuses: ['Needs review', 'Work in progress'],
      repository_paths: [fork, 'gcc-linaro', '~alice/gcc-linaro/+git/nosuch'],
      ref_path: hostile,
      credentials,
      comment_on: intoMaster,
      subject: 'Re: [Merge] lp:~alice/gcc-linaro/+git/gcc-linaro:topic into lp:gcc-linaro:master',
      content: posted,
      vote: 'Approve',
      review_type: 'cbuild-bot',
    };
    sim.clearRequests();
    const result = await run([SCRIPT, JSON.stringify(job)], home);
    assert.equal(result.code, 0, `launchpadlib failed:\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as GitReport;
    const api10 = (link: string) => link.replace(`${world.root}devel/`, `${world.root}1.0/`);

    const [forkRepo, defaultRepo, nosuch] = report.repositories;
    assert.equal(nosuch, null, 'getByPath answers None for a path without a repository');
    assert.deepEqual(
      { ...defaultRepo, self_link: api10(defaultRepo!.self_link), proposals: defaultRepo!.proposals.map(api10) },
      {
        self_link: `${world.root}1.0/${trunk}`,
        unique_name: trunk,
        git_identity: 'lp:gcc-linaro',
        display_name: 'lp:gcc-linaro',
        git_https_url: `${world.root}git/gcc-linaro`,
        git_ssh_url: 'git+ssh://git.launchpad.test/gcc-linaro',
        default_branch: 'refs/heads/master',
        target_default: true,
        owner: 'linaro-toolchain',
        target: 'gcc-linaro',
        proposals: [intoMaster, intoRelease],
      },
    );
    assert.deepEqual([forkRepo!.unique_name, forkRepo!.git_identity, forkRepo!.target_default, forkRepo!.proposals], [fork, `lp:${fork}`, false, []]);
    // The devel lookups went to devel; everything else stayed on 1.0.
    const develOps = sim.requests.filter((r) => r.path.startsWith('/devel/') && r.operation).map((r) => r.operation);
    assert.deepEqual([...new Set(develOps)].sort(), ['getByPath', 'getMergeProposals', 'getRefByPath']);

    assert.equal(report.ref.path, hostile);
    assert.equal(report.ref.commit_sha1, fix);
    assert.equal(report.ref['commit_sha1_in_1.0'], fix);
    assert.equal(report.ref.repository, fork);
    assert.deepEqual(report.ref.landing_targets, [intoRelease]);
    assert.deepEqual(report.ref.landing_candidates, []);
    assert.equal(report.missing_ref, null);

    // What launchpadlib saw of the git proposals is what the TypeScript client sees.
    const expected = (await clientFor(world.root).getMergeProposals({ project: 'gcc-linaro' }, job.statuses)).filter((mp) => mp.source_git_repository_link);
    assert.deepEqual(report.proposals.map((p) => p.self_link), expected.map((mp) => mp.self_link));
    assert.deepEqual(report.proposals.map((p) => ({ ...p, comments: [...p.comments].sort() })), [
      {
        self_link: intoMaster, queue_status: 'Needs review',
        source_git_repository: fork, source_git_path: 'refs/heads/topic', target_git_repository: trunk, target_git_path: 'refs/heads/master',
        prerequisite_git_repository: null, prerequisite_git_path: null, source_branch: null, target_branch: null, prerequisite_branch: null,
        preview_diff: { source_revision_id: topic, target_revision_id: master },
        comments: [...older].sort(),
      },
      {
        self_link: intoRelease, queue_status: 'Work in progress',
        source_git_repository: fork, source_git_path: hostile, target_git_repository: trunk, target_git_path: 'refs/heads/gcc-4_8',
        prerequisite_git_repository: null, prerequisite_git_path: null, source_branch: null, target_branch: null, prerequisite_branch: null,
        preview_diff: { source_revision_id: fix, target_revision_id: release },
        comments: [],
      },
    ]);

    // The comment and its vote arrived as the token's person.
    const stored = sim.commentsOf(intoMaster).at(-1)!;
    assert.deepEqual([stored.author, stored.subject, stored.content, stored.vote, stored.reviewType], [BOT_TOKEN.person, job.subject, posted, 'Approve', 'cbuild-bot']);
    assert.deepEqual(report.created, { self_link: `${intoMaster}/comments/${stored.id}`, content: posted, vote: 'Approve', vote_tag: 'cbuild-bot', author: BOT_TOKEN.person });
  });

  it('logs in with login_with through the simulator\'s token pages, and reads `me` with the token', async () => {
    const credentialsFile = join(home, 'login-credentials');
    const job = { login: true, root: world.root, cache: join(home, 'login-cache'), consumer: 'cbuild-bot', credentials_file: credentialsFile };
    let page: URL | undefined;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(PYTHON, [SCRIPT, JSON.stringify(job)], { env: { ...PYTHON_ENV, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        const line = /^(\{"authorize".*\})$/m.exec(stdout)?.[1];
        if (line && !page) {
          page = new URL((JSON.parse(line) as { authorize: string }).authorize);
          // The person approves a moment later, while launchpadlib polls +access-token.
          setTimeout(() => world.sim.authorizeRequestToken(page!.searchParams.get('oauth_token')!, BOT_TOKEN.person, 'WRITE_PUBLIC'), 300);
        }
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    assert.equal(result.code, 0, `launchpadlib failed:\n${result.stderr}`);
    assert.equal(`${page?.origin}${page?.pathname}`, `${world.root}+authorize-token`);
    assert.deepEqual(page?.searchParams.getAll('allow_permission'), ['WRITE_PUBLIC']);
    assert.deepEqual(JSON.parse(result.stdout.trim().split('\n').pop()!), { me: 'cbuild', display_name: 'Linaro CBuild' });
    const paths = world.sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.equal(paths[0], 'POST /+request-token 200');
    assert.ok(paths.includes('POST /+access-token 401') && paths.includes('POST /+access-token 200'), paths.join('\n'));
    assert.ok(paths.includes('GET /1.0/people/+me 303') && paths.includes('GET /1.0/~cbuild 200'), 'me: people/+me, redirected to the person');
    // launchpadlib wrote the file the bot reads.
    assert.equal(statSync(credentialsFile).mode & 0o777, 0o600);
    const saved = readCredentialsFile(credentialsFile);
    assert.equal(saved.consumerKey, 'cbuild-bot');
    await clientFor(world.root, saved).createComment(world.into46, { subject: 'Re: login', content: 'logged in by launchpadlib' });
    assert.equal(world.sim.commentsOf(world.into46)[0].author, 'cbuild');
  });
});
