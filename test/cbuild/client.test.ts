import assert from 'node:assert/strict';
import nock from 'nock';
import { CBuildClient, CBuildError } from '../../src/cbuild/client.js';
import type { CBuildJob } from '../../src/cbuild/wire.js';
import { HttpClient, HttpError } from '../../src/http/client.js';

const ORIGIN = 'http://cbuild.example';
const JOB = 'gcc-linaro+bzr115123~user~topic~r42';
const JOB_PATH = '/scheduler/queues/a9hf-ubuntu/jobs/gcc-linaro+bzr115123~user~topic~r42';

function job(overrides: Partial<CBuildJob> = {}): CBuildJob {
  return {
    name: JOB,
    queue: 'a9hf-ubuntu',
    state: 'queued',
    spec: { vcs: 'bzr', source: '~user/gcc-linaro/topic', ref: null, url: 'lp:~user/gcc-linaro/topic', revision: 'user@example.com-20121105120000-abc', revno: 115123, target: 'a9hf' },
    host: null,
    result_dir: null,
    cancel_requested: false,
    spawned_at: '2012-11-05T12:00:00.000Z',
    started_at: null,
    finished_at: null,
    url: `${ORIGIN}${JOB_PATH}`,
    result_dir_url: null,
    log_url: null,
    ...overrides,
  };
}

