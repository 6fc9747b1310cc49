import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { CBuildClient, CBuildError } from '../../src/cbuild/client.js';
import { CBuildSimulator, type CBuildSimulatorOptions } from '../../src/cbuild/simulator.js';
import type { BuildOutcome, BuildSpec, Toolchain } from '../../src/cbuild/toolchain.js';
import type { CBuildJob, JobState, SpawnRequest } from '../../src/cbuild/wire.js';
import { HttpClient } from '../../src/http/client.js';

const A9_DIR = 'armv7l-precise-cbuild461-ursa3-cortexa9hfr1';
const GCC_SUM = ['=== gcc tests ===', 'PASS: gcc.dg/pr12345.c (test for excess errors)', 'FAIL: gcc.dg/vect/vect-1.c scan-tree-dump', ''].join('\n');

/** Builds pass unless the branch name says `broken`; `slow` branches take longer. Records what it was asked. */
class FakeToolchain implements Toolchain {
  readonly builds: BuildSpec[] = [];
  build(spec: BuildSpec): BuildOutcome {
    this.builds.push(spec);
    const durationMs = spec.source.includes('slow') ? 800 : 20;
    if (spec.source.includes('broken')) {
      return { result: 'build-failure', durationMs, files: { 'make.log': 'gcc/reload.c:42: error: expected ;\nmake: *** [all] Error 2\n' } };
    }
    return { result: 'pass', durationMs, files: { 'make.log': `building ${spec.target} r${spec.revno}\nmake: done\n`, 'gcc.sum': GCC_SUM } };
  }
}

function spec(branch: string, revno = 115123): SpawnRequest {
  return { vcs: 'bzr', source: branch, ref: null, url: `lp:${branch}`, revision: `user@example.com-20121105120000-${revno}`, revno, target: 'a9hf' };
}

function gitSpec(repository: string, ref: string, commit: string): SpawnRequest {
  return { vcs: 'git', source: repository, ref, url: `https://git.example/${repository}`, revision: commit, revno: null, target: 'a9hf' };
}

