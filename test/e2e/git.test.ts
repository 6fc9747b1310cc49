/**
 * Git merge proposals end to end through the simulators (real HTTP, real
 * sqlite, the wiring of `cbuild-bot once`): what a quiet cycle costs on
 * Launchpad, hostile-but-legal ref names all the way into the LAVA job, a new
 * commit superseding the old request, baselines from the target ref, comment
 * commands, `cbuild-bot schedule --repository` through the real CLI, dailies
 * on a ref, and each way of watching a repository.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { markers, botComments, startHarness, cycleUntil, type Harness } from './harness.js';
import type { WiredBot } from '../../src/app/wiring.js';
import type { RequestRow } from '../../src/core/model.js';
import type { LavaSimJob } from '../../src/lava/simulator-lab.js';
import { projectRoot } from '../../src/config/config.js';
import { runCli } from '../support/cli.js';

const TEMPLATE = join(projectRoot(), 'templates/lava/gcc-build.yaml');
const GIT_TRUNK = '~linaro-toolchain/gcc-linaro/+git/gcc-linaro';

/**
 * Ref names `git check-ref-format` accepts (checked below) that are special
 * to YAML or the shell: command substitution, quotes of both kinds, `;`, `&`,
 * `|`, redirections, `#`, `%`, braces, a component starting with `-`, and
 * a path that looks like a proposal's URL.
 */
const HOSTILE_REFS = [
  `refs/heads/a$(touch\${IFS}pwned);b'c"d&e`,
  'refs/heads/`touch${IFS}pwned2`|<z>#!%{w}=yes',
  'refs/heads/-dash/ü-ñ-☃/+merge/1',
];


function comment(h: Harness, link: string, marker: string): string {
  const found = botComments(h, link).find((c) => c.content.endsWith(`cbuild-bot-ref: ${marker}`));
  assert.ok(found, `no ${marker} comment on ${link}; markers: ${markers(h, link).join(', ')}`);
  return found.content;
}
function resultsCount(h: Harness, link: string): number {
  return markers(h, link).filter((m) => m.endsWith('/results')).length;
}
function lavaJobsOf(h: Harness, requestId: number): LavaSimJob[] {
  return h.lava.jobs().filter((j) => j.description.startsWith(`cbuild-bot r${requestId} `));
}
async function requestsOf(wired: WiredBot, link: string): Promise<RequestRow[]> {
  const proposal = await wired.store.proposalByLink(link);
  assert.ok(proposal, `the bot does not know ${link}`);
  return wired.store.requestsOfProposals([proposal.id]);
}
/** What the CBuild scheduler says of each of a request's CBuild jobs, read from the job URLs the bot recorded. */
async function cbuildJobStates(wired: WiredBot, requestId: number): Promise<string[]> {
  const builds = ((await wired.store.buildsOfRequests([requestId])).get(requestId) ?? []).filter((b) => b.backend === 'cbuild');
  return Promise.all(
    builds.map(async (b) => {
      assert.ok(b.job_url, `CBuild build ${b.submit_key} has no job URL`);
      const res = await fetch(b.job_url);
      assert.equal(res.status, 200, b.job_url);
      return ((await res.json()) as { state: string }).state;
    }),
  );
}

