import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import nock from 'nock';
import { HttpClient, HttpError } from '../../../src/http/client.js';
import { redact } from '../../../src/secrets.js';
import {
  LavaAuthError,
  LavaClient,
  LavaFault,
  LavaHttpError,
  LavaProtocolError,
  parseLogLines,
  type LavaFaultKind,
} from '../../../src/lava/client.js';
import { encodeFault, encodeMethodResponse, parseMethodCall, type XmlRpcInput } from '../../../src/lava/xmlrpc.js';

const ORIGIN = 'http://lava.test:8000';
const TOKEN = 'k3x9q0w8e7r6t5y4u3i2o1p0a9s8d7f6g5h4j3k2l1z0x9c8v7b6n5m4q3w2e1r0';

function client(): LavaClient {
  return new LavaClient({
    url: `${ORIGIN}/RPC2`,
    user: 'admin',
    token: TOKEN,
    http: new HttpClient({ retries: 2, minDelayMs: 1, maxDelayMs: 5 }),
  });
}

/** Expects one XML-RPC call of `method`, answering `body` (a value, or raw text). */
function expectCall(method: string, reply: { value?: XmlRpcInput; fault?: [number, string]; status?: number; raw?: string; headers?: Record<string, string> }) {
  const body = reply.raw ?? (reply.fault ? encodeFault(...reply.fault) : encodeMethodResponse(reply.value ?? null));
  return nock(ORIGIN)
    .post('/RPC2', (sent: string) => parseMethodCall(sent).method === method)
    .reply(reply.status ?? 200, body, { 'content-type': 'application/xml; charset=utf-8', ...reply.headers });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected the call to fail');
}

