/**
 * The bot's own mistakes are not the lab's, end to end through the
 * simulators: a template that does not render, a job definition LAVA
 * refuses, a LAVA token LAVA refuses. Each build is held — neither posted as
 * an infrastructure failure nor as the change's fault — the error is logged
 * once per cause with what to fix, the health line and /metrics show it, the
 * cycle counts it as a failure (`once` exits 1), and once the configuration
 * is fixed and re-read the held builds are submitted and the proposal gets
 * its usual comments — in process, and in a running `cbuild-bot run` sent
 * SIGHUP.
 */
import assert from 'node:assert/strict';
import { runCli, startCli } from '../support/cli.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, type BotConfig } from '../../src/config/config.js';
import { allEvents } from '../../src/bot/events.js';
import { createLogger } from '../../src/log.js';
import { Health } from '../../src/web/health.js';
import { Metrics } from '../../src/web/metrics.js';
import type { WiredBot } from '../../src/app/wiring.js';
import { markers, cycleUntil, LAVA_TOKEN, startHarness, type Harness } from './harness.js';

const TEMPLATE = join(projectRoot(), 'templates/lava/gcc-build.yaml');
const HELD = "HELD: cbuild-bot's own configuration is wrong (not the change); built once that is fixed";
const HELD_STEP = 'cannot submit build: the configuration is wrong; its builds are held until it is fixed and the config re-read (SIGHUP, or a restart)';

function comment(h: Harness, link: string, marker: string): string {
  return h.lp.commentsOf(link).find((c) => c.content.includes(`cbuild-bot-ref: ${marker}`))!.content;
}

/** The bot with its observers and a log kept as JSON lines. */
async function observedBot(h: Harness, config: Partial<BotConfig> = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: { write: (l) => lines.push(JSON.parse(l)) } });
  const metrics = new Metrics({ processMetrics: false });
  const health = new Health();
  const wired = await h.wire({ config, logger, events: allEvents(metrics, health) });
  const errors = (message: string) => lines.filter((l) => l.level === 'error' && l.message === message);
  const metric = async (pattern: RegExp) => pattern.exec((await metrics.exposition()).text)?.[1];
  return { wired, health, errors, metric, lines };
}

async function lavaBuilds(wired: WiredBot) {
  return (await wired.store.db.all<{ request_id: number; target: string; state: string; detail: string | null }>(
    "SELECT request_id, target, state, detail FROM builds WHERE backend = 'lava' ORDER BY request_id, target",
  ));
}

function withTemplates(h: Harness, templates: Record<string, string>): BotConfig['targets'] {
  return Object.fromEntries(
    Object.entries(h.config.targets).map(([name, t]) => [name, { ...t, lava: { ...t.lava, template: templates[name] ?? t.lava.template } }]),
  );
}