/** The structure of a YAML document: keys and list lengths, with every scalar reduced to its type. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

interface JobDocument {
  metadata: Record<string, string>;
  actions: { test?: { definitions: { repository: { run: { steps: string[] } } }[] } }[];
}

function stepsOf(doc: JobDocument): string[] {
  const test = doc.actions.find((a) => a.test)!.test!;
  return test.definitions[0].repository.run.steps;
}

describe('e2e: git merge proposals', function () {
  this.timeout(90_000);
  let h: Harness;
  let wired: WiredBot;

  afterEach(async () => {
    await h?.close();
  });

  it('costs a quiet cycle one request per page of proposals and one conditional GET (a 304) per source ref', async () => {
    h = await startHarness({ batchSize: 2 });
    h.lp.pushCommits(h.gitTrunk, 'refs/heads/gcc-4_8', 2);
    const proposals = ['p1', 'p2', 'p3'].map((name) => h.proposeGit('frank', name));
    // p1 is proposed into two refs: its source ref is still read once per cycle.
    const backport = h.lp.createMergeProposal({ source: proposals[0].repository, sourceRef: proposals[0].ref, target: h.gitTrunk, targetRef: 'refs/heads/gcc-4_8', registrant: 'frank' });
    const links = [...proposals.map((p) => p.link), backport];
    wired = await h.wire();
    await cycleUntil(wired, () => links.every((l) => resultsCount(h, l) === 1));

    h.lp.clearRequests();
    const quiet = await wired.bot.runCycle();
    const repository = '/1.0/~frank/gcc-linaro/+git/gcc-linaro';
    assert.deepEqual(h.lp.requests.map((r) => `${r.method} ${r.operation ?? r.path} ${r.status}`), [
      'GET getMergeProposals 200',
      'GET getMergeProposals 200',
      `GET ${repository}/+ref/p1 304`,
      `GET ${repository}/+ref/p2 304`,
      `GET ${repository}/+ref/p3 304`,
    ]);
    assert.equal(quiet.notModified, 3, 'the cycle counts the 304s');
    assert.equal(quiet.requestsCreated, 0);
    // The ETags are in the store: after a restart the cycle is just as quiet.
    await wired.close();
    wired = await h.wire();
    h.lp.clearRequests();
    await wired.bot.runCycle();
    assert.deepEqual(h.lp.requests.map((r) => r.status), [200, 200, 304, 304, 304]);

    // A push to p2 costs its ref (200, new ETag) and the target ref's conditional GET (the branch point).
    const pushed = h.lp.pushCommits(proposals[1].repository, proposals[1].ref, 1);
    h.lp.clearRequests();
    const busy = await wired.bot.runCycle();
    assert.deepEqual(h.lp.requests.filter((r) => r.method === 'GET').map((r) => `${r.operation ?? r.path} ${r.status}`), [
      'getMergeProposals 200',
      'getMergeProposals 200',
      `${repository}/+ref/p1 304`,
      `${repository}/+ref/p2 200`,
      `/1.0/${GIT_TRUNK}/+ref/master 304`,
      `${repository}/+ref/p3 304`,
    ]);
    assert.equal(busy.requestsCreated, 1);
    const newest = (await requestsOf(wired, proposals[1].link)).at(-1)!;
    assert.deepEqual(newest.revision, { id: pushed, revno: null });
  });

  it('carries hostile-but-legal ref names into the LAVA job as single quoted values, and the checkout runs exactly that ref and commit', async () => {
    for (const ref of HOSTILE_REFS) execFileSync('git', ['check-ref-format', ref]); // git accepts each of them
    h = await startHarness();
    const mps = HOSTILE_REFS.map((ref) => h.proposeGit('eve', ref.slice('refs/heads/'.length)));
    wired = await h.wire();
    await cycleUntil(wired, () => mps.every((mp) => resultsCount(h, mp.link) === 1));

    const template = YAML.parse(readFileSync(TEMPLATE, 'utf8'), { version: '1.1' }) as unknown;
    const work = mkdtempSync(join(tmpdir(), 'cbuild-bot-e2e-git-'));
    try {
      const bin = join(work, 'bin');
      mkdirSync(bin);
      const argvLog = join(work, 'git-argv');
      // A git that records its arguments, one per line, each call ended by `--`.
      writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${argvLog}'; printf -- '--\\n' >> '${argvLog}'\n`);
      chmodSync(join(bin, 'git'), 0o755);

      for (const [i, mp] of mps.entries()) {
        const ref = HOSTILE_REFS[i];
        const [request] = await requestsOf(wired, mp.link);
        const commit = request.revision.id!;
        assert.match(commit, /^[0-9a-f]{40}$/);
        const jobs = lavaJobsOf(h, request.id);
        assert.equal(jobs.length, 2, `one LAVA job per target for ${ref}`);
        for (const job of jobs) {
          const doc = YAML.parse(job.definition, { version: '1.1' }) as JobDocument;
          assert.deepEqual(shape(doc), shape(template), `the job for ${ref} has the template's structure`);
          assert.equal(doc.metadata['cbuild-bot.ref'], ref);
          assert.equal(doc.metadata['cbuild-bot.vcs'], 'git');
          assert.equal(doc.metadata['cbuild-bot.source'], `lp:${mp.repository}:${ref.slice('refs/heads/'.length)}`);
          assert.equal(doc.metadata['cbuild-bot.revision'], commit);
          const url = doc.metadata['cbuild-bot.repository-url'];
          assert.equal(url, `${h.lp.root}git/${mp.repository}`);

          // Run the checkout step as the device would, with the recording git first on PATH.
          const checkout = stepsOf(doc).find((s) => s.startsWith('case '))!;
          const cwd = join(work, `job-${job.id}`);
          mkdirSync(join(cwd, 'logs'), { recursive: true });
          rmSync(argvLog, { force: true });
          // stdin not a socket: bash would take itself for an rsh session and read ~/.bashrc.
          execFileSync('/bin/bash', ['-c', checkout], { cwd, env: { PATH: `${bin}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] });
          const calls = readFileSync(argvLog, 'utf8').split('--\n').filter(Boolean).map((c) => c.split('\n').filter((_, k, all) => k < all.length - 1));
          assert.deepEqual(calls, [
            ['init', '--quiet', 'gcc-src'],
            ['-C', 'gcc-src', 'fetch', '--quiet', '--end-of-options', url, ref],
            ['-C', 'gcc-src', 'checkout', '--quiet', '--detach', commit],
          ]);
          assert.deepEqual(readdirSync(cwd), ['logs'], 'nothing in the ref ran');
          // The step that names the source prints it whole.
          const banner = stepsOf(doc).find((s) => s.startsWith("printf 'cbuild-bot building "))!;
          const printed = execFileSync('/bin/bash', ['-c', banner], { cwd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          assert.equal(printed, `cbuild-bot building ${doc.metadata['cbuild-bot.cbuild-job']} (${doc.metadata['cbuild-bot.source']} at ${commit}) into \n`);
          assert.deepEqual(readdirSync(cwd), ['logs']);
        }
        // The CBuild side got the same ref, whole.
        const specs = h.toolchain.specs.filter((s) => s.backend === 'cbuild' && s.source === mp.repository);
        assert.ok(specs.some((s) => s.ref === ref && s.revision === commit), `CBuild built ${ref} at ${commit}`);
        assert.ok(comment(h, mp.link, `${request.id}/results`).includes(`lp:${mp.repository}:${ref.slice('refs/heads/'.length)}`));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('supersedes the old request on a new commit and cancels its jobs on LAVA and CBuild', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 3000;
    const mp = h.proposeGit('dave', 'sched');
    wired = await h.wire();
    const running = async () => {
      const [request] = await requestsOf(wired, mp.link).catch(() => [] as RequestRow[]);
      if (!request) return false;
      return lavaJobsOf(h, request.id).filter((j) => j.state === 'Running').length === 2 && (await cbuildJobStates(wired, request.id)).includes('running');
    };
    await cycleUntil(wired, running);
    const [old] = await requestsOf(wired, mp.link);
    const commit = h.lp.pushCommits(mp.repository, mp.ref, 1);
    h.toolchain.durationMs = 100;
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);

    const requests = await requestsOf(wired, mp.link);
    assert.deepEqual(requests.map((r) => [r.revision.id, r.state]), [[old.revision.id, 'superseded'], [commit, 'done']]);
    assert.deepEqual(lavaJobsOf(h, old.id).map((j) => [j.state, j.health]), [['Finished', 'Canceled'], ['Finished', 'Canceled']]);
    await cycleUntil(wired, async () => (await cbuildJobStates(wired, old.id)).every((s) => s === 'cancelled'));
    const results = comment(h, mp.link, `${requests[1].id}/results`);
    assert.ok(results.includes(commit.slice(0, 7)), results);
    assert.ok(!results.includes(old.revision.id!.slice(0, 7)), 'only the new commit is reported');
    assert.ok(!markers(h, mp.link).includes(`${old.id}/results`));
  });

  it('stops a merged git proposal: its running builds are cancelled on both backends and no results are posted', async () => {
    h = await startHarness();
    h.toolchain.durationMs = 5000;
    const mp = h.proposeGit('erin', 'merged-soon');
    wired = await h.wire();
    await cycleUntil(wired, async () => {
      const [request] = await requestsOf(wired, mp.link).catch(() => [] as RequestRow[]);
      return !!request && lavaJobsOf(h, request.id).filter((j) => j.state === 'Running').length === 2;
    });
    const [request] = await requestsOf(wired, mp.link);
    h.lp.setStatus(mp.link, 'Merged');
    await cycleUntil(wired, async () => lavaJobsOf(h, request.id).every((j) => j.health === 'Canceled') && (await cbuildJobStates(wired, request.id)).every((s) => s === 'cancelled'));
    const proposal = (await wired.store.proposalByLink(mp.link))!;
    assert.deepEqual([proposal.tracked, proposal.queue_status, (await wired.store.request(request.id))!.state], [false, 'Merged', 'closed']);
    assert.ok(!markers(h, mp.link).includes(`${request.id}/results`));
  });

  it('builds the baseline from the target ref\'s commit when the proposal\'s commit was seen, and a new one after both moved', async () => {
    h = await startHarness();
    const mp = h.proposeGit('lena', 'base');
    const master = h.lp.pushCommits(h.gitTrunk, 'refs/heads/master', 1);
    wired = await h.wire();
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);
    const [first] = await requestsOf(wired, mp.link);
    const base = (await wired.store.request(first.base_request_id!))!;
    assert.deepEqual([base.kind, base.source, base.revision], ['baseline', { vcs: 'git', path: GIT_TRUNK, ref: 'refs/heads/master' }, { id: master, revno: null }]);
    const baselineSpecs = h.toolchain.specs.filter((s) => s.source === GIT_TRUNK);
    assert.deepEqual(baselineSpecs.map((s) => [s.ref, s.revision]).sort(), Array(4).fill(['refs/heads/master', master]));
    const results = comment(h, mp.link, `${first.id}/results`);
    assert.ok(results.includes(`lp:${GIT_TRUNK}:master`) && results.includes(master.slice(0, 7)), results);

    // The target moving alone starts nothing; the next commit of the proposal is compared with the new target commit.
    const master2 = h.lp.pushCommits(h.gitTrunk, 'refs/heads/master', 1);
    await wired.bot.runCycle();
    assert.equal((await requestsOf(wired, mp.link)).length, 1);
    h.lp.pushCommits(mp.repository, mp.ref, 1);
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 2);
    const second = (await requestsOf(wired, mp.link)).find((r) => r.id !== first.id)!;
    const base2 = (await wired.store.request(second.base_request_id!))!;
    assert.deepEqual(base2.revision, { id: master2, revno: null });
    assert.ok(comment(h, mp.link, `${second.id}/results`).includes(master2.slice(0, 7)));
  });

  it('obeys `cbuild-bot: rebuild` and `cbuild-bot: cancel` from a trusted reviewer on a git proposal', async () => {
    h = await startHarness();
    h.lp.addPerson('rita', 'Rita Reviewer');
    const mp = h.proposeGit('pat', 'vectorizer');
    const config = { commands: { trusted: ['rita'] } };
    wired = await h.wire({ config });
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);
    const [proposalRequest] = await requestsOf(wired, mp.link);

    h.toolchain.durationMs = 20_000;
    h.lp.addComment(mp.link, 'rita', 'cbuild-bot: rebuild x86_64');
    await wired.bot.runCycle();
    const rebuild = (await requestsOf(wired, mp.link)).find((r) => r.origin === 'rebuild');
    assert.ok(rebuild, 'a rebuild request');
    assert.deepEqual([rebuild.source, rebuild.revision, rebuild.requested_by], [proposalRequest.source, proposalRequest.revision, 'rita']);
    const builds = (await wired.store.buildsOfRequests([rebuild.id])).get(rebuild.id)!;
    assert.deepEqual(builds.map((b) => `${b.target}/${b.backend}`), ['x86_64/cbuild', 'x86_64/lava']);
    const [job] = lavaJobsOf(h, rebuild.id);
    assert.equal((YAML.parse(job.definition, { version: '1.1' }) as JobDocument).metadata['cbuild-bot.revision'], proposalRequest.revision.id);
    assert.ok(comment(h, mp.link, `${rebuild.id}/ack`).includes(`lp:${mp.repository}:vectorizer`));

    h.lp.addComment(mp.link, 'rita', 'cbuild-bot: cancel');
    await cycleUntil(wired, async () => (await wired.store.request(rebuild.id))!.state === 'cancelled' && lavaJobsOf(h, rebuild.id).every((j) => j.health === 'Canceled'));
    await cycleUntil(wired, async () => (await cbuildJobStates(wired, rebuild.id)).every((s) => s === 'cancelled'));
    const replies = botComments(h, mp.link).filter((c) => /cbuild-bot-ref: command\//.test(c.content));
    assert.equal(replies.length, 1);
    assert.match(replies[0].content, /^~rita: cancelled the builds of /);
    assert.ok(replies[0].content.includes(proposalRequest.revision.id!.slice(0, 7)), replies[0].content);
    assert.ok(!markers(h, mp.link).includes(`${rebuild.id}/results`));
  });

  it('schedules a git build by hand with the real CLI: an older commit of a ref for a proposal, and a repository\'s default branch', async () => {
    h = await startHarness();
    h.lp.addPerson('sam', 'Sam');
    const repository = h.lp.addGitRepository({ owner: 'sam', project: 'gcc-linaro', name: 'gcc-linaro' });
    const older = h.lp.pushCommits(repository, 'refs/heads/manual', 1);
    const mp = h.proposeGit('sam', 'manual'); // two more commits on top of `older`
    wired = await h.wire();
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);
    const web = (await wired.store.proposalByLink(mp.link))!.web_link;
    const env = { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile };
    const config = join(h.dir, 'bot.config.json');

    const run = await runCli(['schedule', '--config', config, '--repository', `lp:${repository}`, '--ref', 'refs/heads/manual', '--commit', older, '--target', 'a9hf', '--backend', 'lava', '--mp', web], env);
    assert.equal(run.code, 0, run.stderr);
    const line = new RegExp(`^scheduled request (\\d+): lp:~sam/gcc-linaro/\\+git/gcc-linaro:manual @ ${older.slice(0, 7)}, results will be commented on the proposal$`, 'm');
    const id = Number(line.exec(run.stdout)?.[1]);
    assert.ok(id > 0, run.stdout);
    assert.match(run.stdout, /^a9hf +LAVA +queued +http:\S+\/scheduler\/job\/\d+$/m);
    const [job] = lavaJobsOf(h, id);
    const doc = YAML.parse(job.definition, { version: '1.1' }) as JobDocument;
    assert.deepEqual([doc.metadata['cbuild-bot.ref'], doc.metadata['cbuild-bot.revision']], ['refs/heads/manual', older]);
    assert.ok(stepsOf(doc).some((s) => s.includes(`checkout --quiet --detach '${older}'`)));
    await cycleUntil(wired, () => markers(h, mp.link).includes(`${id}/results`));
    assert.ok(h.toolchain.specs.some((s) => s.backend === 'lava' && s.ref === 'refs/heads/manual' && s.revision === older));
    assert.ok(comment(h, mp.link, `${id}/results`).includes(older.slice(0, 7)));
    assert.deepEqual((await wired.store.buildsOfRequests([id])).get(id)!.map((b) => [b.target, b.backend, b.state]), [['a9hf', 'lava', 'passed']]);

    // Without --ref: the repository's default branch; lp:gcc-linaro is the project's default repository.
    const tip = await runCli(['schedule', '--config', config, '--repository', 'lp:gcc-linaro', '--backend', 'cbuild', '--target', 'x86_64'], env);
    assert.equal(tip.code, 0, tip.stderr);
    const adhoc = Number(/^scheduled request (\d+): lp:~linaro-toolchain\/gcc-linaro\/\+git\/gcc-linaro:master @ [0-9a-f]{7}$/m.exec(tip.stdout)?.[1]);
    const request = (await wired.store.request(adhoc))!;
    assert.deepEqual([request.kind, request.source.ref], ['adhoc', 'refs/heads/master']);

    for (const [args, message] of [
      [['--repository', `lp:${repository}`, '--ref', 'refs/heads/a..b'], /--ref "refs\/heads\/a\.\.b" is not a git ref name/],
      [['--repository', `lp:${repository}`, '--commit', 'abc123'], /--commit "abc123" is not a full commit id/],
      [['--repository', `lp:${repository}`, '--revision', '2'], /--revision N goes with a bzr --branch; for git give --commit SHA/],
      [['--repository', 'lp:~sam/gcc-linaro/+git/nosuch'], /no git repository at lp:~sam\/gcc-linaro\/\+git\/nosuch/],
    ] as const) {
      const bad = await runCli(['schedule', '--config', config, ...args], env);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
    }
  });

  it('builds a git ref daily only when its commit is new, and proposals branched there reuse it as their baseline', async () => {
    h = await startHarness();
    const dailies = [{ repository: 'lp:gcc-linaro', ref: 'refs/heads/master', schedule: '0 2 * * *' }, { repository: 'lp:gcc-linaro', schedule: '0 3 * * *' }];
    wired = await h.wire({ config: { dailies } });
    const first = await wired.bot.runDaily(dailies[0]);
    assert.ok(first.request, first.message);
    assert.deepEqual([first.request.kind, first.request.origin, first.request.source], ['baseline', 'daily', { vcs: 'git', path: GIT_TRUNK, ref: 'refs/heads/master' }]);
    const builds = (await wired.store.buildsOfRequests([first.request.id])).get(first.request.id)!;
    assert.equal(builds.length, 4, 'every target and backend');
    // The default branch is the same ref: already built.
    const again = await wired.bot.runDaily(dailies[1]);
    assert.equal(again.request, null);
    assert.match(again.message, new RegExp(`^lp:gcc-linaro ${first.request.revision.id!.slice(0, 7)} was already built \\(request ${first.request.id}\\)$`));

    const commit = h.lp.pushCommits(h.gitTrunk, 'refs/heads/master', 1);
    const next = await wired.bot.runDaily(dailies[1]);
    assert.deepEqual(next.request?.revision, { id: commit, revno: null });
    const mp = h.proposeGit('vic', 'after-daily');
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);
    const [request] = await requestsOf(wired, mp.link);
    assert.equal(request.base_request_id, next.request!.id, 'compared with the daily of that commit');
  });

  it('finds the proposals of a repository, or only those into one ref, when the config watches a repository', async () => {
    h = await startHarness();
    h.lp.pushCommits(h.gitTrunk, 'refs/heads/gcc-4_8', 2);
    const intoMaster = h.proposeGit('ann', 'topic');
    const repository = intoMaster.repository;
    h.lp.pushCommits(repository, 'refs/heads/backport', 2);
    const intoRelease = h.lp.createMergeProposal({ source: repository, sourceRef: 'refs/heads/backport', target: h.gitTrunk, targetRef: 'refs/heads/gcc-4_8', registrant: 'ann' });
    const bzr = h.propose('ann', 'bzr-work');
    const tracked = async () => (await wired.store.allProposals()).filter((p) => p.tracked).map((p) => p.self_link).sort();

    wired = await h.wire({ config: { launchpad: { ...h.config.launchpad, watch: [{ repository: 'lp:gcc-linaro' }] } } });
    await wired.bot.runCycle();
    assert.deepEqual(await tracked(), [intoMaster.link, intoRelease].sort());
    await wired.close();

    rmSync(h.config.database);
    wired = await h.wire({ config: { launchpad: { ...h.config.launchpad, watch: [{ repository: `lp:${GIT_TRUNK}`, ref: 'refs/heads/gcc-4_8' }] } } });
    await wired.bot.runCycle();
    assert.deepEqual(await tracked(), [intoRelease]);
    assert.ok(!(await tracked()).includes(bzr.link));
    await cycleUntil(wired, () => resultsCount(h, intoRelease) === 1);
    assert.ok(comment(h, intoRelease, markers(h, intoRelease).find((m) => m.endsWith('/ack'))!).includes(`lp:${repository}:backport`));

    // A quiet cycle: the page and the source ref; the repository and ref were looked up (devel only) in an earlier cycle.
    h.lp.clearRequests();
    await wired.bot.runCycle();
    assert.deepEqual(h.lp.requests.map((r) => `${r.path.split('/')[1]} ${r.operation ?? r.path} ${r.status}`), [
      'devel getMergeProposals 200',
      `1.0 /1.0/${repository}/+ref/backport 304`,
    ]);
  });

  it('says once that a proposal into a private repository (no anonymous URL) cannot be built, and builds the others', async () => {
    h = await startHarness();
    const secret = h.lp.addGitRepository({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'embargoed', httpsUrl: null });
    h.lp.pushCommits(secret, 'refs/heads/master', 1);
    h.lp.addPerson('kim', 'Kim');
    const repository = h.lp.addGitRepository({ owner: 'kim', project: 'gcc-linaro', name: 'gcc-linaro' });
    h.lp.pushCommits(repository, 'refs/heads/fix', 1);
    const intoPrivate = h.lp.createMergeProposal({ source: repository, sourceRef: 'refs/heads/fix', target: secret, targetRef: 'refs/heads/master', registrant: 'kim' });
    const other = h.proposeGit('dev', 'topic');
    wired = await h.wire();
    await cycleUntil(wired, () => resultsCount(h, other.link) === 1);
    await wired.bot.runCycle();

    const notices = botComments(h, intoPrivate);
    assert.equal(notices.length, 1, notices.map((c) => c.content).join('\n---\n'));
    assert.match(notices[0].content, /^cbuild-bot cannot build this proposal: git repository "~linaro-toolchain\/gcc-linaro\/\+git\/embargoed" has no anonymous https URL \(a private repository\?\)/);
    assert.equal(h.lava.jobs().filter((j) => j.description.includes('~kim~')).length, 0);
  });

  it('names the git source and its commit in the acknowledgement and the results comment', async () => {
    h = await startHarness();
    const mp = h.proposeGit('dev', 'topic');
    wired = await h.wire();
    await cycleUntil(wired, () => resultsCount(h, mp.link) === 1);
    const [request] = await requestsOf(wired, mp.link);
    const short = request.revision.id!.slice(0, 7);
    for (const kind of ['ack', 'results']) {
      const text = comment(h, mp.link, `${request.id}/${kind}`);
      assert.ok(text.includes('lp:~dev/gcc-linaro/+git/gcc-linaro:topic'), text);
      assert.ok(text.includes(short), text);
    }
    const [ack] = botComments(h, mp.link);
    for (const name of ['lp:~dev/gcc-linaro/+git/gcc-linaro:topic', `lp:${GIT_TRUNK}:master`]) assert.ok(ack.subject.includes(name), ack.subject);
  });
});
