import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuildOutcome, BuildSpec, Toolchain } from '../../../src/cbuild/toolchain.js';
import { HttpClient } from '../../../src/http/client.js';
import { LavaAuthError, LavaClient, LavaFault } from '../../../src/lava/client.js';
import { LavaSimulator, type LavaSimTiming } from '../../../src/lava/simulator.js';
import { renderJobDefinition } from '../../../src/lava/template.js';
import type { LavaJobState } from '../../../src/lava/types.js';
import { encodeMethodCall, parseMethodResponse } from '../../../src/lava/xmlrpc.js';
import type { RequestedSource } from '../../../src/vcs/index.js';
import { BZR_SAMPLE, jobValues } from '../../support/job-values.js';

const TOKEN = 'simulated-admin-token-0123456789abcdefghijklmnopqrstuvwxyz';
const OTHER_TOKEN = 'simulated-other-token-0123456789abcdefghijklmnopqrstuvwxyz';
const FAST: Partial<LavaSimTiming> = { queueMs: 5, scheduleMs: 5, startMs: 5, bootMs: 5, finishMs: 5, cancelMs: 5 };
const TEMPLATE = readFileSync('templates/lava/gcc-build.yaml', 'utf8');
const CBUILD_JOB = 'gcc-linaro+bzr115123~user~topic';

/** A toolchain that records what it was asked to build and fails builds of revnos listed in `failing`. */
class FakeToolchain implements Toolchain {
  readonly specs: BuildSpec[] = [];
  durationMs = 20;
  failing = new Set<number>();

  build(spec: BuildSpec): BuildOutcome {
    this.specs.push(spec);
    if (spec.revno !== null && this.failing.has(spec.revno)) {
      return { result: 'build-failure', durationMs: this.durationMs, files: { 'make.log': 'make: *** [all] Error 2\n' } };
    }
    return {
      result: 'pass',
      durationMs: this.durationMs,
      files: { 'gcc.sum': `PASS: gcc.dg/r${spec.revno}.c (test for excess errors)\n`, 'make.log': 'built\n' },
    };
  }
}