describe('LavaClient', () => {
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('sends Basic auth user:token and the call as XML-RPC', async () => {
    let authorization: string | undefined;
    let sent: ReturnType<typeof parseMethodCall> | undefined;
    nock(ORIGIN)
      .post('/RPC2', (body: string) => {
        sent = parseMethodCall(body);
        return true;
      })
      .reply(function () {
        authorization = this.req.headers.authorization as string;
        return [200, encodeMethodResponse(7), { 'content-type': 'application/xml' }];
      });
    assert.deepEqual(await client().submitJob('job_name: x\n'), [7]);
    assert.equal(authorization, `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`);
    assert.deepEqual(sent, { method: 'scheduler.jobs.submit', params: ['job_name: x\n'] });
  });

  it('registers the token as a secret so logs and errors never show it', () => {
    client();
    assert.equal(redact(`token=${TOKEN}`), 'token=***');
  });

  describe('faults', () => {
    const cases: [number, string, string, LavaFaultKind][] = [
      [404, 'scheduler.jobs.show', "Job '999' was not found.", 'not-found'],
      [400, 'scheduler.jobs.submit', "Problem with submitted job data: required key not provided @ data['timeouts']", 'bad-request'],
      [401, 'scheduler.jobs.cancel', 'Authentication with user and token required for this API.', 'auth-required'],
      [403, 'scheduler.jobs.cancel', 'Permission denied.', 'forbidden'],
      [-32601, 'scheduler.job_status', "No such method: 'scheduler.job_status'", 'no-such-method'],
      [-32603, 'scheduler.jobs.show', 'Internal Server Error (contact server administrator for details): boom', 'internal'],
      [409, 'dashboard.put', 'Bundle already exists', 'other'],
    ];
    for (const [code, method, text, kind] of cases) {
      it(`turns fault ${code} into LavaFault kind '${kind}'`, async () => {
        expectCall(method, { fault: [code, text] });
        const err = await rejection(client().call(method, 999));
        assert.ok(err instanceof LavaFault);
        assert.equal(err.faultCode, code);
        assert.equal(err.faultString, text);
        assert.equal(err.kind, kind);
        assert.equal(err.method, method);
        assert.equal(err.message, `LAVA ${method} failed: fault ${code}: ${text}`);
      });
    }

    it('reports a fault from a typed wrapper too', async () => {
      expectCall('scheduler.jobs.show', { fault: [404, "Job '999' was not found."] });
      const err = await rejection(client().showJob(999));
      assert.ok(err instanceof LavaFault && err.kind === 'not-found');
    });
  });

  describe('HTTP failures', () => {
    it('turns HTTP 401 into LavaAuthError naming the user, never the token', async () => {
      expectCall('system.whoami', {
        status: 401,
        raw: 'Invalid token',
        headers: { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="XML-RPC Authentication token"' },
      });
      const err = await rejection(client().whoami());
      assert.ok(err instanceof LavaAuthError);
      assert.equal(err.message, "LAVA rejected the token for user 'admin' (HTTP 401)");
      assert.equal(err.statusCode, 401);
      assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes(TOKEN));
    });

    it('retries a read after HTTP 502 and returns the answer', async () => {
      const scope = nock(ORIGIN)
        .post('/RPC2')
        .reply(502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' })
        .post('/RPC2')
        .reply(200, encodeMethodResponse('2023.01'), { 'content-type': 'application/xml' });
      assert.equal(await client().version(), '2023.01');
      assert.ok(scope.isDone());
    });

    it('does not repeat a submission after HTTP 502: a second job could result', async () => {
      const scope = expectCall('scheduler.jobs.submit', { status: 502, raw: 'Bad Gateway', headers: { 'content-type': 'text/plain' } });
      const err = await rejection(client().submitJob('job'));
      assert.ok(err instanceof LavaHttpError);
      // An HttpError: the bot then looks for the job before submitting again.
      assert.ok(err instanceof HttpError);
      assert.equal(err.statusCode, 502);
      assert.equal(err.rpcMethod, 'scheduler.jobs.submit');
      assert.match(err.message, /^LAVA scheduler.jobs.submit failed: HTTP 502 from http:\/\/lava.test:8000\/RPC2: Bad Gateway$/);
      assert.ok(scope.isDone());
    });

    it('reports a connection reset during submit once, as a transport failure with its code', async () => {
      let connections = 0;
      const server = net.createServer((socket) => {
        connections++;
        socket.once('data', () => socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      nock.enableNetConnect('127.0.0.1');
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`;
        const lava = new LavaClient({ url, user: 'admin', token: TOKEN, http: new HttpClient({ retries: 2, minDelayMs: 1 }) });
        const err = await rejection(lava.submitJob('job'));
        assert.ok(err instanceof LavaHttpError && err instanceof HttpError);
        assert.equal(err.code, 'ECONNRESET');
        assert.equal(err.statusCode, undefined);
        assert.match(err.message, /^LAVA scheduler.jobs.submit failed: POST http:\/\/127.0.0.1:\d+\/RPC2 failed: ECONNRESET/);
        assert.equal(connections, 1, 'a submission that may have arrived is not repeated');
      } finally {
        nock.disableNetConnect();
        server.close();
      }
    });

    it('gives up on a persistent 503 with the status', async () => {
      nock(ORIGIN).post('/RPC2').times(3).reply(503, 'busy');
      const err = await rejection(client().version());
      assert.ok(err instanceof LavaHttpError);
      assert.equal(err.statusCode, 503);
    });

    it('reports an HTML error page instead of XML', async () => {
      expectCall('scheduler.jobs.show', { status: 500, raw: '<!DOCTYPE html><html><title>Server Error (500)</title></html>', headers: { 'content-type': 'text/html' } });
      const err = await rejection(client().showJob(1));
      assert.ok(err instanceof LavaHttpError);
      assert.equal(err.statusCode, 500);
      assert.match(err.message, /HTTP 500 .*Server Error \(500\)/);
    });

    it('reports an HTML page answered with 200 (a login portal, a proxy) as not XML-RPC', async () => {
      expectCall('scheduler.jobs.show', { raw: '<html><head><title>Sign in</title></head><body>Sign in</body></html>', headers: { 'content-type': 'text/html' } });
      const err = await rejection(client().showJob(1));
      assert.ok(err instanceof LavaProtocolError);
      assert.match(err.message, /not XML-RPC \(text\/html\): expected an XML-RPC <methodResponse>, found <html>/);
    });

    it('reports malformed XML', async () => {
      expectCall('scheduler.jobs.show', { raw: '<?xml version="1.0"?><methodResponse><params><param><value><struct>' });
      const err = await rejection(client().showJob(1));
      assert.ok(err instanceof LavaProtocolError);
      assert.match(err.message, /malformed XML: .*document ends inside <struct>/);
    });

    it('reports a redirect, which means the URL is not the RPC endpoint', async () => {
      expectCall('system.version', { status: 302, raw: '', headers: { location: '/api/help/' } });
      const err = await rejection(client().version());
      assert.ok(err instanceof LavaHttpError);
      assert.match(err.message, /HTTP 302 \(redirect to \/api\/help\/\)/);
    });
  });

  describe('typed wrappers', () => {
    it('reads scheduler.jobs.show with nil and zone-less dates', async () => {
      expectCall('scheduler.jobs.show', {
        value: {
          description: 'cbuild-bot r42 a9hf x',
          device: 'build-host-01',
          device_type: 'ssh',
          end_time: new Date('2026-11-24T20:25:59Z'),
          failure_comment: null,
          health: 'Complete',
          health_check: false,
          id: 2,
          pipeline: true,
          start_time: new Date('2026-11-24T20:25:39Z'),
          state: 'Finished',
          submit_time: new Date('2026-11-24T20:25:07Z'),
          submitter: 'admin',
          tags: [],
          visibility: 'Public',
        },
      });
      assert.deepEqual(await client().showJob(2), {
        id: 2,
        description: 'cbuild-bot r42 a9hf x',
        device: 'build-host-01',
        device_type: 'ssh',
        state: 'Finished',
        health: 'Complete',
        submitter: 'admin',
        submit_time: new Date('2026-11-24T20:25:07Z'),
        start_time: new Date('2026-11-24T20:25:39Z'),
        end_time: new Date('2026-11-24T20:25:59Z'),
        failure_comment: null,
      });
    });

    it('names the field when show answers an unknown state', async () => {
      expectCall('scheduler.jobs.show', { value: { id: 2, description: 'd', state: 'Exploded', health: 'Unknown', submitter: 'a' } });
      const err = await rejection(client().showJob(2));
      assert.ok(err instanceof LavaProtocolError);
      assert.match(err.message, /field 'state' should be one of Submitted, .*got "Exploded"/);
    });

    it('normalises submit answers: an int, or a list of ids', async () => {
      expectCall('scheduler.jobs.submit', { value: ['12', 13] });
      assert.deepEqual(await client().submitJob('job'), [12, 13]);
      expectCall('scheduler.jobs.submit', { value: ['12.0', '12.1'] });
      const err = await rejection(client().submitJob('job'));
      assert.match(err.message, /job id "12.0"; multinode sub-job ids are not supported/);
    });

    it('reads log lines from the Binary, message maps included', async () => {
      const log =
        '- {"dt": "2026-11-24T20:25:39.953559", "lvl": "info", "msg": "lava-dispatcher, installed at version: 2023.01"}\n' +
        '- {"dt": "2026-11-24T20:25:41.1", "lvl": "results", "msg": {"case": "build", "definition": "0_build", "result": "pass"}}\n' +
        "- {dt: '2026-11-24T20:25:42', lvl: target, msg: 'plain YAML: still fine'}\n";
      expectCall('scheduler.jobs.logs', { value: [true, Buffer.from(log)] });
      const { finished, entries } = await client().jobLogs(3, 10);
      assert.equal(finished, true);
      assert.deepEqual(entries.map((e) => e.msg), [
        'lava-dispatcher, installed at version: 2023.01',
        { case: 'build', definition: '0_build', result: 'pass' },
        'plain YAML: still fine',
      ]);
    });

    it('reads an empty log as no entries', async () => {
      expectCall('scheduler.jobs.logs', { value: [false, Buffer.from('[]')] });
      assert.deepEqual(await client().jobLogs(3), { finished: false, entries: [] });
      assert.throws(() => parseLogLines('- not a map\n'), /log line 1 is not a \{dt, lvl, msg\} entry/);
    });

    it('reads results YAML into suite/name/result', async () => {
      const yaml =
        "- {id: '1', job: '2', level: '1', log_end_line: '9', log_start_line: '9', logged: '2026-11-24 20:25:41.7+00:00', measurement: 'None', metadata: {}, name: validate, result: pass, suite: lava, unit: '', url: /results/testcase/1}\n" +
        "- {id: '2', job: '2', name: build, result: fail, suite: 0_build, measurement: 'None'}\n";
      expectCall('results.get_testjob_results_yaml', { value: yaml });
      assert.deepEqual(await client().jobResults(2), [
        { suite: 'lava', name: 'validate', result: 'pass' },
        { suite: '0_build', name: 'build', result: 'fail' },
      ]);
    });

    it('finds jobs by description across pages, newest first', async () => {
      const page = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => {
          const id = from - i;
          return { id, description: id % 40 === 0 ? 'wanted' : `other ${id}`, device_type: 'ssh', health: 'Unknown', state: 'Submitted', submitter: 'admin', actual_device: null, start_time: null, end_time: null, error_msg: null, error_type: null };
        });
      const starts: number[] = [];
      nock(ORIGIN)
        .post('/RPC2')
        .times(2)
        .reply((_uri, body) => {
          const { params } = parseMethodCall(body as string);
          const start = params[2] as number;
          starts.push(start);
          return [200, encodeMethodResponse(start === 0 ? page(150, 100) : page(50, 50)), { 'content-type': 'application/xml' }];
        });
      const found = await client().findJobsByDescription('wanted');
      assert.deepEqual(found.map((j) => j.id), [120, 80, 40]);
      assert.deepEqual(starts, [0, 100]);
    });

    it('reads devices and pending jobs per device type', async () => {
      expectCall('scheduler.devices.list', {
        value: [{ current_job: 4, health: 'Good', hostname: 'build-host-01', pipeline: true, state: 'Running', type: 'ssh' }],
      });
      assert.deepEqual(await client().devicesList(), [
        { hostname: 'build-host-01', type: 'ssh', health: 'Good', state: 'Running', current_job: 4, pipeline: true },
      ]);
      expectCall('scheduler.pending_jobs_by_device_type', { value: { ssh: 2, 'panda-es': 0 } });
      assert.deepEqual(await client().pendingJobsByDeviceType(), { ssh: 2, 'panda-es': 0 });
    });

    it('links to job pages under the server root', () => {
      const c = new LavaClient({ url: 'https://validation.linaro.org/RPC2/', http: new HttpClient() });
      assert.equal(c.jobUrl(12), 'https://validation.linaro.org/scheduler/job/12');
      assert.equal(c.logUrl(12), 'https://validation.linaro.org/scheduler/job/12/log_file/plain');
      const mounted = new LavaClient({ url: 'http://host/lava-server/RPC2', http: new HttpClient() });
      assert.equal(mounted.jobUrl(3), 'http://host/lava-server/scheduler/job/3');
    });

    it('refuses a URL that is not the RPC2 endpoint or carries credentials', () => {
      assert.throws(() => new LavaClient({ url: 'http://host/api/', http: new HttpClient() }), /must be the XML-RPC endpoint, ending in \/RPC2/);
      assert.throws(
        () => new LavaClient({ url: `http://admin:${TOKEN}@host/RPC2`, http: new HttpClient() }),
        (err: unknown) => err instanceof Error && /carries credentials/.test(err.message) && !err.message.includes(TOKEN),
      );
    });
  });
});