describe('e2e: configuration errors are held, not reported', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(() => h.close());

  it('holds the builds of a template that does not render and of one LAVA refuses; after the fix and a re-read they are built and commented', async () => {
    h = await startHarness();
    const template = readFileSync(TEMPLATE, 'utf8');
    const notYaml = join(h.dir, 'a9hf.yaml');
    writeFileSync(notYaml, template.replace('priority: medium', 'priority: [medium'));
    const noTimeouts = join(h.dir, 'x86_64.yaml');
    writeFileSync(noTimeouts, template.replace(/^timeouts:\n(  .*\n)+/m, ''));
    const { wired, health, errors, metric } = await observedBot(h, { targets: withTemplates(h, { a9hf: notYaml, x86_64: noTimeouts }) });
    const mp = h.propose('xena', 'parser-fix');

    const first = await wired.bot.runCycle();
    assert.equal(first.errors, 4, 'each held build counts as a failure of the cycle, so `once` exits 1');
    await cycleUntil(wired, () => markers(h, mp.link).includes('2/ack'));
    for (let i = 0; i < 3; i++) assert.equal((await wired.bot.runCycle()).errors, 0, 'held builds are not tried again until the config is re-read');

    const notYamlDetail = `job template '${notYaml}' for target 'a9hf' is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 27, column 1:`;
    const refusedDetail = "LAVA refused the job definition: Problem with submitted job data: required key not provided @ data['timeouts'] (fix the target's template)";
    const held = await lavaBuilds(wired);
    assert.deepEqual(held.map((b) => [b.request_id, b.target, b.state]), [[1, 'a9hf', 'held'], [1, 'x86_64', 'held'], [2, 'a9hf', 'held'], [2, 'x86_64', 'held']]);
    for (const b of held) assert.ok(b.detail!.startsWith(b.target === 'a9hf' ? notYamlDetail : refusedDetail), b.detail!);
    assert.equal(h.lava.jobs().length, 0, 'LAVA made no job of what it refused');

    // Logged once per cause, with what to do; not as the lab's failure.
    const logged = errors(HELD_STEP);
    assert.deepEqual(logged.map((l) => [l.target, l.backend]), [['a9hf', 'lava'], ['x86_64', 'lava']]);
    assert.ok(String(logged[0].error).startsWith(notYamlDetail));
    assert.equal(logged[1].error, refusedDetail);
    assert.equal(health.snapshot().lastErrors.lava!.message, `configuration error, builds held: ${refusedDetail}`);
    assert.equal(await metric(/^cbuild_bot_configuration_errors_total\{backend="lava",target="a9hf"\} (\d+)$/m), '2');
    assert.equal(await metric(/^cbuild_bot_configuration_errors_total\{backend="lava",target="x86_64"\} (\d+)$/m), '2');

    // The reviewer reads that the bot is at fault, and no results until the builds ran.
    const ack = comment(h, mp.link, '2/ack');
    assert.match(ack, new RegExp(`^- a9hf LAVA: ${HELD.replace(/[()]/g, '\\$&')}$`, 'm'));
    assert.match(ack, new RegExp(`^- x86_64 LAVA: ${HELD.replace(/[()]/g, '\\$&')}$`, 'm'));
    assert.doesNotMatch(ack, /infrastructure|not queued|timeouts|YAML/i);
    assert.deepEqual(markers(h, mp.link), ['2/ack']);

    // Fixed on disk and re-read (what SIGHUP does): the held builds go on and the proposal gets its results.
    writeFileSync(notYaml, template);
    writeFileSync(noTimeouts, template);
    await wired.bot.reconfigure(wired.bot.currentConfig);
    await cycleUntil(wired, () => markers(h, mp.link).includes('2/results'));
    assert.deepEqual((await lavaBuilds(wired)).map((b) => b.state), ['passed', 'passed', 'passed', 'passed']);
    const results = comment(h, mp.link, '2/results');
    assert.match(results, /^Every build passed with no test regressions\.$/m);
    assert.match(results, /^- a9hf LAVA: PASS /m);
    assert.doesNotMatch(results, /HELD|configuration|infrastructure/i);
  });

  it('holds the builds LAVA refuses for a bad token (401); a restart with the fixed token submits them (once exits 0)', async () => {
    h = await startHarness();
    writeFileSync(h.lavaTokenFile, 'a-token-lava-revoked\n');
    const { wired, health, errors, metric } = await observedBot(h);
    const mp = h.propose('yuri', 'revoked');
    await cycleUntil(wired, () => markers(h, mp.link).includes('2/ack'));
    const detail = "LAVA rejected the token for user 'cbuild-bot' (HTTP 401): check lava.user and the token (lava.tokenFile or $CBUILD_BOT_LAVA_TOKEN)";
    assert.deepEqual((await lavaBuilds(wired)).map((b) => [b.state, b.detail]), Array(4).fill(['held', detail]));
    assert.deepEqual(errors(HELD_STEP).map((l) => [l.target, l.error]), [['a9hf', detail], ['x86_64', detail]]);
    assert.equal(health.snapshot().lastErrors.lava!.message, `configuration error, builds held: ${detail}`);
    assert.equal(await metric(/^cbuild_bot_configuration_errors_total\{backend="lava",target="a9hf"\} (\d+)$/m), '2');
    assert.match(comment(h, mp.link, '2/ack'), new RegExp(`^- a9hf LAVA: ${HELD.replace(/[()]/g, '\\$&')}$`, 'm'));
    assert.equal(h.lava.jobs().length, 0);
    await wired.close();

    // The token is read at start: the operator fixes the file and restarts; the start tries held builds again.
    writeFileSync(h.lavaTokenFile, LAVA_TOKEN + '\n');
    const once = await runCli(['once', '--config', join(h.dir, 'bot.config.json')], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stderr, /INFO builds held for a configuration error are tried again builds=4/);
    assert.equal(h.lava.jobs().length, 4);
    const restarted = await h.wire();
    await cycleUntil(restarted, () => markers(h, mp.link).includes('2/results'));
    assert.match(comment(h, mp.link, '2/results'), /^Every build passed with no test regressions\.$/m);
  });

  it('in a running `cbuild-bot run`: a template broken after the start holds its builds, SIGHUP refuses the broken file, and takes the fix', async () => {
    h = await startHarness();
    const template = readFileSync(TEMPLATE, 'utf8');
    const copy = join(h.dir, 'template.yaml');
    writeFileSync(copy, template);
    const raw = JSON.parse(readFileSync(join(h.dir, 'bot.config.json'), 'utf8'));
    for (const t of Object.values(raw.targets) as { lava: { template: string } }[]) t.lava.template = copy;
    const configFile = join(h.dir, 'every-second.json');
    writeFileSync(configFile, JSON.stringify({ ...raw, schedule: '* * * * * *' }));
    const bot = startCli(['run', '--config', configFile], { CBUILD_BOT_LP_CREDENTIALS: h.credentialsFile });
    const { child, waitFor } = bot;
    try {
      await waitFor('the first cycle', () => /INFO cycle done/.test(bot.log()));
      writeFileSync(copy, template.replace('priority: medium', 'priority: [medium'));
      const mp = h.propose('zoe', 'edited-template');
      await waitFor('the acknowledgement', () => markers(h, mp.link).includes('2/ack'));
      assert.match(bot.log(), new RegExp(`ERROR ${HELD_STEP.replace(/[()]/g, '\\$&')} target=a9hf backend=lava error="job template '${copy}' for target 'a9hf' is not valid YAML`));
      assert.equal(h.lava.jobs().length, 0);

      child.kill('SIGHUP');
      await waitFor('the refused reload', () => /config not reloaded/.test(bot.log()));
      assert.match(bot.log(), new RegExp(`ERROR config not reloaded: the new file is not valid; keeping the old one error=".*✗ job template '${copy}' for target 'a9hf' is not valid YAML`));
      writeFileSync(copy, template);
      child.kill('SIGHUP');
      await waitFor('the results', () => markers(h, mp.link).includes('2/results'));
      assert.match(bot.log(), /INFO builds held for a configuration error are tried again builds=4\n/);
      assert.match(comment(h, mp.link, '2/results'), /^Every build passed with no test regressions\.$/m);
    } finally {
      await bot.stop();
    }
  });
});