describe('CBuildClient edge cases', function () {
  // The simulator's own server listens on 127.0.0.1; only cbuild.example is mocked here.
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  function client(retries = 0): CBuildClient {
    return new CBuildClient({
      schedulerUrl: `${ORIGIN}/scheduler`,
      resultsUrl: ORIGIN,
      http: new HttpClient({ retries, minDelayMs: 1, maxDelayMs: 5 }),
    });
  }

  it('reads a job', async () => {
    nock(ORIGIN).get(JOB_PATH).reply(200, job({ state: 'running', host: 'ursa3' }));
    const read = await client().getJob('a9hf-ubuntu', JOB);
    assert.equal(read.state, 'running');
    assert.equal(read.host, 'ursa3');
  });

  it('names the queue, job and status when the answer is malformed JSON', async () => {
    nock(ORIGIN).get(JOB_PATH).reply(200, '{"name": "gcc-', { 'content-type': 'application/json' });
    await assert.rejects(client().getJob('a9hf-ubuntu', JOB), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.queue, 'a9hf-ubuntu');
      assert.equal(err.job, JOB);
      assert.equal(err.statusCode, 200);
      assert.equal(
        err.message,
        'reading CBuild job gcc-linaro+bzr115123~user~topic~r42 in queue a9hf-ubuntu: CBuild answered HTTP 200 with malformed JSON: {"name": "gcc-',
      );
      return true;
    });
  });

  it('names the field when a job lacks one or has an unknown state', async () => {
    const { finished_at: _dropped, ...withoutFinished } = job();
    nock(ORIGIN).get(JOB_PATH).reply(200, withoutFinished);
    await assert.rejects(client().getJob('a9hf-ubuntu', JOB), /malformed job: field "finished_at" is neither a string nor null/);
    nock(ORIGIN).get(JOB_PATH).reply(200, { ...job(), state: 'exploded' });
    await assert.rejects(client().getJob('a9hf-ubuntu', JOB), /malformed job: field "state" is "exploded"/);
  });

  it('retries a 503 and then returns the job', async () => {
    nock(ORIGIN).get(JOB_PATH).reply(503, 'busy', { 'retry-after': '0' }).get(JOB_PATH).reply(200, job({ state: 'complete' }));
    assert.equal((await client(2).getJob('a9hf-ubuntu', JOB)).state, 'complete');
    assert.ok(nock.isDone());
  });

  it('retries a spawn after a 503: the PUT is idempotent', async () => {
    nock(ORIGIN)
      .put(JOB_PATH, { ...job().spec })
      .reply(503)
      .put(JOB_PATH)
      .reply(201, job());
    const spawned = await client(2).spawn('a9hf-ubuntu', JOB, job().spec);
    assert.equal(spawned.state, 'queued');
    assert.ok(nock.isDone());
  });

  it('reports a 404 job with the scheduler’s reason', async () => {
    nock(ORIGIN).get(JOB_PATH).reply(404, { error: `no job ${JOB} in queue a9hf-ubuntu` });
    await assert.rejects(client().getJob('a9hf-ubuntu', JOB), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.equal(err.statusCode, 404);
      assert.match(err.message, /CBuild answered HTTP 404: no job gcc-linaro\+bzr115123~user~topic~r42 in queue a9hf-ubuntu$/);
      return true;
    });
  });

  it('quotes a non-JSON error page', async () => {
    nock(ORIGIN).post(`${JOB_PATH}/cancel`).reply(500, '<html><body>Internal   Server Error</body></html>');
    await assert.rejects(client().cancel('a9hf-ubuntu', JOB), /cancelling CBuild job .* CBuild answered HTTP 500: <html><body>Internal Server Error<\/body><\/html>/);
  });

  it('leaves network failures as HttpError, since the request may or may not have arrived', async () => {
    // A real Error: nock hands a plain object to got as is, and got then never settles.
    nock(ORIGIN).put(JOB_PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await assert.rejects(client().spawn('a9hf-ubuntu', JOB, job().spec), (err: unknown) => {
      assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
      assert.equal(err.code, 'ECONNRESET');
      return true;
    });
  });

  it('treats missing result files and directories as absent, not as errors', async () => {
    const dir = 'armv7l-precise-cbuild461-ursa3-cortexa9hfr1';
    nock(ORIGIN)
      .get(`/build/${JOB}/logs/${dir}/gcc.sum`)
      .reply(404, 'Not Found')
      .get(`/build/${JOB}/logs/`)
      .query({ format: 'json' })
      .reply(404, { error: 'no directory' });
    assert.equal(await client().fetchResultFile(JOB, dir, 'gcc.sum'), null);
    assert.deepEqual(await client().listResultDirs(JOB), []);
  });

  it('rejects a directory listing without entries', async () => {
    nock(ORIGIN).get(`/build/${JOB}/logs/`).query({ format: 'json' }).reply(200, { path: '/build/' });
    await assert.rejects(client().listResultDirs(JOB), /listing result directories of gcc-linaro\+bzr115123~user~topic~r42: answer has no "entries" list/);
  });

  it('reports a corrupt .xz file when asked to decompress it', async () => {
    const dir = 'armv7l-precise-cbuild461-ursa3-cortexa9hfr1';
    nock(ORIGIN).get(`/build/${JOB}/logs/${dir}/gcc.sum.xz`).reply(200, Buffer.from('not xz at all'));
    await assert.rejects(client().fetchResultFile(JOB, dir, 'gcc.sum.xz', { decompress: true }), (err: unknown) => {
      assert.ok(err instanceof CBuildError);
      assert.match(err.message, /fetching gcc.sum.xz from .*: xz failed to decompress .*gcc.sum.xz \(exit 1\)/);
      return true;
    });
  });

  it('builds and parses result directory URLs', () => {
    const c = client();
    const url = c.resultDirUrl(JOB, 'armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1');
    assert.equal(url, `${ORIGIN}/build/gcc-linaro+bzr115123~user~topic~r42/logs/armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1/`);
    assert.deepEqual(c.locateResultDir(url), { jobName: JOB, resultDir: 'armv7l-precise-cbuild461-panda-es-01-cortexa9hfr1' });
    assert.equal(c.locateResultDir('http://elsewhere.example/build/x/logs/y/'), null);
    assert.equal(c.locateResultDir(`${ORIGIN}/build/${JOB}/logs/not-a-dir/`), null);
  });
});