/** The CBuild results host, reduced to what a LAVA job does to it: PUT files. */
class ResultsReceiver {
  readonly files = new Map<string, string>();
  /** Answer 403 to every upload, like a results host with the wrong permissions. */
  refuse = false;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'PUT' || this.refuse) {
        res.writeHead(this.refuse ? 403 : 405).end();
        return;
      }
      this.files.set(decodeURIComponent(req.url ?? ''), Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function definition(values: Partial<Record<string, string>> = {}, resultsBase = 'http://results.invalid/', requested: RequestedSource = BZR_SAMPLE): string {
  return renderJobDefinition(
    TEMPLATE,
    jobValues(requested, { job_name: `cbuild-bot r42 a9hf ${CBUILD_JOB}`, cbuild_job: CBUILD_JOB, results_url: `${resultsBase}build/${CBUILD_JOB}/logs/`, ...values }),
  );
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected the call to fail');
}

describe('LavaSimulator over HTTP', () => {
  let toolchain: FakeToolchain;
  let receiver: ResultsReceiver;
  let resultsBase: string;
  let simulator: LavaSimulator;
  let base: string;
  let lava: LavaClient;
  const http0 = new HttpClient({ retries: 0 });

  async function startSimulator(options: { timing?: Partial<LavaSimTiming>; devices?: { hostname: string; deviceType: string; unreachable?: boolean }[] } = {}) {
    simulator = new LavaSimulator({
      toolchain,
      users: { admin: TOKEN, other: OTHER_TOKEN },
      devices: options.devices ?? [{ hostname: 'panda-es-01', deviceType: 'panda-es' }],
      timing: options.timing ?? FAST,
    });
    base = await simulator.start();
    lava = new LavaClient({ url: `${base}RPC2`, user: 'admin', token: TOKEN, http: http0 });
  }

  beforeEach(async () => {
    toolchain = new FakeToolchain();
    receiver = new ResultsReceiver();
    resultsBase = await receiver.start();
  });

  afterEach(async () => {
    await simulator?.close();
    await receiver.close();
  });

  it('runs a job through every state to Finished/Complete and publishes its results', async () => {
    // Each state lasts 100 ms, so polling every few ms sees every one of them.
    await startSimulator({ timing: { queueMs: 100, scheduleMs: 100, startMs: 100, bootMs: 100, finishMs: 100 } });
    toolchain.durationMs = 100;
    const [id] = await lava.submitJob(definition({}, resultsBase));
    assert.equal(id, 1);

    const seen: LavaJobState[] = [];
    const finished = await waitFor('the job to finish', async () => {
      const job = await lava.showJob(id!);
      if (seen[seen.length - 1] !== job.state) seen.push(job.state);
      return job.state === 'Finished' ? job : undefined;
    });
    assert.deepEqual(seen, ['Submitted', 'Scheduling', 'Scheduled', 'Running', 'Finished']);
    assert.equal(finished.health, 'Complete');
    assert.equal(finished.device, 'panda-es-01');
    assert.equal(finished.device_type, 'panda-es');
    assert.equal(finished.submitter, 'admin');
    assert.equal(finished.description, `cbuild-bot r42 a9hf ${CBUILD_JOB}`);
    assert.equal(finished.failure_comment, null);
    assert.ok(finished.submit_time! <= finished.start_time! && finished.start_time! <= finished.end_time!);

    assert.deepEqual(toolchain.specs, [
      {
        vcs: 'bzr',
        source: '~user/gcc-linaro/topic',
        ref: null,
        revision: 'user@example.com-20121105120000-abcdef0123456789',
        revno: 115123,
        target: 'a9hf',
        backend: 'lava',
      },
    ]);
    const dir = `/build/${CBUILD_JOB}/logs/armv7l-precise-cbuild461-panda-es-01-a9hf`;
    assert.deepEqual([...receiver.files.keys()].sort(), [`${dir}/gcc.sum`, `${dir}/make.log`]);
    assert.equal(receiver.files.get(`${dir}/gcc.sum`), 'PASS: gcc.dg/r115123.c (test for excess errors)\n');

    const results = await lava.jobResults(id!);
    assert.deepEqual(
      results.filter((r) => r.suite === '0_build'),
      [
        { suite: '0_build', name: 'build', result: 'pass' },
        { suite: '0_build', name: 'publish', result: 'pass' },
      ],
    );
    assert.deepEqual(results.find((r) => r.name === 'job'), { suite: 'lava', name: 'job', result: 'pass' });

    const { finished: logFinished, entries } = await lava.jobLogs(id!);
    assert.equal(logFinished, true);
    assert.equal(entries[0]!.msg, 'lava-dispatcher, installed at version: 2023.01');
    assert.ok(entries.some((e) => e.msg === 'Job finished correctly'));
    assert.match(entries[0]!.dt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const tail = await lava.jobLogs(id!, entries.length - 2);
    assert.deepEqual(tail.entries, entries.slice(-2));

    assert.deepEqual(await lava.devicesList(), [
      { hostname: 'panda-es-01', type: 'panda-es', health: 'Good', state: 'Idle', current_job: null, pipeline: true },
    ]);
  });

  it('builds a git commit its metadata names, and logs the checkout of exactly that commit', async () => {
    await startSimulator();
    const commit = '0123456789abcdef0123456789abcdef01234567';
    const [id] = await lava.submitJob(
      definition({}, resultsBase, {
        source: { vcs: 'git', path: '~user/gcc-linaro/+git/gcc-linaro', ref: "refs/heads/it's-$(x)" },
        source_url: 'https://git.launchpad.net/~user/gcc-linaro/+git/gcc-linaro',
        revision: { id: commit, revno: null },
      }),
    );
    assert.equal((await simulator.waitForJob(id!)).health, 'Complete');
    assert.deepEqual(toolchain.specs, [
      { vcs: 'git', source: '~user/gcc-linaro/+git/gcc-linaro', ref: "refs/heads/it's-$(x)", revision: commit, revno: null, target: 'a9hf', backend: 'lava' },
    ]);
    const { entries } = await lava.jobLogs(id!);
    assert.ok(entries.some((e) => e.msg === `+ git fetch https://git.launchpad.net/~user/gcc-linaro/+git/gcc-linaro refs/heads/it's-$(x) && git checkout --detach ${commit}`));
  });

  it('serves the job page and the plain log the bot links to', async () => {
    await startSimulator();
    const [id] = await lava.submitJob(definition({ job_name: 'cbuild-bot <r42> & co' }, resultsBase));
    await simulator.waitForJob(id!);
    const page = await http0.request({ url: lava.jobUrl(id!) });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body.toString(), /cbuild-bot &#60;r42&#62; &#38; co/);
    const log = await http0.request({ url: lava.logUrl(id!) });
    assert.equal(log.statusCode, 200);
    assert.equal(log.headers['content-type'], 'application/yaml');
    assert.equal(log.headers['content-disposition'], `attachment; filename=job_${id}.log`);
    assert.match(log.body.toString(), /^- \{"dt": "[^"]+", "lvl": "info", "msg": "lava-dispatcher, installed at version: 2023.01"\}\n/);
    assert.equal((await http0.request({ url: lava.jobUrl(999) })).statusCode, 404);
  });

  it('schedules a job when its queue timer fires, even if Date.now() has not yet reached the due time', async () => {
    // Node may run a timer a millisecond before Date.now() says it is due; model that with a lagging Date.now.
    await startSimulator({ timing: { ...FAST, queueMs: 20 } });
    const realNow = Date.now;
    try {
      const [id] = await lava.submitJob(definition({}, resultsBase));
      Date.now = () => realNow() - 1000;
      assert.equal((await simulator.waitForJob(id!, 3000)).health, 'Complete');
    } finally {
      Date.now = realNow;
    }
  });

  it('ends a failed build Complete: health is infrastructure health, the build case says fail', async () => {
    await startSimulator();
    toolchain.failing.add(115124);
    const [id] = await lava.submitJob(definition({ revno: '115124' }, resultsBase));
    const job = await simulator.waitForJob(id!);
    assert.equal(job.health, 'Complete');
    assert.deepEqual(
      (await lava.jobResults(id!)).find((r) => r.name === 'build'),
      { suite: '0_build', name: 'build', result: 'fail' },
    );
    assert.equal(receiver.files.size, 1, 'make.log of the failed build is still published');
  });

  it('records publish fail, still Complete, when the results host refuses the upload', async () => {
    await startSimulator();
    receiver.refuse = true;
    const [id] = await lava.submitJob(definition({}, resultsBase));
    assert.equal((await simulator.waitForJob(id!)).health, 'Complete');
    const results = (await lava.jobResults(id!)).filter((r) => r.suite === '0_build');
    assert.deepEqual(results.map((r) => [r.name, r.result]), [['build', 'pass'], ['publish', 'fail']]);
    const { entries } = await lava.jobLogs(id!);
    assert.ok(entries.some((e) => e.msg === 'curl: The requested URL returned error: 403'));
  });

  it('ends jobs on an unreachable device Incomplete with the ssh failure and no results', async () => {
    await startSimulator({ devices: [{ hostname: 'panda-es-02', deviceType: 'panda-es', unreachable: true }] });
    const [id] = await lava.submitJob(definition({}, resultsBase));
    await simulator.waitForJob(id!);
    const job = await lava.showJob(id!);
    assert.equal(job.state, 'Finished');
    assert.equal(job.health, 'Incomplete');
    // lava-server 2023.01 leaves failure_comment None and puts the reason in error_msg.
    assert.equal(job.failure_comment, null);
    assert.equal(receiver.files.size, 0);
    assert.deepEqual(toolchain.specs, []);
    assert.equal((await lava.jobResults(id!)).some((r) => r.suite === '0_build'), false);
    const [listed] = await lava.listJobs({ verbose: true });
    assert.equal(listed!.error_msg, 'Connection closed');
    assert.equal(listed!.error_type, 'Infrastructure');
    const { entries } = await lava.jobLogs(id!);
    assert.ok(entries.some((e) => e.msg === 'ssh: connect to host panda-es-02 port 22: Connection refused'));
  });

  it('fails the next jobs on demand with the given comment', async () => {
    await startSimulator();
    simulator.failNextJobs(1, 'Unable to copy overlay');
    const [first] = await lava.submitJob(definition({}, resultsBase));
    const [second] = await lava.submitJob(definition({}, resultsBase));
    const failed = await simulator.waitForJob(first!);
    assert.equal(failed.health, 'Incomplete');
    assert.equal(failed.errorMsg, 'Unable to copy overlay');
    assert.equal((await simulator.waitForJob(second!)).health, 'Complete');
  });

  it('fails only the jobs whose metadata matches', async () => {
    await startSimulator();
    simulator.failNextJobs(1, 'Unable to copy overlay', (metadata) => metadata['cbuild-bot.target'] === 'x86_64');
    const [a9hf] = await lava.submitJob(definition({ target: 'a9hf' }, resultsBase));
    const [x86] = await lava.submitJob(definition({ target: 'x86_64' }, resultsBase));
    assert.equal((await simulator.waitForJob(a9hf!)).health, 'Complete');
    assert.equal((await simulator.waitForJob(x86!)).health, 'Incomplete');
  });

  it('cancels a running job through Canceling to Finished/Canceled without publishing', async () => {
    await startSimulator({ timing: { ...FAST, cancelMs: 50 } });
    toolchain.durationMs = 10_000;
    const [id] = await lava.submitJob(definition({}, resultsBase));
    await waitFor('the job to run', async () => ((await lava.showJob(id!)).state === 'Running' ? true : undefined));
    await lava.cancelJob(id!);
    assert.equal((await lava.showJob(id!)).state, 'Canceling');
    await lava.cancelJob(id!); // harmless while Canceling, like lava-server
    const job = await simulator.waitForJob(id!);
    assert.equal(job.health, 'Canceled');
    assert.equal(receiver.files.size, 0);
    assert.equal(simulator.devices()[0]!.state, 'Idle');
  });

  it('cancels a queued job at once and refuses cancels from others', async () => {
    await startSimulator({ timing: { ...FAST, queueMs: 10_000 } });
    const [id] = await lava.submitJob(definition({}, resultsBase));
    const other = new LavaClient({ url: `${base}RPC2`, user: 'other', token: OTHER_TOKEN, http: http0 });
    const forbidden = await rejection(other.cancelJob(id!));
    assert.ok(forbidden instanceof LavaFault && forbidden.faultCode === 403 && forbidden.faultString === 'Permission denied.');
    const anonymous = new LavaClient({ url: `${base}RPC2`, http: http0 });
    const login = await rejection(anonymous.cancelJob(id!));
    assert.ok(login instanceof LavaFault && login.faultCode === 401);
    await lava.cancelJob(id!);
    const job = await lava.showJob(id!);
    assert.deepEqual([job.state, job.health], ['Finished', 'Canceled']);
  });

  it('queues jobs while the device is busy and reports them per device type', async () => {
    await startSimulator({
      devices: [
        { hostname: 'panda-es-01', deviceType: 'panda-es' },
        { hostname: 'qemu-01', deviceType: 'qemu' },
      ],
    });
    toolchain.durationMs = 150;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await lava.submitJob(definition({ job_name: `job ${i}` }, resultsBase)))[0]!);
    await waitFor('the first job to run', async () => ((await lava.showJob(ids[0]!)).state === 'Running' ? true : undefined));
    assert.deepEqual(await lava.pendingJobsByDeviceType(), { 'panda-es': 2, qemu: 0 });
    const devices = await lava.devicesList();
    assert.deepEqual(
      devices.map((d) => [d.hostname, d.state, d.current_job]),
      [
        ['panda-es-01', 'Running', ids[0]],
        ['qemu-01', 'Idle', null],
      ],
    );
    const order: number[] = [];
    simulator.onJobFinished((job) => order.push(job.id));
    await simulator.waitForJob(ids[2]!, 10_000);
    assert.deepEqual(order, ids);
    assert.deepEqual(await lava.pendingJobsByDeviceType(), { 'panda-es': 0, qemu: 0 });
  });

  it('finds a job by its description after the fact', async () => {
    await startSimulator({ timing: { ...FAST, queueMs: 10_000 } });
    await lava.submitJob(definition({ job_name: 'cbuild-bot r41 a9hf x' }, resultsBase));
    const [wanted] = await lava.submitJob(definition({ job_name: 'cbuild-bot r42 a9hf x' }, resultsBase));
    await lava.submitJob(definition({ job_name: 'cbuild-bot r43 a9hf x' }, resultsBase));
    const found = await lava.findJobsByDescription('cbuild-bot r42 a9hf x');
    assert.deepEqual(found.map((j) => [j.id, j.state, j.submitter]), [[wanted, 'Submitted', 'admin']]);
    assert.deepEqual(await lava.findJobsByDescription('cbuild-bot r44 a9hf x'), []);
  });

  describe('faults and errors as lava-server 2023.01 answers them', () => {
    beforeEach(() => startSimulator());

    it('404 for an unknown job', async () => {
      const err = await rejection(lava.showJob(999));
      assert.ok(err instanceof LavaFault);
      assert.deepEqual([err.faultCode, err.faultString], [404, "Job '999' was not found."]);
    });

    it('400 for a job without timeouts', async () => {
      const noTimeouts = 'device_type: panda-es\njob_name: x\nvisibility: public\nactions:\n- deploy: {to: ssh}\n';
      const err = await rejection(lava.submitJob(noTimeouts));
      assert.ok(err instanceof LavaFault);
      assert.deepEqual(
        [err.faultCode, err.faultString],
        [400, "Problem with submitted job data: required key not provided @ data['timeouts']"],
      );
    });

    it('400 for YAML that does not parse', async () => {
      const err = await rejection(lava.submitJob('job_name: [oops\n'));
      assert.ok(err instanceof LavaFault && err.faultCode === 400 && err.kind === 'bad-request');
    });

    it('400 for an unknown device type', async () => {
      const err = await rejection(lava.submitJob(definition({ device_type: 'nosuch' })));
      assert.ok(err instanceof LavaFault);
      assert.deepEqual([err.faultCode, err.faultString], [400, "Device unavailable: Device type 'nosuch' is unavailable."]);
    });

    it('Fault 401 for an anonymous submit, while anonymous reads work', async () => {
      const anonymous = new LavaClient({ url: `${base}RPC2`, http: http0 });
      const err = await rejection(anonymous.submitJob(definition()));
      assert.ok(err instanceof LavaFault);
      assert.deepEqual([err.faultCode, err.faultString], [401, 'Authentication with user and token required for this API.']);
      assert.equal(await anonymous.whoami(), null);
      assert.equal(await anonymous.version(), '2023.01');
      assert.equal(await lava.whoami(), 'admin');
    });

    it('HTTP 401 for a wrong token, before any dispatch', async () => {
      const wrong = new LavaClient({ url: `${base}RPC2`, user: 'admin', token: 'not-the-token', http: http0 });
      const err = await rejection(wrong.version());
      assert.ok(err instanceof LavaAuthError);
      assert.equal(err.message, "LAVA rejected the token for user 'admin' (HTTP 401)");
      const raw = await http0.request({
        method: 'POST',
        url: `${base}RPC2`,
        headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
        body: encodeMethodCall('system.version'),
      });
      assert.equal(raw.statusCode, 401);
      assert.equal(raw.body.toString(), 'Invalid token');
      assert.equal(raw.headers['www-authenticate'], 'Basic realm="XML-RPC Authentication token"');
    });

    it('HTTP 400 for broken Authorization headers', async () => {
      const cases: [string, string][] = [
        ['Basic', 'Invalid HTTP_AUTHORIZATION header'],
        ['Token abc', 'Unsupported HTTP_AUTHORIZATION header, only Basic scheme is supported'],
        ['Basic ***', 'Corrupted HTTP_AUTHORIZATION header, bad base64 encoding'],
        [`Basic ${Buffer.from('admin').toString('base64')}`, 'Corrupted HTTP_AUTHORIZATION header, no user:pass'],
      ];
      for (const [authorization, text] of cases) {
        const res = await http0.request({ method: 'POST', url: `${base}RPC2`, headers: { authorization }, body: encodeMethodCall('system.version') });
        assert.deepEqual([res.statusCode, res.body.toString()], [400, text], authorization);
      }
    });

    it('-32601 for an unknown method, e.g. the removed scheduler.job_status', async () => {
      const err = await rejection(lava.call('scheduler.job_status', 1));
      assert.ok(err instanceof LavaFault);
      assert.deepEqual([err.faultCode, err.faultString, err.kind], [-32601, "No such method: 'scheduler.job_status'", 'no-such-method']);
    });

    it('-32603 with Python text for a call with missing arguments', async () => {
      const err = await rejection(lava.call('scheduler.jobs.show'));
      assert.ok(err instanceof LavaFault);
      assert.equal(
        err.faultString,
        "Internal Server Error (contact server administrator for details): show() missing 1 required positional argument: 'job_id'",
      );
    });

    it('redirects GET /RPC2 to the API help page', async () => {
      for (const path of ['RPC2', 'RPC2/']) {
        const res = await http0.request({ url: `${base}${path}`, followRedirect: false });
        assert.deepEqual([res.statusCode, res.headers.location], [302, '/api/help/']);
      }
    });

    it('answers with <nil/> and zone-less dates on the wire', async () => {
      const [id] = await lava.submitJob(definition());
      const res = await http0.request({ method: 'POST', url: `${base}RPC2/`, body: encodeMethodCall('scheduler.jobs.show', [id!]) });
      const body = res.body.toString();
      assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
      assert.match(body, /<name>end_time<\/name><value><nil\/><\/value>/);
      assert.match(body, /<dateTime.iso8601>\d{8}T\d\d:\d\d:\d\d<\/dateTime.iso8601>/);
      assert.equal((parseMethodResponse(body) as { visibility: string }).visibility, 'Public');
    });

    it('answers state, health and capacity calls with the observed shapes', async () => {
      const [id] = await lava.submitJob(definition({}, resultsBase));
      await simulator.waitForJob(id!);
      assert.deepEqual(await lava.call('scheduler.job_state', id!), { job_id: id, job_state: 'Finished' });
      assert.deepEqual(await lava.call('scheduler.job_health', id!), { job_id: id, job_health: 'Complete' });
      assert.deepEqual(await lava.call('scheduler.all_devices'), [['panda-es-01', 'panda-es', 'idle', null, true]]);
      assert.deepEqual(await lava.call('scheduler.all_device_types'), [{ busy: 0, idle: 1, name: 'panda-es', offline: 0 }]);
      assert.equal(await lava.call('system.api_version'), 2);
      assert.equal(await lava.jobDefinition(id!), definition({}, resultsBase));
      const multi = await lava.call('system.multicall', [
        { methodName: 'system.version', params: [] },
        { methodName: 'scheduler.jobs.show', params: [999] },
      ]);
      assert.deepEqual(multi, [['2023.01'], { faultCode: 404, faultString: "Job '999' was not found." }]);
      const bad = await rejection(lava.listJobs({ state: 'Exploded' as never }));
      assert.ok(bad instanceof LavaFault && bad.faultString === "Invalid state 'Exploded'");
    });
  });
});
