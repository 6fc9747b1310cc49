/** The LAVA client against a real lava-server 2023.01 (scripts/lava-up.sh). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LavaAuthError, LavaClient, LavaFault } from '../../../src/lava/client.js';
import { renderJobDefinition } from '../../../src/lava/template.js';
import { HttpClient } from '../../../src/http/client.js';
import { projectRoot } from '../../../src/config/config.js';
import { requireRealLava, waitFor, type RealLava } from './env.js';
import { jobValues } from '../../support/job-values.js';

describe('real LAVA: client calls', function () {
  this.timeout(240_000);
  let lava: RealLava;
  let client: LavaClient;
  const http = new HttpClient({ retries: 2, minDelayMs: 200 });

  before(function () {
    lava = requireRealLava(this);
    client = new LavaClient({ url: lava.rpcUrl, user: lava.user, token: lava.token, http });
  });

  function toyJob(name: string): string {
    const requested = {
      source: { vcs: 'bzr' as const, path: '~nobody/toy/does-not-exist', ref: null },
      source_url: join(lava.stateDir, 'branches', 'does-not-exist'),
      revision: { id: 'nobody@example.invalid-20260101000000-0000000000000000', revno: 1 },
    };
    return renderJobDefinition(
      readFileSync(join(projectRoot(), 'templates/lava/toy-build.yaml'), 'utf8'),
      jobValues(requested, {
        job_name: name,
        device_type: lava.deviceType,
        target: 'toy',
        cbuild_job: 'toy+bzr1~nobody~client-test~r0',
        results_url: 'http://127.0.0.1:9/build/toy/logs/',
        request_id: '0',
      }),
    );
  }

  it('talks to lava-server 2023.01 and lists its devices and queue', async () => {
    assert.equal(await client.version(), '2023.01');
    assert.equal(await client.whoami(), lava.user);
    const devices = await client.devicesList();
    assert.ok(devices.some((d) => d.type === lava.deviceType && d.health === 'Good'), JSON.stringify(devices));
    const pending = await client.pendingJobsByDeviceType();
    assert.equal(typeof pending[lava.deviceType], 'number');
  });

  it('submits, shows, reads logs of and cancels a job', async () => {
    const [id] = await client.submitJob(toyJob(`cbuild-bot client test ${Date.now()}`));
    assert.ok(Number.isInteger(id));
    const shown = await client.showJob(id);
    assert.equal(shown.id, id);
    assert.equal(shown.device_type, lava.deviceType);
    assert.ok(['Submitted', 'Scheduling', 'Scheduled', 'Running'].includes(shown.state), shown.state);
    const found = await client.findJobsByDescription(shown.description);
    assert.deepEqual(found.map((j) => j.id), [id]);
    await waitFor('the job to start', async () => ((await client.showJob(id)).state === 'Running' ? true : undefined));
    const logs = await waitFor('log lines', async () => {
      const got = await client.jobLogs(id);
      return got.entries.length > 0 ? got : undefined;
    });
    assert.equal(logs.entries[0].msg, 'lava-dispatcher, installed at version: 2023.01');
    await client.cancelJob(id);
    const ended = await waitFor('the job to end', async () => {
      const j = await client.showJob(id);
      return j.state === 'Finished' ? j : undefined;
    });
    assert.ok(['Canceled', 'Incomplete'].includes(ended.health), `after cancel: ${ended.health}`);
  });

  it('turns LAVA faults into typed errors: 404 unknown job, 400 bad definition, 401 bad token', async () => {
    await assert.rejects(client.showJob(999_999), (err: unknown) => {
      assert.ok(err instanceof LavaFault);
      assert.equal(err.faultCode, 404);
      assert.equal(err.faultString, "Job '999999' was not found.");
      return true;
    });
    await assert.rejects(client.submitJob('job_name: x\nvisibility: public\nactions: []\n'), (err: unknown) => {
      assert.ok(err instanceof LavaFault);
      assert.equal(err.faultCode, 400);
      assert.match(err.faultString, /^Problem with submitted job data: .*timeouts/);
      return true;
    });
    const wrong = new LavaClient({ url: lava.rpcUrl, user: lava.user, token: 'not-the-token-' + 'x'.repeat(40), http });
    await assert.rejects(wrong.version(), (err: unknown) => {
      assert.ok(err instanceof LavaAuthError);
      assert.match(err.message, /LAVA rejected the token for user 'admin' \(HTTP 401\)/);
      assert.doesNotMatch(err.message, /not-the-token/);
      return true;
    });
  });
});
