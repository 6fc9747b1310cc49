/** A real CycleContext for tests of one step (a store, the clients given, the config, a silent guard). */
import { Guard } from '../../src/bot/guard.js';
import { NO_EVENTS } from '../../src/bot/events.js';
import type { CycleContext } from '../../src/bot/context.js';
import { parseConfig, projectRoot, type BotConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/log.js';

/** A valid config with defaults for every setting (one target, a9hf). */
export function testConfig(over: Record<string, unknown> = {}): BotConfig {
  return parseConfig(
    {
      launchpad: { serviceRoot: 'http://127.0.0.1:9/', watch: [{ project: 'gcc-linaro' }] },
      cbuild: { schedulerUrl: 'http://127.0.0.1:9/', resultsUrl: 'http://127.0.0.1:9/' },
      lava: { url: 'http://127.0.0.1:9/RPC2', user: 'cbuild-bot' },
      targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
      database: ':memory:',
      ...over,
    },
    'test config',
    projectRoot(),
  );
}

export function testContext(parts: Partial<CycleContext> & Pick<CycleContext, 'store'>, now = () => new Date()): CycleContext {
  return {
    launchpad: undefined as never,
    backends: undefined as never,
    results: undefined as never,
    config: testConfig(),
    logger: silentLogger,
    events: NO_EVENTS,
    guard: new Guard(silentLogger, NO_EVENTS),
    clock: now,
    now: () => now().toISOString(),
    ...parts,
  };
}
