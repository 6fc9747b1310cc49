// `npm run bench:poll`: what one cycle costs the bot against a Launchpad 20 ms away (the simulator,
// in its own process, with latency injected), at 50, 500 and 2,000 open proposals:
//   - quiet: nothing changed since the last cycle;
//   - changed: 10 proposals got a new revision;
// each without commands.trusted, with it, and with it and webhooks on (comments read only when a
// delivery asks, plus a sweep: this cycle is not one). Requests, wall time, and the bot's CPU (this
// process: the simulator runs in another). Builds are off: the cycle's Launchpad and store work is
// measured, not CBuild's or LAVA's. Then the idle CPU of the process metrics, before and after
// sampling the event loop every second instead of every 10 ms.
// Environment: BENCH_SIZES (default 50,500,2000), BENCH_LATENCY_MS (default 20).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfig, projectRoot } from '../dist/src/config/config.js';
import { wireBot } from '../dist/src/app/wiring.js';
import { silentLogger } from '../dist/src/log.js';

const sizes = (process.env.BENCH_SIZES ?? '50,500,2000').split(',').map(Number);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);
const work = join(projectRoot(), '.cache', 'bench-poll');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const secretFile = join(work, 'webhook-secret');
writeFileSync(secretFile, 'bench-webhook-secret-0123456789\n');
const credentials = join(work, 'credentials');
writeFileSync(credentials, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = BenchTokenKey0123456\naccess_secret = ${'b'.repeat(80)}\n`);

/** The simulator process: one request/answer at a time. */
function simulator() {
  const child = spawn(process.execPath, [join(projectRoot(), 'scripts/bench-sim.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: child.stdout });
  const waiting = [];
  answers.on('line', (line) => waiting.shift()(JSON.parse(line)));
  return {
    ask: (message) =>
      new Promise((resolve, reject) => {
        waiting.push((answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer)));
        child.stdin.write(JSON.stringify(message) + '\n');
      }),
    close: () => {
      child.stdin.end();
      return new Promise((r) => child.on('exit', r));
    },
  };
}

async function measure(sim, cycle) {
  const before = (await sim.ask({ cmd: 'requests' })).requests;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await cycle();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { requests: (await sim.ask({ cmd: 'requests' })).requests - before, wallMs: wall, cpuMs: (used.user + used.system) / 1000 };
}

const MODES = {
  plain: {},
  trusted: { commands: { trusted: ['linaro-toolchain'] } },
  'trusted+webhooks': { commands: { trusted: ['linaro-toolchain'] }, webhooks: { launchpad: { secretFile } } },
};

const rows = [];
for (const size of sizes) {
  const sim = simulator();
  const { root } = await sim.ask({ cmd: 'launchpad', proposals: size, latencyMs });
  for (const [mode, extra] of Object.entries(MODES)) {
    const database = join(work, `bot-${size}-${mode}.sqlite`);
    const config = parseConfig(
      {
        launchpad: { serviceRoot: root, watch: [{ project: 'gcc-linaro' }], credentialsFile: credentials },
        cbuild: { schedulerUrl: 'http://127.0.0.1:9/', resultsUrl: 'http://127.0.0.1:9/' },
        lava: { url: 'http://127.0.0.1:9/RPC2', user: 'cbuild-bot' },
        targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
        rollout: { lava: 'off', cbuild: 'off' },
        database,
        ...extra,
      },
      'bench config',
      projectRoot(),
    );
    const wired = await wireBot(config, { logger: silentLogger, env: {} });
    const cycle = () => wired.bot.runCycle();
    const first = await measure(sim, cycle);
    await cycle();
    const quiet = await measure(sim, cycle);
    await sim.ask({ cmd: 'push', count: 10 });
    const changed = await measure(sim, cycle);
    await wired.close();
    rows.push({ size, mode, first, quiet, changed });
    process.stderr.write(`bench-poll: ${size} proposals, ${mode}: done\n`);
  }
  await sim.close();
}

const ms = (n) => `${Math.round(n)}`;
const table = [['proposals', 'mode', 'first cycle (req / wall ms / CPU ms)', 'quiet cycle', 'changed cycle (10 new revisions)']];
for (const r of rows) {
  const cell = (m) => `${m.requests} / ${ms(m.wallMs)} / ${ms(m.cpuMs)}`;
  table.push([String(r.size), r.mode, cell(r.first), cell(r.quiet), cell(r.changed)]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log(`cycles against a Launchpad ${latencyMs} ms away (pages of 300; requests / wall / bot CPU):\n`);
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());

// The idle process: nothing but the metrics' own timers, each in a fresh process.
async function idleCpu(setup) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    ${setup}
    setInterval(() => {}, 60_000);
    setTimeout(() => {
      const cpu = process.cpuUsage();
      setTimeout(() => { const u = process.cpuUsage(cpu); console.log(((u.user + u.system) / 1000 / 20).toFixed(2)); process.exit(0); }, 20_000);
    }, 5000);
  `], { stdio: ['ignore', 'pipe', 'inherit'], cwd: projectRoot() });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  return out.trim();
}
const metrics = join(projectRoot(), 'dist/src/web/metrics.js');
// Loading the modules leaves a few seconds of garbage collection behind: each waits 5 s, then measures 20 s.
const none = await idleCpu(`import '${metrics}';`);
const before = await idleCpu(`import { Registry, collectDefaultMetrics } from 'prom-client'; collectDefaultMetrics({ register: new Registry() });`);
const after = await idleCpu(`import { Metrics } from '${metrics}'; new Metrics();`);
console.log(`\nidle CPU per second: ${none} ms without process metrics (the same modules loaded); ${before} ms with prom-client's defaults (event loop sampled every 10 ms); ${after} ms with the bot's Metrics (sampled every second)`);
