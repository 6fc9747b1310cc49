import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig, parseConfig, projectRoot } from '../../src/config/config.js';

function minimal(): Record<string, any> {
  return {
    launchpad: { serviceRoot: 'http://127.0.0.1:1/', watch: [{ project: 'gcc-linaro' }] },
    cbuild: { schedulerUrl: 'http://127.0.0.1:2/', resultsUrl: 'http://127.0.0.1:2/' },
    lava: { url: 'http://127.0.0.1:3/RPC2', user: 'admin' },
    targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
  };
}

function problems(raw: unknown): string {
  try {
    parseConfig(raw, 'bot.config.json', projectRoot());
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('loads the shipped bot.config.json and fills defaults', () => {
    const c = loadConfig(join(projectRoot(), 'bot.config.json'));
    assert.deepEqual(c.launchpad.statuses, ['Needs review', 'Work in progress']);
    assert.equal(c.cbuild.product, 'gcc-linaro');
    assert.ok(c.database.endsWith('/var/cbuild-bot.sqlite'));
    assert.deepEqual(Object.keys(c.targets), ['a9hf', 'x86_64']);
  });

  it('applies defaults for statuses, schedule and database', () => {
    const c = parseConfig(minimal(), 'x.json', projectRoot());
    assert.deepEqual(c.launchpad.statuses, ['Needs review', 'Work in progress']);
    assert.equal(c.schedule, '*/5 * * * *');
    assert.equal(c.http.retries, 4);
  });

  it('names the field and what is wrong', () => {
    const raw = minimal();
    raw.launchpad.statuses = ['Needs Review'];
    assert.match(problems(raw), /launchpad\.statuses\[0\]: must be one of "Work in progress", "Needs review"/);
    const raw2 = minimal();
    raw2.targets.a9hf.lava.devicetype = raw2.targets.a9hf.lava.deviceType;
    delete raw2.targets.a9hf.lava.deviceType;
    assert.match(problems(raw2), /targets\.a9hf\.lava: is missing required field 'deviceType'/);
    assert.match(problems(raw2), /targets\.a9hf\.lava\.devicetype: is not a known setting/);
    const raw3 = minimal();
    delete raw3.cbuild;
    assert.match(problems(raw3), /\(top level\): is missing required field 'cbuild'/);
    const raw4 = minimal();
    raw4.launchpad.watch = [{ project: 'gcc-linaro', branch: 'lp:gcc-linaro' }];
    assert.match(problems(raw4), /launchpad\.watch\[0\]: must have exactly one of 'project' or 'branch'/);
  });

  it('checks the workflow settings: dailies, trusted people and the rollout', () => {
    const c = parseConfig(
      { ...minimal(), dailies: [{ branch: 'lp:gcc-linaro/4.7', schedule: '0 3 * * *' }], commands: { trusted: ['~mhope', 'linaro-toolchain'] }, rollout: { lava: 'shadow', projects: { 'gcc-linaro': { targets: { a9hf: { lava: 'on', lavaPercent: 25 } } } } } },
      'x.json',
      projectRoot(),
    );
    assert.deepEqual(c.commands.trusted, ['mhope', 'linaro-toolchain']);
    assert.deepEqual(parseConfig(minimal(), 'x.json', projectRoot()).rollout, {});
    const message = problems({
      ...minimal(),
      dailies: [{ branch: 'lp:gcc-linaro', schedule: 'every night' }, { branch: 'gcc-linaro', schedule: '0 2 * * *' }],
      rollout: { lava: 'maybe', native: 'shadow', lavaPercent: 150, targets: { armv5: { lava: 'on' } }, projects: { 'gcc-linaro': { targets: { x86: {} } } } },
      commands: { trusted: ['Not A Name'] },
    });
    for (const expected of [
      /dailies\[1\]\.branch: .*lp:/,
      /rollout\.lava: .*off.*shadow.*on/,
      /rollout\.native: .*on.*off/,
      /rollout\.lavaPercent: .*100/,
      /commands\.trusted\[0\]: /,
    ]) assert.match(message, expected);
    const later = problems({ ...minimal(), dailies: [{ branch: 'lp:gcc-linaro', schedule: 'every night' }], rollout: { targets: { armv5: { lava: 'on' } }, projects: { 'gcc-linaro': { targets: { x86: {} } } } } });
    assert.match(later, /dailies\[0\]\.schedule: "every night" is not a valid cron expression/);
    assert.match(later, /rollout\.targets\.armv5: no such target \(targets are a9hf\)/);
    assert.match(later, /rollout\.projects\.gcc-linaro\.targets\.x86: no such target/);
  });

  it('refuses secrets in the config file', () => {
    const raw = minimal();
    raw.lava.token = 'abcdefabcdefabcdef';
    const message = problems(raw);
    assert.match(message, /lava\.token: secrets do not belong in the config file/);
    assert.doesNotMatch(message, /abcdefabcdef/);
  });

  it('reports a missing template file and unreadable JSON with the file name', () => {
    const raw = minimal();
    raw.targets.a9hf.lava.template = 'templates/nope.yaml';
    assert.match(problems(raw), /targets\.a9hf\.lava\.template: file .*templates\/nope\.yaml does not exist/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ "launchpad": ');
    assert.throws(() => loadConfig(join(dir, 'bad.json')), /bad\.json: configuration is not valid:\n  - not valid JSON/);
  });
});
