import assert from 'node:assert/strict';
import { parseConfig, projectRoot } from '../../src/config/config.js';
import { secretFileChecks } from '../../src/app/secret-files.js';

/** A config with no LAVA token anywhere and the rollout given. */
function withRollout(rollout: Record<string, unknown>) {
  return parseConfig(
    {
      launchpad: { serviceRoot: 'http://127.0.0.1:1/', watch: [{ project: 'gcc-linaro' }] },
      cbuild: { schedulerUrl: 'http://127.0.0.1:2/', resultsUrl: 'http://127.0.0.1:2/' },
      lava: { url: 'http://127.0.0.1:3/RPC2', user: 'cbuild-bot' },
      targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
      rollout,
    },
    'bot.config.json',
    projectRoot(),
  );
}

const tokenLine = (rollout: Record<string, unknown>) => secretFileChecks(withRollout(rollout), {}, true).find((i) => i.text.includes('LAVA token'))!;

describe('app/secret-files: is a LAVA token needed?', () => {
  it('needs none when the rollout turns LAVA off everywhere', () => {
    assert.deepEqual(tokenLine({ lava: 'off' }), { ok: true, text: 'LAVA token: none, and none is needed (the rollout turns LAVA off everywhere)' });
  });

  it('needs one when any level turns LAVA on, or makes it the main platform (which builds on LAVA whatever lava says)', () => {
    for (const rollout of [{}, { lava: 'off', targets: { a9hf: { lava: 'shadow' } } }, { lava: 'off', targets: { a9hf: { main: 'lava' } } }, { lava: 'off', projects: { 'gcc-linaro': { main: 'lava' } } }]) {
      const line = tokenLine(rollout);
      assert.equal(line.ok, false, JSON.stringify(rollout));
      assert.match(line.text, /^no LAVA token: neither lava\.tokenFile/);
    }
  });
});
