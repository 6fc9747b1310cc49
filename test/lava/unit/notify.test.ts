/**
 * LAVA job callbacks: the notify block the bot adds to a rendered job (as
 * data: no template or value can change it) and the simulator calling back
 * as lava-server 2023.01 does (before the job is saved, once, no retry).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { HttpClient } from '../../../src/http/client.js';
import { LavaClient } from '../../../src/lava/client.js';
import { LavaSimulator } from '../../../src/lava/simulator.js';
import { JobDefinitionError, JobTemplateError, renderJobDefinition, validateJobDefinition } from '../../../src/lava/template.js';
import { BZR_SAMPLE, jobValues } from '../../support/job-values.js';
import { TestToolchain } from '../../e2e/harness.js';

const TEMPLATE = readFileSync('templates/lava/gcc-build.yaml', 'utf8');
const TOKEN = 'simulated-admin-token-0123456789abcdefghijklmnopqrstuvwxyz';
const CALLBACK = { url: 'http://bot.example:8080/hooks/lava/17', token: '0123456789abcdef'.repeat(4) };

describe('LAVA job callbacks', () => {
  it('adds the bot\'s notify block to the rendered job, as lava-server\'s schema takes it', () => {
    const rendered = renderJobDefinition(TEMPLATE, jobValues(BZR_SAMPLE), 'gcc-build', CALLBACK);
    assert.deepEqual(YAML.parse(rendered).notify, {
      criteria: { status: 'finished' },
      callback: { url: CALLBACK.url, method: 'POST', dataset: 'minimal', 'content-type': 'json', token: CALLBACK.token, header: 'X-Cbuild-Bot-Token' },
    });
    assert.deepEqual(validateJobDefinition(rendered).notify, {
      status: 'finished',
      callbacks: [{ url: CALLBACK.url, method: 'POST', token: CALLBACK.token, header: 'X-Cbuild-Bot-Token', dataset: 'minimal', contentType: 'json' }],
    });
    assert.equal(YAML.parse(renderJobDefinition(TEMPLATE, jobValues(BZR_SAMPLE), 'gcc-build')).notify, undefined, 'without webhooks.lava, no notify');
  });

  it('no value can change the block and a template with a notify of its own is refused', () => {
    const hostile = jobValues(BZR_SAMPLE, { target: 'a9hf notify: {criteria: {status: all}}', request_id: '"} notify: {callback: {url: "http://elsewhere/"}}' });
    const parsed = YAML.parse(renderJobDefinition(TEMPLATE, hostile, 'gcc-build', CALLBACK));
    assert.equal(parsed.notify.criteria.status, 'finished');
    assert.equal(parsed.notify.callback.url, CALLBACK.url);
    assert.throws(
      () => renderJobDefinition(`${TEMPLATE}\nnotify:\n  criteria: {status: all}\n  callback: {url: "http://elsewhere/"}\n`, jobValues(BZR_SAMPLE), 'mine', CALLBACK),
      (err: Error) => err instanceof JobTemplateError && /has a notify block of its own; with webhooks\.lava the bot adds the job's notify block itself/.test(err.message),
    );
  });

  it('refuses a notify block lava-server would refuse, with its words', () => {
    const base = renderJobDefinition(TEMPLATE, jobValues(BZR_SAMPLE), 'gcc-build');
    const withNotify = (notify: string) => `${base}notify:\n${notify}`;
    const refused: [string, RegExp][] = [
      ['  callback: {url: "http://x/"}\n', /required key not provided @ data\['notify'\]\['criteria'\]/],
      ['  criteria: {status: sometimes}\n', /not a valid value for dictionary value @ data\['notify'\]\['criteria'\]/],
      ['  criteria: {status: finished}\n  callback: {url: "http://x/", method: PUT}\n', /not a valid value for dictionary value @ data\['notify'\]\['callback'\]\['method'\]/],
      ['  criteria: {status: finished}\n  callback: {url: "http://x/"}\n  callbacks: []\n', /two or more values in the same group of exclusion 'callback'/],
      ['  criteria: {status: finished}\n  callback: {method: POST}\n', /required key not provided @ data\['notify'\]\['callback'\]\['url'\]/],
    ];
    for (const [notify, message] of refused) {
      assert.throws(() => validateJobDefinition(withNotify(notify)), (err: Error) => err instanceof JobDefinitionError && message.test(err.message), notify);
    }
  });

  describe('the simulator, as lava-server 2023.01', () => {
    let lava: LavaSimulator;
    let client: LavaClient;
    let receiver: http.Server;
    let received: { headers: http.IncomingHttpHeaders; body: Record<string, unknown>; stateDuringCall: string }[];
    let answer: number;
    let url: string;

    beforeEach(async () => {
      lava = new LavaSimulator({
        toolchain: new TestToolchain(),
        users: { admin: TOKEN },
        devices: [{ hostname: 'panda-es-01', deviceType: 'panda-es' }],
        timing: { queueMs: 5, scheduleMs: 5, startMs: 5, bootMs: 5, finishMs: 5, cancelMs: 5 },
        resultsPublisher: async () => {},
      });
      client = new LavaClient({ url: `${await lava.start()}RPC2`, user: 'admin', token: TOKEN, http: new HttpClient({ retries: 0 }) });
      received = [];
      answer = 202;
      receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', async () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          // Asked while the callback is on its way, the server still shows the job as it was.
          const stateDuringCall = (await client.showJob(Number(body.id))).state;
          received.push({ headers: req.headers, body, stateDuringCall });
          res.writeHead(answer).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/lava/17`;
    });
    afterEach(async () => {
      await lava.close();
      await new Promise((r) => receiver.close(r));
    });

    it('calls back once when the job is Finished, before saving it: the body has the token and a stale end_time', async () => {
      const [id] = await client.submitJob(renderJobDefinition(TEMPLATE, jobValues(BZR_SAMPLE), 'gcc-build', { url, token: CALLBACK.token }));
      const job = await lava.waitForJob(id);
      assert.equal(job.health, 'Complete');
      assert.equal(received.length, 1);
      const [call] = received;
      assert.equal(call.headers['x-cbuild-bot-token'], CALLBACK.token);
      assert.equal(call.headers['content-type'], 'application/json');
      assert.equal(call.stateDuringCall, 'Running', 'the Finished row is saved after the callback returns');
      assert.deepEqual([call.body.id, call.body.state_string, call.body.health_string, call.body.status_string, call.body.end_time], [id, 'Finished', 'Complete', 'complete', 'None']);
      assert.equal(call.body.token, CALLBACK.token);
      assert.match(String(call.body.submit_time), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      assert.deepEqual(Object.keys(call.body), [
        'id', 'status', 'status_string', 'state', 'state_string', 'health', 'health_string', 'submit_time', 'start_time', 'end_time',
        'submitter_username', 'failure_comment', 'priority', 'description', 'actual_device_id', 'definition', 'metadata', 'token',
      ]);
      assert.notEqual((await client.showJob(id)).end_time, null, 'saved afterwards');
    });

    it('never tries a failed callback again', async () => {
      answer = 500;
      const [id] = await client.submitJob(renderJobDefinition(TEMPLATE, jobValues(BZR_SAMPLE), 'gcc-build', { url, token: CALLBACK.token }));
      await lava.waitForJob(id);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(received.length, 1);
      assert.deepEqual(lava.callbacks().map((c) => c.status), [500]);
    });
  });
});
