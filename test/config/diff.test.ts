/** What SIGHUP reports as changed. */
import assert from 'node:assert/strict';
import { configChanges } from '../../src/config/diff.js';
import { parseConfig, projectRoot } from '../../src/config/config.js';

describe('configChanges', () => {
  it('names each changed setting by its path, with the old and new value', () => {
    assert.deepEqual(
      configChanges(
        { rollout: { lava: 'shadow', targets: { a9hf: { lava: 'shadow', lavaPercent: 50 } } }, vote: false, schedule: '*/5 * * * *' },
        { rollout: { lava: 'shadow', targets: { a9hf: { lava: 'on' } } }, vote: true, schedule: '*/5 * * * *' },
      ),
      ['rollout.targets.a9hf.lava: shadow → on', 'rollout.targets.a9hf.lavaPercent: 50 → (unset)', 'vote: false → true'],
    );
  });

  it('says an object was added or removed, and shows arrays whole', () => {
    assert.deepEqual(
      configChanges(
        { targets: { a9hf: { cbuild: { queue: 'a' } } }, commands: { trusted: ['linaro-toolchain'] }, dailies: [{ branch: 'lp:x', schedule: '0 2 * * *' }] },
        { targets: { x86_64: { cbuild: { queue: 'b' } } }, commands: { trusted: ['linaro-toolchain', 'mhope'] }, dailies: [] },
      ),
      [
        'targets.x86_64: added',
        'targets.a9hf: removed',
        'commands.trusted: ["linaro-toolchain"] → ["linaro-toolchain","mhope"]',
        'dailies: [{"branch":"lp:x","schedule":"0 2 * * *"}] → []',
      ],
    );
  });

  it('finds nothing between a config and itself re-read, and the one change in a real config', () => {
    const raw = {
      launchpad: { serviceRoot: 'http://127.0.0.1:1/', watch: [{ project: 'gcc-linaro' }] },
      cbuild: { schedulerUrl: 'http://127.0.0.1:2/', resultsUrl: 'http://127.0.0.1:2/' },
      lava: { url: 'http://127.0.0.1:3/RPC2', user: 'admin' },
      targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
      rollout: { lava: 'shadow' },
    };
    const before = parseConfig(raw, 'x.json', projectRoot());
    assert.deepEqual(configChanges(before, parseConfig(structuredClone(raw), 'x.json', projectRoot())), []);
    const after = parseConfig({ ...structuredClone(raw), rollout: { lava: 'off' } }, 'x.json', projectRoot());
    assert.deepEqual(configChanges(before, after), ['rollout.lava: shadow → off']);
  });
});
