/** The `webhooks` settings: defaults, the secret from a file (never the config), and problems named without showing it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigError, readWebhookSecret } from '../../src/config/config.js';
import { clearSecretsForTests, redact } from '../../src/secrets.js';
import { testConfig } from '../support/context.js';

describe('config: webhooks', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'webhooks-config-'))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    clearSecretsForTests();
  });

  it('is off unless set, with documented defaults when it is', () => {
    assert.deepEqual(testConfig().webhooks, {});
    const config = testConfig({ webhooks: { launchpad: { secretFile: 'secret' }, lava: { url: 'http://bot.example:8080/' } } });
    assert.deepEqual(config.webhooks.launchpad, { secretFile: join(process.cwd(), 'secret'), path: '/hooks/launchpad', pollSchedule: '*/30 * * * *', sweepSeconds: 3600 });
    assert.deepEqual(config.webhooks.lava, { url: 'http://bot.example:8080/' });
  });

  it('names what is wrong: the secret in the config, a bad schedule, a URL without its slash', () => {
    const problems = (webhooks: unknown) => {
      try {
        testConfig({ webhooks });
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
      return '';
    };
    assert.match(problems({ launchpad: { secretFile: 's', secret: 'hunter2hunter2' } }), /webhooks\.launchpad\.secret: secrets do not belong in the config file/);
    assert.match(problems({ launchpad: { secretFile: 's', pollSchedule: 'often' } }), /webhooks\.launchpad\.pollSchedule: "often" is not a valid cron expression/);
    assert.match(problems({ launchpad: {} }), /webhooks\.launchpad: is missing required field 'secretFile'/);
    assert.match(problems({ lava: { url: 'http://bot.example:8080' } }), /webhooks\.lava\.url/);
  });

  it('reads the secret from its file, registers it as a secret, and says what is wrong with one without showing it', () => {
    const file = join(dir, 'secret');
    const config = testConfig({ webhooks: { launchpad: { secretFile: file } } });
    assert.throws(() => readWebhookSecret(config, {}), (err: ConfigError) => err.file === file && /cannot read the webhook secret file \(webhooks\.launchpad\.secretFile\)/.test(err.message));
    writeFileSync(file, 'a-long-random-webhook-secret\n');
    assert.equal(readWebhookSecret(config, {}), 'a-long-random-webhook-secret');
    assert.equal(redact('signed with a-long-random-webhook-secret'), 'signed with ***');
    const long = 'x'.repeat(201);
    writeFileSync(file, long);
    assert.throws(() => readWebhookSecret(config, {}), (err: Error) => /has 201 characters; Launchpad takes at most 200/.test(err.message) && !err.message.includes(long));
    writeFileSync(file, 'two\nlines-of-secret-text');
    assert.throws(() => readWebhookSecret(config, {}), /holds a control character/);
    writeFileSync(file, 'short');
    assert.throws(() => readWebhookSecret(config, {}), (err: Error) => /only 5 characters/.test(err.message) && !err.message.includes('short'));
    const other = join(dir, 'other');
    writeFileSync(other, 'from-the-environment-0123');
    assert.equal(readWebhookSecret(config, { CBUILD_BOT_WEBHOOK_SECRET_FILE: other }), 'from-the-environment-0123');
    assert.equal(readWebhookSecret(testConfig(), {}), undefined, 'no webhooks, no secret');
  });
});
