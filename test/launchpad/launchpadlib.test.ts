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
