/** The LAVA simulator's fault knobs (simulator-faults.ts), through LavaClient over real HTTP. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HttpClient, HttpError } from '../../../src/http/client.js';
import { LavaClient, LavaProtocolError } from '../../../src/lava/client.js';
import { LavaSimulator } from '../../../src/lava/simulator.js';
import { renderJobDefinition } from '../../../src/lava/template.js';
import { BZR_SAMPLE, jobValues } from '../../support/job-values.js';

const TOKEN = 'simulated-token-0123456789abcdefghijklmnopqrstuvwxyz';
const DEFINITION = renderJobDefinition(readFileSync('templates/lava/gcc-build.yaml', 'utf8'), jobValues(BZR_SAMPLE), 'gcc-build.yaml');

describe('LAVA simulator: fault knobs', () => {
  let lava: LavaSimulator;
  let client: LavaClient;
  beforeEach(async () => {
    lava = new LavaSimulator({
      toolchain: { build: () => ({ result: 'pass', durationMs: 10_000, files: {} }) },
      users: { bot: TOKEN },
      devices: [{ hostname: 'panda-es-01', deviceType: 'panda-es' }],
    });
    await lava.start();
    client = new LavaClient({ url: lava.rpcUrl, user: 'bot', token: TOKEN, http: new HttpClient({ retries: 0, timeoutMs: 200 }) });
  });
  afterEach(async () => {
    await lava.close();
  });

  it('creates a job late and drops the answer: the client sees a lost connection, the job appears afterwards', async () => {
    lava.faults.call({ method: 'scheduler.jobs.submit', carryOutAfterMs: 100, answer: 'drop' });
    await assert.rejects(client.submitJob(DEFINITION), (err) => err instanceof HttpError && err.code === 'ECONNRESET');
    assert.equal(lava.jobs().length, 1);
    assert.deepEqual(await client.findJobsByDescription('cbuild-bot r42 a9hf gcc-linaro+bzr115123~u~fix').then((j) => j.length), 1);
  });

  it('creates a job after the client gave up on the answer (carryOutAfterMs past its timeout)', async () => {
    lava.faults.call({ method: 'scheduler.jobs.submit', carryOutAfterMs: 400 });
    await assert.rejects(client.submitJob(DEFINITION), (err) => err instanceof HttpError && err.code === 'ETIMEDOUT');
    assert.equal(lava.jobs().length, 0);
    assert.equal(lava.faults.inFlight, 1);
    await lava.faults.settled();
    assert.equal(lava.jobs().length, 1);
  });

  it('answers a submission it carried out with something that is not XML-RPC (answer: malformed)', async () => {
    lava.faults.call({ method: 'scheduler.jobs.submit', answer: 'malformed' });
    await assert.rejects(client.submitJob(DEFINITION), (err) => err instanceof LavaProtocolError && /not XML-RPC \(text\/html/.test(err.message));
    assert.equal(lava.jobs().length, 1);
  });

  it('closes the connection before carrying a call out (carryOut: false), for that method only and `times` calls', async () => {
    lava.faults.call({ method: 'scheduler.jobs.submit', carryOut: false, times: 2 });
    for (let i = 0; i < 2; i++) await assert.rejects(client.submitJob(DEFINITION), (err) => err instanceof HttpError && err.code === 'ECONNRESET');
    assert.equal(lava.jobs().length, 0);
    assert.deepEqual(await client.listJobs({}), [], 'other methods answer as usual');
    const [id] = await client.submitJob(DEFINITION);
    assert.equal(lava.job(id).description, 'cbuild-bot r42 a9hf gcc-linaro+bzr115123~u~fix');
  });
});