describe('CBuild simulator over HTTP', function () {
  let toolchain: FakeToolchain;
  let sim: CBuildSimulator;
  let client: CBuildClient;
  let base: string;

  async function startSimulator(extra: Partial<CBuildSimulatorOptions> = {}): Promise<void> {
    toolchain = new FakeToolchain();
    sim = new CBuildSimulator({
      toolchain,
      hosts: [
        { name: 'ursa3', queue: 'a9hf-ubuntu', arch: 'armv7l', distro: 'precise', config: 'cortexa9hfr1', target: 'a9hf' },
        { name: 'oort8', queue: 'x86_64-ubuntu', arch: 'x86_64', distro: 'precise', config: 'x86_64r1', target: 'x86_64' },
      ],
      timing: { pollMs: 5, updateMs: 5, rebootMs: 30 },
      ...extra,
    });
    base = await sim.start();
    client = new CBuildClient({
      schedulerUrl: sim.schedulerUrl,
      resultsUrl: sim.resultsUrl,
      http: new HttpClient({ retries: 0, timeoutMs: 5000 }),
    });
  }

  beforeEach(() => startSimulator());
  afterEach(() => sim.close());

  async function waitForState(queue: string, name: string, state: JobState, timeoutMs = 3000): Promise<CBuildJob> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await client.getJob(queue, name);
      if (job.state === state) return job;
      if (Date.now() > deadline) assert.fail(`job ${name} is ${job.state}, waited ${timeoutMs} ms for ${state}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function hostState(name: string): Promise<string | undefined> {
    return (await client.listHosts()).find((h) => h.name === name)?.state;
  }

  async function waitForHost(name: string, state: string): Promise<void> {
    const deadline = Date.now() + 3000;
    while ((await hostState(name)) !== state) {
      if (Date.now() > deadline) assert.fail(`host ${name} is ${await hostState(name)}, expected ${state}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function raw(method: string, path: string, body?: string): Promise<{ status: number; body: string; type?: string }> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: res.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('runs a spawned job from queued through running to complete and publishes its files', async () => {
    sim.setHostOffline('ursa3');
    const name = 'gcc-linaro+bzr115123~user~slow-topic~r42';
    const spawned = await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/slow-topic'));
    assert.equal(spawned.state, 'queued');
    assert.equal(spawned.host, null);
    assert.equal(spawned.result_dir_url, null);
    assert.equal(spawned.url, `${base}scheduler/queues/a9hf-ubuntu/jobs/gcc-linaro+bzr115123~user~slow-topic~r42`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await client.getJob('a9hf-ubuntu', name)).state, 'queued', 'no host serves the queue while ursa3 is offline');

    sim.setHostOffline('ursa3', false);
    const running = await waitForState('a9hf-ubuntu', name, 'running');
    assert.equal(running.host, 'ursa3');
    assert.equal(running.result_dir, A9_DIR);
    assert.ok(running.started_at);
    assert.equal(await hostState('ursa3'), 'running');

    const done = await waitForState('a9hf-ubuntu', name, 'complete');
    const resultDirUrl = `${base}build/gcc-linaro+bzr115123~user~slow-topic~r42/logs/${A9_DIR}/`;
    assert.equal(done.result_dir_url, resultDirUrl);
    assert.equal(done.log_url, resultDirUrl + 'make.log');
    assert.ok(done.spawned_at <= done.started_at! && done.started_at! <= done.finished_at!);
    assert.match(done.finished_at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(toolchain.builds, [{ ...spec('~user/gcc-linaro/slow-topic'), backend: 'cbuild' }]);

    assert.deepEqual(await client.listResultDirs(name), [A9_DIR]);
    assert.deepEqual((await client.listResultFiles(name, A9_DIR)).map((f) => f.name), ['gcc.sum', 'make.log']);
    assert.equal((await client.fetchResultFile(name, A9_DIR, 'gcc.sum'))?.toString(), GCC_SUM);
    assert.equal(await client.fetchResultFile(name, A9_DIR, 'g++.sum'), null);
    assert.equal(client.resultDirUrl(name, A9_DIR), resultDirUrl);
    assert.deepEqual(client.locateResultDir(resultDirUrl), { jobName: name, resultDir: A9_DIR });

    const log = await raw('GET', new URL(done.log_url!).pathname);
    assert.equal(log.status, 200);
    assert.equal(log.type, 'text/plain; charset=utf-8');
    assert.match(log.body, /building a9hf r115123/);
    const index = await raw('GET', new URL(resultDirUrl).pathname);
    assert.match(index.type ?? '', /text\/html/);
    assert.match(index.body, /<title>Index of \/build\/gcc-linaro\+bzr115123~user~slow-topic~r42\/logs\/armv7l-precise-cbuild461-ursa3-cortexa9hfr1\/<\/title>/);
    assert.match(index.body, /<a href="gcc.sum">gcc.sum<\/a>/);
    assert.match(index.body, /Parent Directory/);
    await waitForHost('ursa3', 'idle');
  });

  it('reports a make failure as failed, with the make.log published', async () => {
    const name = 'gcc-linaro+bzr115124~user~broken~r43';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/broken', 115124));
    const job = await waitForState('a9hf-ubuntu', name, 'failed');
    assert.ok(job.log_url);
    assert.match((await client.fetchResultFile(name, A9_DIR, 'make.log'))!.toString(), /Error 2/);
    assert.deepEqual((await client.listResultFiles(name, A9_DIR)).map((f) => f.name), ['make.log']);
  });

  it('loses the job when its host dies mid-build; the host lurks, then comes back and builds again', async () => {
    sim.killHostDuringNextJob('ursa3');
    const name = 'gcc-linaro+bzr115125~user~slow-topic~r44';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/slow-topic', 115125));
    const lost = await waitForState('a9hf-ubuntu', name, 'lost');
    assert.equal(lost.host, 'ursa3');
    assert.equal(lost.result_dir_url, null);
    assert.ok(lost.finished_at);
    assert.equal(await hostState('ursa3'), 'lurking');
    assert.deepEqual(await client.listResultDirs(name), []);

    const retry = 'gcc-linaro+bzr115125~user~slow-topic~r45';
    await client.spawn('a9hf-ubuntu', retry, spec('~user/gcc-linaro/slow-topic', 115125));
    assert.equal((await waitForState('a9hf-ubuntu', retry, 'complete')).host, 'ursa3');
  });

  it('kills a host that is already running a job at once', async () => {
    const name = 'gcc-linaro+bzr115135~user~slow-topic~r54';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/slow-topic', 115135));
    await waitForState('a9hf-ubuntu', name, 'running');
    sim.killHostDuringNextJob('ursa3');
    await waitForState('a9hf-ubuntu', name, 'lost');
    assert.throws(() => sim.killHostDuringNextJob('ursa9'), /CBuild simulator has no host "ursa9" \(hosts: ursa3, oort8\)/);
  });

  it('loses the running job when its host is taken offline', async () => {
    const name = 'gcc-linaro+bzr115126~user~slow-topic~r46';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/slow-topic', 115126));
    await waitForState('a9hf-ubuntu', name, 'running');
    sim.setHostOffline('ursa3');
    assert.equal((await client.getJob('a9hf-ubuntu', name)).state, 'lost');
    assert.equal(await hostState('ursa3'), 'lurking');
  });

  it('spawns a job once however often it is spawned, and refuses the name for another revision', async () => {
    sim.setHostOffline('ursa3');
    const name = 'gcc-linaro+bzr115127~user~topic~r47';
    const body = JSON.stringify(spec('~user/gcc-linaro/topic', 115127));
    const first = await raw('PUT', `/scheduler/queues/a9hf-ubuntu/jobs/${name}`, body);
    const second = await raw('PUT', `/scheduler/queues/a9hf-ubuntu/jobs/${name}`, body);
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.deepEqual(JSON.parse(second.body), JSON.parse(first.body));
    const again = await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/topic', 115127));
    assert.equal(again.spawned_at, JSON.parse(first.body).spawned_at);
    assert.deepEqual((await client.listQueue('a9hf-ubuntu')).map((j) => j.name), [name]);

    await assert.rejects(client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/topic', 115128)), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.statusCode, 409);
      assert.equal(err.queue, 'a9hf-ubuntu');
      assert.equal(err.job, name);
      assert.match(err.message, /HTTP 409: job gcc-linaro\+bzr115127~user~topic~r47 already exists in queue a9hf-ubuntu for ~user\/gcc-linaro\/topic r115127/);
      return true;
    });
  });

  it('lets one job name be spawned into several queues, one result directory per host', async () => {
    const name = 'gcc-linaro+bzr115129~user~topic~r48';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/topic', 115129));
    await client.spawn('x86_64-ubuntu', name, { ...spec('~user/gcc-linaro/topic', 115129), target: 'x86_64' });
    await waitForState('a9hf-ubuntu', name, 'complete');
    await waitForState('x86_64-ubuntu', name, 'complete');
    assert.deepEqual(await client.listResultDirs(name), [A9_DIR, 'x86_64-precise-cbuild461-oort8-x86_64r1']);
  });

  it('cancels a queued job at once and never runs it', async () => {
    sim.setHostOffline('ursa3');
    const name = 'gcc-linaro+bzr115130~user~topic~r49';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/topic', 115130));
    const cancelled = await client.cancel('a9hf-ubuntu', name);
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(cancelled.finished_at);
    sim.setHostOffline('ursa3', false);
    await waitForHost('ursa3', 'idle');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await client.getJob('a9hf-ubuntu', name)).state, 'cancelled');
    assert.equal(toolchain.builds.length, 0);
    assert.equal((await client.cancel('a9hf-ubuntu', name)).state, 'cancelled', 'cancelling again is harmless');
  });

  it('cancels a running job when its host next polls, publishing nothing', async () => {
    const name = 'gcc-linaro+bzr115131~user~slow-topic~r50';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/slow-topic', 115131));
    await waitForState('a9hf-ubuntu', name, 'running');
    const asked = await client.cancel('a9hf-ubuntu', name);
    assert.equal(asked.state, 'running');
    assert.equal(asked.cancel_requested, true);
    const cancelled = await waitForState('a9hf-ubuntu', name, 'cancelled');
    assert.equal(cancelled.result_dir_url, null);
    assert.deepEqual(await client.listResultDirs(name), []);
    await waitForHost('ursa3', 'idle');
  });

  it('accepts uploads into result directories and lists them', async () => {
    const name = 'gcc-linaro+bzr115132~user~topic~r51';
    const lavaDir = 'armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1';
    await client.uploadResultFile(name, lavaDir, 'gcc.sum', GCC_SUM);
    await client.uploadResultFile(name, lavaDir, 'g++.sum.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
    assert.deepEqual(await client.listResultDirs(name), [lavaDir]);
    const files = await client.listResultFiles(name, lavaDir);
    assert.deepEqual(files.map((f) => [f.name, f.size]), [['g++.sum.xz', 6], ['gcc.sum', GCC_SUM.length]]);
    assert.equal((await client.fetchResultFile(name, lavaDir, 'gcc.sum'))?.toString(), GCC_SUM);

    const xz = await raw('GET', `/build/${name}/logs/${lavaDir}/g++.sum.xz`);
    assert.equal(xz.type, 'application/x-xz');
    const jobs = await raw('GET', '/build/');
    assert.match(jobs.body, /<a href="gcc-linaro\+bzr115132~user~topic~r51\/">gcc-linaro\+bzr115132~user~topic~r51\/<\/a>/);
    const logs = await raw('GET', `/build/${name}/logs/`);
    assert.match(logs.body, new RegExp(`<a href="${lavaDir}/">`));
    const redirect = await raw('GET', `/build/${name}/logs`);
    assert.equal(redirect.status, 301);
    assert.equal((await raw('GET', '/build/gcc-nothing-here/')).status, 404);
  });

  it('refuses uploads that try to leave the results tree or use unsafe names', async () => {
    for (const path of [
      `/build/gcc-x/logs/${A9_DIR}/../../../etc/passwd`,
      `/build/gcc-x/logs/${A9_DIR}/%2e%2e%2fpasswd`,
      `/build/gcc-x/logs/..%2f..%2f/passwd`,
      `/build/gcc-x/logs/${A9_DIR}//gcc.sum`,
    ]) {
      const res = await raw('PUT', path, 'owned');
      assert.equal(res.status, 400, path);
      assert.match(JSON.parse(res.body).error, /must not contain \., \.\., empty or encoded-separator segments/);
    }
    const badDir = await raw('PUT', '/build/gcc-x/logs/not-a-host-dir/gcc.sum', 'x');
    assert.equal(badDir.status, 400);
    assert.match(JSON.parse(badDir.body).error, /result directory "not-a-host-dir" must look like <arch>-<distro>-cbuild<N>-<host>-<config>/);
    const notLogs = await raw('PUT', `/build/gcc-x/${A9_DIR}/gcc.sum`, 'x');
    assert.equal(notLogs.status, 400);
    assert.match(JSON.parse(notLogs.body).error, /uploads go to \/build\/<job>\/logs\/<result dir>\/<file>/);
    assert.equal((await raw('GET', '/build/../etc/passwd')).status, 400);
    assert.deepEqual(JSON.parse((await raw('GET', '/build/?format=json')).body).entries, []);

    await assert.rejects(client.uploadResultFile('gcc-x', A9_DIR, '../gcc.sum', 'x'), /refusing to ask CBuild: file name "..\/gcc.sum" must be/);
  });

  it('refuses uploads above the size limit with 413', async () => {
    await sim.close();
    await startSimulator({ maxUploadBytes: 100 });
    await client.uploadResultFile('gcc-x', A9_DIR, 'make.log', 'x'.repeat(100));
    await assert.rejects(client.uploadResultFile('gcc-x', A9_DIR, 'gcc.sum', 'x'.repeat(101)), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.statusCode, 413);
      assert.match(err.message, /upload of 101 bytes exceeds the limit of 100/);
      return true;
    });
    await assert.rejects(client.uploadResultFile('gcc-x', A9_DIR, 'gcc.sum', Buffer.alloc(4 * 1024 * 1024)), /HTTP 413: upload of 4194304 bytes/);
    assert.deepEqual((await client.listResultFiles('gcc-x', A9_DIR)).map((f) => f.name), ['make.log']);
  });

  it('refuses invalid job and queue names with a clear error', async () => {
    await assert.rejects(client.spawn('a9hf-ubuntu', 'gcc linaro; rm -rf /', spec('~user/gcc-linaro/topic')), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.job, 'gcc linaro; rm -rf /');
      assert.match(err.message, /job name "gcc linaro; rm -rf \/" must start with a letter or digit and contain only letters, digits and \. \+ ~ _ -/);
      return true;
    });
    await assert.rejects(client.spawn('a9hf-ubuntu', 'g'.repeat(201), spec('~user/gcc-linaro/topic')), /job name is 201 characters long \(at most 200\)/);
    await assert.rejects(client.getJob('../etc', 'gcc-x'), /queue name "..\/etc" must be/);

    const server = await raw('PUT', '/scheduler/queues/a9hf-ubuntu/jobs/-gcc', JSON.stringify(spec('~user/gcc-linaro/topic')));
    assert.equal(server.status, 400);
    assert.match(JSON.parse(server.body).error, /job name "-gcc" must start with a letter or digit/);
    const badBody = await raw('PUT', '/scheduler/queues/a9hf-ubuntu/jobs/gcc-x', JSON.stringify({ vcs: 'bzr', source: 'b', url: 'lp:b', revision: 'r', target: 't' }));
    assert.equal(badBody.status, 400);
    assert.match(JSON.parse(badBody.body).error, /"revno" must be a positive integer/);
    const gitWithoutRef = await raw('PUT', '/scheduler/queues/a9hf-ubuntu/jobs/gcc-x', JSON.stringify({ ...gitSpec('~u/p/+git/p', 'refs/heads/x', 'a'.repeat(40)), ref: null }));
    assert.equal(gitWithoutRef.status, 400);
    assert.match(JSON.parse(gitWithoutRef.body).error, /"ref" must name the git ref/);
    const notJson = await raw('PUT', '/scheduler/queues/a9hf-ubuntu/jobs/gcc-x', '{');
    assert.equal(JSON.parse(notJson.body).error, 'request body is not valid JSON');
    assert.equal((await client.listQueue('a9hf-ubuntu')).length, 0);
  });

  it('answers 404 for an unknown job and 405 for a wrong method', async () => {
    await assert.rejects(client.getJob('a9hf-ubuntu', 'gcc-unknown'), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.statusCode, 404);
      assert.match(err.message, /reading CBuild job gcc-unknown in queue a9hf-ubuntu: CBuild answered HTTP 404: no job gcc-unknown in queue a9hf-ubuntu/);
      return true;
    });
    const wrong = await raw('DELETE', '/scheduler/queues/a9hf-ubuntu/jobs/gcc-unknown');
    assert.equal(wrong.status, 405);
  });

  it('lists hosts, which register themselves by polling, and shows everything on the status page', async () => {
    await waitForHost('ursa3', 'idle');
    await waitForHost('oort8', 'idle');
    const hosts = await client.listHosts();
    assert.deepEqual(hosts.map((h) => [h.name, h.queue, h.config]), [['oort8', 'x86_64-ubuntu', 'x86_64r1'], ['ursa3', 'a9hf-ubuntu', 'cortexa9hfr1']]);
    assert.ok(hosts.every((h) => h.last_poll_at !== null && h.job === null));

    sim.setHostOffline('oort8');
    const name = 'gcc-linaro+bzr115133~user~topic~r52';
    await client.spawn('x86_64-ubuntu', name, { ...spec('~user/gcc-linaro/topic', 115133), target: 'x86_64' });
    const page = await raw('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<td>x86_64-ubuntu<\/td><td>1<\/td><td>0<\/td><td>1<\/td>/);
    assert.match(page.body, /<td>oort8<\/td><td>x86_64-ubuntu<\/td><td>lurking<\/td>/);
    assert.match(page.body, new RegExp(`<a href="${base}scheduler/queues/x86_64-ubuntu/jobs/gcc-linaro\\+bzr115133~user~topic~r52">`));
    assert.match(page.body, /<td>queued<\/td>/);
  });

  it('publishes .sum files as .sum.xz when asked, which the client can decompress', async () => {
    await sim.close();
    await startSimulator({ xzSums: true });
    const name = 'gcc-linaro+bzr115134~user~topic~r53';
    await client.spawn('a9hf-ubuntu', name, spec('~user/gcc-linaro/topic', 115134));
    await waitForState('a9hf-ubuntu', name, 'complete');
    assert.deepEqual((await client.listResultFiles(name, A9_DIR)).map((f) => f.name), ['gcc.sum.xz', 'make.log']);
    const rawXz = await client.fetchResultFile(name, A9_DIR, 'gcc.sum.xz');
    assert.deepEqual([...rawXz!.subarray(0, 6)], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
    assert.equal((await client.fetchResultFile(name, A9_DIR, 'gcc.sum.xz', { decompress: true }))?.toString(), GCC_SUM);
  });
});
