/**
 * The preflight as an operator meets it: `cbuild-bot check` and the start of
 * `run`/`once`, as separate processes against the simulators, with real
 * files. Each broken set-up is named by its exact line and exit code.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/config.js';
import { startHarness, type Harness } from '../e2e/harness.js';
import { runCli } from '../support/cli.js';

const TEMPLATE = join(projectRoot(), 'templates/lava/gcc-build.yaml');



type RawConfig = {
  lava: { url: string; user: string; tokenFile?: string };
  cbuild: { schedulerUrl: string };
  targets: Record<string, { cbuild: { queue: string }; lava: { deviceType: string; template: string } }>;
  launchpad: { credentialsFile?: string };
  [key: string]: unknown;
};

describe('preflight: cbuild-bot check, and run/once at start', function () {
  this.timeout(60_000);
  let h: Harness;
  let env: Record<string, string>;
  let lp: string;
  let lava: string;
  let scheduler: string;

  beforeEach(async () => {
    h = await startHarness();
    env = { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile };
    lp = `${new URL('/', h.config.launchpad.serviceRoot)}1.0/`;
    lava = h.config.lava.url;
    scheduler = h.config.cbuild.schedulerUrl.replace(/\/?$/, '/');
  });
  afterEach(() => h.close());

  /** The harness's config with `change` applied, written next to it. */
  function configWith(change: (raw: RawConfig) => void, name = 'changed.json'): string {
    const raw = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8')) as RawConfig;
    change(raw);
    const file = join(h.dir, name);
    writeFileSync(file, JSON.stringify(raw, null, 2));
    return file;
  }

  const file = () => join(h.dir, 'bot.config.json');

  it('passes every check against the simulators: one ✓ line per item, exit 0', async () => {
    const run = await runCli(['check', '--config', file()], env);
    assert.equal(run.stderr, '');
    assert.equal(
      run.stdout,
      [
        `cbuild-bot check: ${file()}`,
        `✓ config ${file()} is valid`,
        `✓ job template ${TEMPLATE} for target a9hf: renders for bzr and git sources, and LAVA's schema accepts the job`,
        `✓ job template ${TEMPLATE} for target x86_64: renders for bzr and git sources, and LAVA's schema accepts the job`,
        `✓ Launchpad credentials file ${h.credentialsFile}: readable by this user only`,
        `✓ LAVA token file ${h.lavaTokenFile}: readable by this user only`,
        `✓ Launchpad: logged in as ~cbuild-bot (CBuild bot) at ${lp}`,
        `✓ LAVA at ${lava}: logged in as 'cbuild-bot' (lava-server 2023.01)`,
        `✓ LAVA device type 'panda-es' (target a9hf): 1 device, 'cbuild-bot' may submit to it`,
        `✓ LAVA device type 'x86_64-build' (target x86_64): 1 device, 'cbuild-bot' may submit to it`,
        `✓ CBuild scheduler at ${scheduler}: answers, 2 queues`,
        `✓ CBuild queue 'a9hf-ubuntu' (target a9hf): 1 host, 0 queued, 0 running`,
        `✓ CBuild queue 'x86_64-ubuntu' (target x86_64): 1 host, 0 queued, 0 running`,
        'all 12 checks passed',
        '',
      ].join('\n'),
    );
  });

  it('renders the templates as the bot submits them: with LAVA callbacks on, a template with a notify block of its own is named', async () => {
    const withNotify = join(h.dir, 'with-notify.yaml');
    writeFileSync(withNotify, `${readFileSync(TEMPLATE, 'utf8')}\nnotify:\n  criteria:\n    status: finished\n  recipients: []\n`);
    const config = configWith((raw) => {
      raw.targets.a9hf.lava.template = withNotify;
      raw.webhooks = { lava: { url: 'http://bot.lab.example:8080/' } };
    });
    const check = await runCli(['check', '--config', config], env);
    assert.equal(check.code, 1, check.stdout);
    assert.ok(
      check.stdout.split('\n').some((l) => l.startsWith(`✗ job template '${withNotify}' for target 'a9hf' has a notify block of its own; with webhooks.lava the bot adds the job's notify block itself`)),
      check.stdout,
    );
    const withoutCallbacks = await runCli(['check', '--config', configWith((raw) => void (raw.targets.a9hf.lava.template = withNotify), 'no-callbacks.json')], env);
    assert.equal(withoutCallbacks.code, 0, withoutCallbacks.stdout);
  });

  it('names a template that is not YAML and one LAVA would refuse, with file and target, exit 1; once refuses to start on them', async () => {
    const notYaml = join(h.dir, 'not-yaml.yaml');
    writeFileSync(notYaml, readFileSync(TEMPLATE, 'utf8').replace('priority: medium', 'priority: [medium'));
    const noTimeouts = join(h.dir, 'no-timeouts.yaml');
    writeFileSync(noTimeouts, readFileSync(TEMPLATE, 'utf8').replace(/^timeouts:\n(  .*\n)+/m, ''));
    const config = configWith((raw) => {
      raw.targets.a9hf.lava.template = notYaml;
      raw.targets.x86_64.lava.template = noTimeouts;
    });
    const fix = ' — fix the template: a LAVA v2 job definition with {{placeholders}} (README: LAVA job templates)';
    const notYamlLine = `✗ job template '${notYaml}' for target 'a9hf' is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 27, column 1 (for a bzr and a git sample build)${fix}`;
    const refusedLine = `✗ job template '${noTimeouts}' for target 'x86_64' renders a job LAVA would refuse: Problem with submitted job data: required key not provided @ data['timeouts'] (for a bzr and a git sample build)${fix}`;
    const check = await runCli(['check', '--config', config], env);
    assert.equal(check.code, 1);
    const lines = check.stdout.split('\n');
    assert.deepEqual([lines[2], lines[3]], [notYamlLine, refusedLine]);
    assert.match(check.stdout, /^2 of 12 checks failed$/m);

    const once = await runCli(['once', '--config', config], env);
    assert.equal(once.code, 1);
    assert.equal(
      once.stderr,
      `cbuild-bot once: refusing to start: the configuration cannot work:\n  ${notYamlLine}\n  ${refusedLine}\n(cbuild-bot check --config ${config} lists every check.)\n`,
    );
    assert.equal(h.toolchain.specs.length + h.lava.jobs().length, 0, 'nothing was built');
    assert.equal(existsSync(join(h.dir, 'bot.sqlite')), false, 'the database was not even opened');
  });

  it('names a missing LAVA token file and one readable by others (chmod 600); run refuses to start on either', async () => {
    const missing = join(h.dir, 'no-such-token');
    const config = configWith((raw) => (raw.lava.tokenFile = missing));
    const check = await runCli(['check', '--config', config], env);
    assert.equal(check.code, 1);
    const missingLine = `✗ LAVA token file ${missing} (lava.tokenFile) does not exist — put a token of LAVA user 'cbuild-bot' in it, readable by this user only (README: Secrets)`;
    assert.ok(check.stdout.split('\n').includes(missingLine), check.stdout);
    // LAVA is then asked anonymously: it answers, and the device types are still checked.
    assert.ok(check.stdout.includes(`✓ LAVA at ${lava}: answers anonymously (lava-server 2023.01)\n✓ LAVA device type 'panda-es' (target a9hf): 1 device\n`), check.stdout);
    const run = await runCli(['run', '--config', config], env);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `cbuild-bot run: refusing to start: the configuration cannot work:\n  ${missingLine}\n(cbuild-bot check --config ${config} lists every check.)\n`);

    chmodSync(h.lavaTokenFile, 0o644);
    const exposed = await runCli(['check', '--config', file()], env);
    assert.equal(exposed.code, 1);
    const exposedLine = `✗ LAVA token file ${h.lavaTokenFile} is readable by everyone (mode 0644) — chmod 600 ${h.lavaTokenFile}`;
    assert.ok(exposed.stdout.split('\n').includes(exposedLine), exposed.stdout);
    assert.match(exposed.stdout, /^1 of 12 checks failed$/m);
    chmodSync(h.credentialsFile, 0o640);
    const both = await runCli(['run', '--config', file()], env);
    assert.equal(both.code, 1);
    assert.equal(
      both.stderr,
      'cbuild-bot run: refusing to start: the configuration cannot work:\n' +
        `  ✗ Launchpad credentials file ${h.credentialsFile} is readable by its group (mode 0640) — chmod 600 ${h.credentialsFile}\n` +
        `  ${exposedLine}\n(cbuild-bot check --config ${file()} lists every check.)\n`,
    );
  });

  it('names a webhook secret file that is missing, readable by others or too short; run refuses to start on it', async () => {
    const secret = join(h.dir, 'webhook-secret');
    const config = configWith((raw) => (raw.webhooks = { launchpad: { secretFile: secret } }));
    const missing = await runCli(['check', '--config', config], env);
    assert.equal(missing.code, 1);
    assert.ok(missing.stdout.split('\n').includes(`✗ webhook secret file ${secret} (webhooks.launchpad.secretFile) does not exist — sh -c 'umask 077 && openssl rand -hex 32 > ${secret}', then cbuild-bot webhooks register (README: Events)`), missing.stdout);
    writeFileSync(secret, 'short\n', { mode: 0o644 });
    const exposed = await runCli(['check', '--config', config], env);
    assert.ok(exposed.stdout.split('\n').includes(`✗ webhook secret file ${secret} is readable by everyone (mode 0644) — chmod 600 ${secret}`), exposed.stdout);
    chmodSync(secret, 0o600);
    const short = await runCli(['check', '--config', config], env);
    assert.ok(short.stdout.includes(`✗ the webhook secret has only 5 characters; use at least 16 random ones`), short.stdout);
    assert.doesNotMatch(short.stdout, /short/, 'the secret itself is never shown');
    const run = await runCli(['run', '--config', config], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refusing to start: the configuration cannot work:\n {2}✗ the webhook secret has only 5 characters/);
    writeFileSync(secret, 'a'.repeat(64) + '\n');
    const good = await runCli(['check', '--config', config], env);
    assert.ok(good.stdout.split('\n').includes(`✓ webhook secret file ${secret}: readable by this user only`), good.stdout);
  });

  it('names Launchpad credentials that Launchpad refuses (401) and refuses to start on them; the token never shows', async () => {
    const revoked = join(h.dir, 'revoked-credentials');
    writeFileSync(revoked, '[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = RevokedToken12345678\naccess_secret = RevokedSecret0123456789\n', { mode: 0o600 });
    const line =
      `✗ Launchpad at ${lp}, with the credentials in ${revoked}: Launchpad rejected the OAuth credentials: Unknown access token (***). (GET ${lp}people/+me)` +
      ' — the token was revoked, has expired or was never approved: make a new one with `cbuild-bot login --force`';
    const check = await runCli(['check', '--config', file()], { CBUILD_BOT_LP_CREDENTIALS: revoked });
    assert.equal(check.code, 1);
    assert.ok(check.stdout.split('\n').includes(line), check.stdout);
    const once = await runCli(['once', '--config', file()], { CBUILD_BOT_LP_CREDENTIALS: revoked });
    assert.equal(once.code, 1);
    assert.equal(once.stderr, `cbuild-bot once: refusing to start: the configuration cannot work:\n  ${line}\n(cbuild-bot check --config ${file()} lists every check.)\n`);
    assert.ok(!(check.stdout + once.stderr).includes('RevokedToken12345678'));
  });

  it('names a LAVA token LAVA refuses (HTTP 401)', async () => {
    writeFileSync(h.lavaTokenFile, 'not-the-token-of-cbuild-bot\n');
    const check = await runCli(['check', '--config', file()], env);
    assert.equal(check.code, 1);
    assert.ok(
      check.stdout.includes(
        `✗ LAVA at ${lava}: LAVA rejected the token for user 'cbuild-bot' (HTTP 401) — check lava.user ('cbuild-bot') and the token (lava.tokenFile, $CBUILD_BOT_LAVA_TOKEN_FILE or $CBUILD_BOT_LAVA_TOKEN): it must be a token of that user (README: Secrets)\n`,
      ),
      check.stdout,
    );
  });

  it('names an unknown LAVA device type and an unknown CBuild queue with what the services have', async () => {
    const config = configWith((raw) => {
      raw.targets.a9hf.lava.deviceType = 'panda-xs';
      raw.targets.x86_64.cbuild.queue = 'x86-64-ubuntu';
    });
    const check = await runCli(['check', '--config', config], env);
    assert.equal(check.code, 1);
    const lines = check.stdout.split('\n');
    const deviceLine = `✗ LAVA at ${lava} has no device type 'panda-xs' (target a9hf); it has: panda-es, x86_64-build — fix targets.a9hf.lava.deviceType`;
    const queueLine = `✗ CBuild scheduler at ${scheduler} has no queue 'x86-64-ubuntu' (target x86_64); it has: a9hf-ubuntu, x86_64-ubuntu — fix targets.x86_64.cbuild.queue`;
    assert.ok(lines.includes(deviceLine), check.stdout);
    assert.ok(lines.includes(queueLine), check.stdout);
    assert.match(check.stdout, /^2 of 12 checks failed$/m);
    const once = await runCli(['once', '--config', config], env);
    assert.equal(once.code, 1);
    assert.equal(once.stderr, `cbuild-bot once: refusing to start: the configuration cannot work:\n  ${deviceLine}\n  ${queueLine}\n(cbuild-bot check --config ${config} lists every check.)\n`);
  });

  it('starts when a service does not answer, with a warning (the bot retries it); check says ✗ for it', async () => {
    const config = configWith((raw) => {
      raw.cbuild.schedulerUrl = 'http://127.0.0.1:1/scheduler/';
      raw.http = { ...(raw.http as object), retries: 0 };
    });
    const check = await runCli(['check', '--config', config], env);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /^✗ CBuild scheduler at http:\/\/127\.0\.0\.1:1\/scheduler\/: no answer: .*ECONNREFUSED.* — check cbuild\.schedulerUrl and the network; the bot retries$/m);
    h.propose('uma', 'unreachable');
    const once = await runCli(['once', '--config', config], env);
    assert.match(once.stderr, /WARN preflight: CBuild scheduler at http:\/\/127\.0\.0\.1:1\/scheduler\/: no answer: .*; starting anyway, the bot retries/);
    assert.match(once.stderr, /INFO cycle done /, 'the cycle ran');
    assert.ok(h.lava.jobs().length > 0, 'the LAVA builds were submitted');
  });

  it('explains itself with --help, and run and once explain --dry-run', async () => {
    const help = await runCli(['check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: cbuild-bot check \[--config FILE\]\n\nChecks what the bot needs, one line per item, ✓ or ✗ with what to do about it/);
    for (const command of ['run', 'once']) {
      const usage = await runCli([command, '--help']);
      assert.match(usage.stdout, new RegExp(`^Usage: cbuild-bot ${command} \\[--config FILE\\] \\[--dry-run\\]`));
      assert.match(usage.stdout, /refuses to start, exit 1, on a configuration\nerror/);
      assert.match(usage.stdout, /--dry-run +read Launchpad \(anonymously when no credentials are configured\)/);
    }
    assert.match((await runCli(['--help'])).stdout, /^  check +preflight: check the config, templates, secret files, Launchpad, LAVA and CBuild; exit 1 on a problem$/m);
  });

  it('says which config problems it found when the config is not valid, exit 1', async () => {
    const config = configWith((raw) => delete (raw.targets.a9hf.lava as Partial<RawConfig['targets'][string]['lava']>).deviceType);
    const check = await runCli(['check', '--config', config], env);
    assert.deepEqual(check, {
      code: 1,
      stdout:
        `cbuild-bot check: ${config}\n✗ config ${config} is not valid — fix each problem below (the other checks need a valid config)\n` +
        "    targets.a9hf.lava: is missing required field 'deviceType'\n1 check failed\n",
      stderr: '',
    });
  });
});
