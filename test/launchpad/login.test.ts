/**
 * `cbuild-bot login` as a person runs it, against the Launchpad simulator:
 * the test plays the person, reading the page to open from the command's
 * output and approving (or declining) it there while the command polls.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/config.js';
import { readCredentialsFile } from '../../src/launchpad/credentials.js';
import { webRootFor } from '../../src/launchpad/login.js';
import { LaunchpadSimulator, type ReviewPermission } from '../../src/launchpad/simulator.js';
import { clientFor } from './fixture.js';

const CLI = join(projectRoot(), 'dist', 'src', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onPage` gets the request token of the approval page as soon as it is printed. */
function login(args: string[], onPage?: (token: string, url: URL) => void, cwd = tmpdir()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.CBUILD_BOT_LP_CREDENTIALS;
    const child = spawn(process.execPath, [CLI, 'login', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let seen = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      const page = /^ {2}(http\S+\+authorize-token\?\S+)$/m.exec(stdout)?.[1];
      if (page && !seen) {
        seen = true;
        const url = new URL(page);
        onPage?.(url.searchParams.get('oauth_token')!, url);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cbuild-bot login', function () {
  this.timeout(30_000);
  let sim: LaunchpadSimulator;
  let root: string;
  let dir: string;
  let now: number;
  let proposal: string;

  beforeEach(async () => {
    now = Date.now();
    sim = new LaunchpadSimulator({ clock: () => new Date(now) });
    root = await sim.start();
    sim.addPerson('cbuild-bot', 'CBuild bot');
    sim.addPerson('alice', 'Alice');
    sim.addProject('gcc-linaro', 'GCC Linaro');
    const trunk = sim.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    const topic = sim.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'topic' });
    sim.pushRevisions(trunk, 2);
    sim.pushRevisions(topic, 1);
    proposal = sim.createMergeProposal({ source: topic, target: trunk, registrant: 'alice' });
    dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-login-'));
  });

  afterEach(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const approveAs = (person: string, permission: ReviewPermission) => (token: string) => sim.authorizeRequestToken(token, person, permission);

  it('prints the approval page, waits for the approval and writes a 0600 credentials file the API accepts', async () => {
    const file = join(dir, 'secrets', 'launchpad-credentials');
    const config = join(dir, 'bot.config.json');
    const shipped = JSON.parse(readFileSync(join(projectRoot(), 'bot.config.json'), 'utf8'));
    shipped.launchpad = { ...shipped.launchpad, serviceRoot: root, credentialsFile: 'secrets/launchpad-credentials' };
    for (const target of Object.values(shipped.targets) as { lava: { template: string } }[]) target.lava.template = join(projectRoot(), target.lava.template);
    writeFileSync(config, JSON.stringify(shipped));
    let page: URL | undefined;
    const run = await login(['--config', config], (token, url) => {
      page = url;
      // The person takes a moment: login keeps asking until then.
      setTimeout(() => approveAs('cbuild-bot', 'WRITE_PUBLIC')(token), 1500);
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(`${page?.origin}${page?.pathname}`, `${root}+authorize-token`);
    assert.deepEqual(page?.searchParams.getAll('allow_permission'), ['WRITE_PUBLIC']);
    assert.match(run.stdout, /choose "Change Non-Private Data":/);
    assert.match(run.stdout, /The bot asks for WRITE_PUBLIC \("Change Non-Private Data"\) because it posts comments and review votes\non public merge proposals/);
    assert.match(run.stdout, new RegExp(`Approved\\. Wrote ${file.replace(/[.]/g, '\\.')} \\(mode 0600; `));
    assert.match(run.stdout, /Launchpad knows the token as ~cbuild-bot \(CBuild bot\)\.\n$/);
    const polls = sim.requests.filter((r) => r.path === '/+access-token');
    assert.ok(polls.length >= 2, `login asked again while the person had not decided (${polls.length} polls)`);
    assert.deepEqual(polls.slice(0, -1).map((r) => r.status), polls.slice(0, -1).map(() => 401));

    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    const credentials = readCredentialsFile(file);
    assert.equal(credentials.consumerKey, 'cbuild-bot');
    assert.equal(credentials.consumerSecret, '');
    assert.match(credentials.accessToken, /^\w{20}$/);
    for (const secret of [credentials.accessToken, credentials.accessSecret]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'the token never appears in the output');
    }
    await clientFor(root, credentials).createComment(proposal, { subject: 'Re: topic', content: 'cbuild-bot can comment now' });
    assert.deepEqual(sim.commentsOf(proposal).map((c) => [c.author, c.content]), [['cbuild-bot', 'cbuild-bot can comment now']]);
  });

  it('says so when the person declines, and writes nothing', async () => {
    const file = join(dir, 'credentials');
    const run = await login(['--service-root', root, '--credentials', file], approveAs('cbuild-bot', 'UNAUTHORIZED'));
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'cbuild-bot login: the request was declined on Launchpad ("End-user refused to authorize request token."); nothing was written\n');
    assert.ok(!existsSync(file));
  });

  it('says so when Launchpad let the request token expire, and when nobody approves in time', async () => {
    const file = join(dir, 'credentials');
    const expired = await login(['--service-root', root, '--credentials', file], (token) => {
      approveAs('cbuild-bot', 'WRITE_PUBLIC')(token);
      now += 2 * 3600_000; // before login asks again
    });
    assert.equal(expired.code, 1);
    assert.equal(
      expired.stderr,
      'cbuild-bot login: Launchpad let the request token expire (request tokens last 2 hours from when they are made) ' +
        '("This request token has expired and can no longer be exchanged for an access token."); nothing was written\n',
    );
    const late = await login(['--service-root', root, '--credentials', file, '--timeout', '2']);
    assert.equal(late.code, 1);
    assert.equal(late.stderr, 'cbuild-bot login: nobody approved the request within 2 s; nothing was written\n');
    assert.ok(!existsSync(file));
  });

  it('keeps an existing credentials file unless --force, and asks Launchpad nothing until then', async () => {
    const file = join(dir, 'credentials');
    writeFileSync(file, 'the old token\n', { mode: 0o600 });
    const kept = await login(['--service-root', root, '--credentials', file]);
    assert.equal(kept.code, 2);
    assert.equal(kept.stderr, `cbuild-bot login: ${file} exists already; give --force to replace it\n`);
    assert.equal(sim.requests.length, 0);
    const replaced = await login(['--service-root', root, '--credentials', file, '--force'], approveAs('cbuild-bot', 'WRITE_PUBLIC'));
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(readCredentialsFile(file).consumerKey, 'cbuild-bot');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('names a bad option value, and needs to know where to write', async () => {
    const bad = await login(['--service-root', 'nowhere', '--credentials', join(dir, 'c')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^cbuild-bot login: --service-root: "nowhere" is neither a URL nor one of production, qastaging, staging, dogfood, dev, test_dev\n$/);
    const timeout = await login(['--timeout', 'soon']);
    assert.equal(timeout.code, 2);
    assert.equal(timeout.stderr, 'cbuild-bot login: --timeout: expected a number of seconds, not "soon" (see cbuild-bot login --help)\n');
    const nowhere = await login(['--service-root', root], undefined, dir); // no ./bot.config.json there
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /where should the credentials go\? Give --credentials FILE/);
  });

  it('finds the web root as launchpadlib does', () => {
    assert.equal(webRootFor('https://api.launchpad.net/'), 'https://launchpad.net/');
    assert.equal(webRootFor('https://api.launchpad.net/1.0/'), 'https://launchpad.net/');
    assert.equal(webRootFor('production'), 'https://launchpad.net/');
    assert.equal(webRootFor('staging'), 'https://staging.launchpad.net/');
    assert.equal(webRootFor('http://127.0.0.1:8085/'), 'http://127.0.0.1:8085/', 'the simulator is its own web root');
  });
});
