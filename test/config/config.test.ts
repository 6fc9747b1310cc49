import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig, parseConfig, projectRoot } from '../../src/config/config.js';
import { duplicateKeys } from '../../src/config/json-keys.js';

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

  it('takes LAVA as a target\'s main backend, refusing a contradiction at the same level', () => {
    const c = parseConfig({ ...minimal(), rollout: { lava: 'shadow', targets: { a9hf: { main: 'lava' } }, projects: { p: { main: 'native' } } } }, 'x.json', projectRoot());
    assert.deepEqual(c.rollout, { lava: 'shadow', targets: { a9hf: { main: 'lava' } }, projects: { p: { main: 'cbuild' } } }, 'native is the old name of cbuild');
    const message = problems({ ...minimal(), rollout: { targets: { a9hf: { main: 'lava', lava: 'shadow', lavaPercent: 50 } } } });
    assert.match(message, /rollout\.targets\.a9hf: main is lava but lava is shadow; LAVA must build every proposal to be the main backend \(drop lava here, or set main to cbuild\)/);
    assert.match(message, /rollout\.targets\.a9hf: main is lava but lavaPercent is 50;/);
    assert.match(problems({ ...minimal(), rollout: { main: 'both' } }), /rollout\.main: .*cbuild.*lava/);
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

  describe('strictness', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cfg-strict-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The config as a person writes it: one setting per line, templates from the project. */
    const writeConfig = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const messageOf = (file: string): string => {
      try {
        loadConfig(file);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
      assert.fail('expected a ConfigError');
    };
    const template = join(projectRoot(), 'templates/lava/gcc-build.yaml');
    const target = (queue: string) => `{ "cbuild": { "queue": "${queue}" }, "lava": { "deviceType": "panda-es", "template": ${JSON.stringify(template)} } }`;

    it('refuses a target named twice, naming the key path and both lines', () => {
      const file = writeConfig(
        'twice.json',
        [
          '{',
          '  "launchpad": { "serviceRoot": "http://127.0.0.1:1/", "watch": [{ "project": "gcc-linaro" }] },',
          '  "cbuild": { "schedulerUrl": "http://127.0.0.1:2/", "resultsUrl": "http://127.0.0.1:2/" },',
          '  "lava": { "url": "http://127.0.0.1:3/RPC2", "user": "admin" },',
          '  "targets": {',
          `    "a9hf": ${target('a9hf-ubuntu')},`,
          `    "x86_64": ${target('x86_64-ubuntu')},`,
          `    "a9hf": ${target('a9hf-other')}`,
          '  },',
          '  "database": "bot.sqlite"',
          '}',
        ].join('\n'),
      );
      assert.equal(
        messageOf(file),
        `${file}: configuration is not valid:\n  - targets.a9hf: named twice, on lines 6 and 8 (JSON would keep only the second); remove or rename one`,
      );
    });

    it('reports duplicates together with the other problems, at any depth and in arrays', () => {
      const file = writeConfig(
        'deep.json',
        '{\n "launchpad": { "serviceRoot": "http://127.0.0.1:1/", "watch": [{ "project": "a",\n "project": "b" }] },\n' +
          ' "cbuild": { "schedulerUrl": "http://127.0.0.1:2/", "resultsUrl": "http://127.0.0.1:2/" },\n' +
          ` "lava": { "url": "http://127.0.0.1:3/RPC2", "user": "admin" },\n "targets": { "a9hf": ${target('q')} },\n` +
          ' "schedule": "never",\n "database": "bot.sqlite",\n "database": "other.sqlite"\n}\n',
      );
      assert.equal(
        messageOf(file),
        `${file}: configuration is not valid:\n` +
          '  - launchpad.watch[0].project: named twice, on lines 2 and 3 (JSON would keep only the second); remove or rename one\n' +
          '  - database: named twice, on lines 8 and 9 (JSON would keep only the second); remove or rename one\n' +
          '  - schedule: "never" is not a valid cron expression',
      );
    });

    it('finds duplicate keys by their decoded names, and none in a clean file', () => {
      assert.deepEqual(duplicateKeys('{"a": {"b\\u0063": 1, "bc": [1, {"x": "}{\\"", "x": null}]}}'), [
        { path: 'a.bc', firstLine: 1, line: 1 },
        { path: 'a.bc[1].x', firstLine: 1, line: 1 },
      ]);
      assert.deepEqual(duplicateKeys('{\n  "a": [],\n  "b": {},\n  "c": [true, -1.5e3, "a"]\n}'), []);
    });

    it('refuses __proto__, constructor and prototype by name', () => {
      const raw = JSON.parse(JSON.stringify(minimal()));
      const withKeys = JSON.parse(
        JSON.stringify(raw).replace('"targets":{', '"targets":{"__proto__":{"cbuild":{"queue":"x"}},').replace('"lava":{"url"', '"lava":{"constructor":1,"url"'),
      );
      withKeys.rollout = JSON.parse('{"targets": {"prototype": {"lava": "on"}}}');
      assert.equal(
        problems(withKeys),
        'bot.config.json: configuration is not valid:\n' +
          '  - lava.constructor: "constructor" cannot be a name in the config (JavaScript gives it a meaning of its own); rename it\n' +
          '  - targets.__proto__: "__proto__" cannot be a name in the config (JavaScript gives it a meaning of its own); rename it\n' +
          '  - rollout.targets.prototype: "prototype" cannot be a name in the config (JavaScript gives it a meaning of its own); rename it',
      );
    });

    it('names the database path that is a directory, or under a file, instead of SQLITE_CANTOPEN', () => {
      mkdirSync(join(dir, 'db-dir'));
      assert.equal(
        problems({ ...minimal(), database: join(dir, 'db-dir') }),
        `bot.config.json: configuration is not valid:\n  - database: ${join(dir, 'db-dir')} is a directory; name a file in it, e.g. ${join(dir, 'db-dir', 'cbuild-bot.sqlite')}`,
      );
      writeFileSync(join(dir, 'plain-file'), '');
      assert.equal(
        problems({ ...minimal(), database: join(dir, 'plain-file', 'var', 'bot.sqlite') }),
        `bot.config.json: configuration is not valid:\n  - database: ${join(dir, 'plain-file', 'var', 'bot.sqlite')}: ${join(dir, 'plain-file')} is a file, not a directory`,
      );
      // A directory that does not exist yet is fine: the store creates it.
      assert.equal(parseConfig({ ...minimal(), database: join(dir, 'new', 'bot.sqlite') }, 'x.json', projectRoot()).database, join(dir, 'new', 'bot.sqlite'));
    });

    it('names a database directory the user cannot write', () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(dir, 0o755);
      chmodSync(locked, 0o555);
      const configs = [join(locked, 'bot.sqlite'), join(locked, 'var', 'bot.sqlite')];
      let messages: string[];
      if (process.getuid?.() === 0) {
        // root may write anywhere: ask as an ordinary user.
        const script = `import { parseConfig, projectRoot } from ${JSON.stringify(join(projectRoot(), 'dist/src/config/config.js'))};
          const minimal = ${JSON.stringify(minimal())};
          const out = [];
          for (const database of ${JSON.stringify(configs)}) {
            try { parseConfig({ ...minimal, database }, 'bot.config.json', projectRoot()); out.push('accepted'); } catch (err) { out.push(err.message); }
          }
          process.stdout.write(JSON.stringify(out));`;
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
        assert.equal(child.status, 0, child.stderr);
        messages = JSON.parse(child.stdout) as string[];
      } else {
        messages = configs.map((database) => problems({ ...minimal(), database }));
      }
      assert.deepEqual(messages, [
        `bot.config.json: configuration is not valid:\n  - database: ${configs[0]}: its directory ${locked} is not writable by this user (SQLite creates the database and its -wal and -shm files there)`,
        `bot.config.json: configuration is not valid:\n  - database: ${configs[1]}: its directory ${join(locked, 'var')} does not exist and cannot be created (${locked} is not writable by this user)`,
      ]);
    });
  });
});
