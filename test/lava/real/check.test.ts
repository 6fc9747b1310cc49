/**
 * `cbuild-bot check` against a real lava-server 2023.01 (scripts/lava-up.sh),
 * with the Launchpad and CBuild simulators: the token, the device types and
 * the right to submit to them are checked with the calls the real server
 * has (system.whoami, scheduler.device_types.list,
 * system.user_can_submit_to_types), and each failure is named the same way
 * as against the simulator.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../../../src/http/client.js';
import { LavaClient, LavaFault } from '../../../src/lava/client.js';
import { LAVA_TOKEN, startHarness, type Harness } from '../../e2e/harness.js';
import { requireRealLava, type RealLava } from './env.js';
import { runCli } from '../../support/cli.js';

/** `cbuild-bot check` with these Launchpad credentials. */
const check = (config: string, credentials: string) => runCli(['check', '--config', config], { CBUILD_BOT_LP_CREDENTIALS: credentials });

describe('real LAVA: cbuild-bot check', function () {
  this.timeout(120_000);
  let lava: RealLava;
  let h: Harness;
  let tokenFile: string;

  before(async function () {
    lava = requireRealLava(this);
    h = await startHarness();
    tokenFile = join(h.dir, 'real-lava-token');
    writeFileSync(tokenFile, lava.token + '\n', { mode: 0o600 });
  });
  after(() => h?.close());

  function config(name: string, deviceTypes: [string, string], token = tokenFile): string {
    const raw = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    raw.lava = { url: lava.rpcUrl, user: lava.user, tokenFile: token };
    raw.targets.a9hf.lava.deviceType = deviceTypes[0];
    raw.targets.x86_64.lava.deviceType = deviceTypes[1];
    const file = join(h.dir, name);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  it('logs in with the token and finds each device type, which the user may submit to', async () => {
    const run = await check(config('real.json', [lava.deviceType, lava.downDeviceType]), h.credentialsFile);
    assert.equal(run.code, 0, run.stdout);
    const lines = run.stdout.split('\n');
    for (const line of [
      `✓ LAVA at ${lava.rpcUrl}: logged in as '${lava.user}' (lava-server 2023.01)`,
      `✓ LAVA device type '${lava.deviceType}' (target a9hf): 1 device, '${lava.user}' may submit to it`,
      `✓ LAVA device type '${lava.downDeviceType}' (target x86_64): 1 device, '${lava.user}' may submit to it`,
    ]) {
      assert.ok(lines.includes(line), `${line}\nnot in:\n${run.stdout}`);
    }
  });

  it('names a device type the server does not have, with those it has, and a token it refuses', async () => {
    const unknown = await check(config('unknown-type.json', [lava.deviceType, 'panda-es']), h.credentialsFile);
    assert.equal(unknown.code, 1);
    const known = [lava.deviceType, lava.downDeviceType].sort().join(', ');
    assert.ok(
      unknown.stdout.includes(`✗ LAVA at ${lava.rpcUrl} has no device type 'panda-es' (target x86_64); it has: ${known} — fix targets.x86_64.lava.deviceType\n`),
      unknown.stdout,
    );
    const wrong = join(h.dir, 'wrong-lava-token');
    writeFileSync(wrong, 'not-a-token-of-this-server\n', { mode: 0o600 });
    const refused = await check(config('wrong-token.json', [lava.deviceType, lava.downDeviceType], wrong), h.credentialsFile);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, new RegExp(`^✗ LAVA at ${lava.rpcUrl.replace(/[.]/g, '\\.')}: LAVA rejected the token for user '${lava.user}' \\(HTTP 401\\) — check lava\\.user`, 'm'));
  });

  it('the simulator answers system.user_can_submit_to_types as the real server does', async () => {
    const http = new HttpClient({ retries: 0 });
    const pairs: [LavaClient, LavaClient, string][] = [
      [new LavaClient({ url: lava.rpcUrl, user: lava.user, token: lava.token, http }), new LavaClient({ url: lava.rpcUrl, http }), lava.deviceType],
      [new LavaClient({ url: h.lava.rpcUrl, user: 'cbuild-bot', token: LAVA_TOKEN, http }), new LavaClient({ url: h.lava.rpcUrl, http }), 'panda-es'],
    ];
    const answers = [];
    for (const [client, anonymous, type] of pairs) {
      const anonymously = await anonymous.canSubmitTo([type]).catch((err: unknown) => err);
      const notAList = await client.call('system.user_can_submit_to_types', type).catch((err: unknown) => err);
      const other = await client.call('system.user_can_submit_to_types', [type], 'somebody-else').catch((err: unknown) => err);
      answers.push({
        known: await client.canSubmitTo([type, 'no-such-type']),
        anonymously: anonymously instanceof LavaFault ? [anonymously.faultCode, anonymously.faultString] : anonymously,
        notAList: notAList instanceof LavaFault ? [notAList.faultCode, notAList.faultString] : notAList,
        other: other instanceof LavaFault ? other.faultCode : other,
      });
    }
    const [real, simulated] = answers;
    assert.deepEqual(real.known, { [lava.deviceType]: true });
    assert.deepEqual(simulated.known, { 'panda-es': true });
    assert.deepEqual(real.anonymously, [401, 'Authentication with user and token required for this API.']);
    assert.deepEqual(simulated.anonymously, real.anonymously);
    assert.deepEqual(real.notAList, [400, 'type list argument must be a list']);
    assert.deepEqual(simulated.notAList, real.notAList);
    // The real admin is a superuser who may ask for another user (404: no such user); the simulator's users may not (401).
    assert.equal(real.other, 404);
    assert.equal(simulated.other, 401);
  });
});
