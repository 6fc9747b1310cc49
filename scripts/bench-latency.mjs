// `npm run bench:latency`: how soon the running bot (`cbuild-bot run`: the service, its status
// server, a 5-minute poll) acts, on the simulators, with and without events:
//   - push → both builds submitted: from a proposal's creation (its branch pushed and proposed) to
//     the later of its CBuild and LAVA submissions, as the simulators saw them;
//   - last build finished → results comment posted: from the later of the end of its builds (and of
//     the baseline builds the comment waited for) to the comment on the simulated Launchpad.
// Without events the bot learns both at its next poll; with them, from a webhook delivery and from
// the LAVA job's callback (CBuild has no way to call back: when its build ends last, the comment
// waits for the next poll either way; with these simulators' timings LAVA, like the 2012 boards,
// takes longer). Both modes run at once, in processes of their own.
// Environment: BENCH_PROPOSALS (default 5), BENCH_SPACING_S (default 60), BENCH_POLL (default
// "*/5 * * * *").
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const proposals = Number(process.env.BENCH_PROPOSALS ?? 5);
const spacingMs = Number(process.env.BENCH_SPACING_S ?? 60) * 1000;
const poll = process.env.BENCH_POLL ?? '*/5 * * * *';

if (process.argv[2] === '--mode') {
  process.stdout.write(JSON.stringify(await runMode(process.argv[3] === 'events')) + '\n');
  process.exit(0);
}

const modes = await Promise.all(
  ['polling', 'events'].map(
    (mode) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--mode', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('exit', (code) => (code === 0 ? resolve({ mode, ...JSON.parse(out) }) : reject(new Error(`${mode} exited ${code}`))));
      }),
  ),
);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(`the running bot on the simulators, poll "${poll}", ${proposals} proposals ${spacingMs / 1000} s apart:\n`);
const rows = [['mode', 'push → both builds submitted (median / max)', 'last build finished → results comment (median / max)', 'last build']];
for (const m of modes) {
  rows.push([m.mode, `${seconds(median(m.submitted))} / ${seconds(Math.max(...m.submitted))}`, `${seconds(median(m.commented))} / ${seconds(Math.max(...m.commented))}`, m.lastBackends.join(', ')]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());

/** One mode: the simulators, the service (with its status server, and events or not), the proposals, the times. */
async function runMode(events) {
  const dist = (p) => new URL(`../dist/src/${p}`, import.meta.url).href;
  const { LaunchpadSimulator } = await import(dist('launchpad/simulator.js'));
  const { CBuildSimulator } = await import(dist('cbuild/simulator.js'));
  const { LavaSimulator } = await import(dist('lava/simulator.js'));
  const { CBuildClient } = await import(dist('cbuild/client.js'));
  const { HttpClient } = await import(dist('http/client.js'));
  const { parseConfig, projectRoot } = await import(dist('config/config.js'));
  const { wireBot, wireEvents } = await import(dist('app/wiring.js'));
  const { Turns } = await import(dist('app/turns.js'));
  const { runService } = await import(dist('app/service.js'));
  const { startStatusServer } = await import(dist('web/server.js'));
  const { silentLogger } = await import(dist('log.js'));
  const { TestToolchain } = await import(new URL('../dist/test/e2e/harness.js', import.meta.url).href);

  const dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-bench-latency-'));
  const toolchain = new TestToolchain();
  toolchain.durationMs = 20_000;
  const lp = new LaunchpadSimulator();
  const serviceRoot = await lp.start();
  lp.addPerson('cbuild-bot', 'CBuild bot');
  lp.addPerson('dev', 'Developer');
  lp.addTeam('linaro-toolchain', 'Linaro toolchain', ['cbuild-bot']);
  lp.addProject('gcc-linaro', 'Linaro GCC');
  const trunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
  lp.pushRevisions(trunk, 3);
  lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: 'BenchTokenKey0123456', tokenSecret: 'b'.repeat(80), person: 'cbuild-bot', permission: 'WRITE_PUBLIC' });
  const credentials = join(dir, 'credentials');
  writeFileSync(credentials, `[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = BenchTokenKey0123456\naccess_secret = ${'b'.repeat(80)}\n`);
  const cbuild = new CBuildSimulator({ toolchain, timing: { pollMs: 1000 }, hosts: [{ name: 'ursa1', queue: 'a9hf-ubuntu', arch: 'armv7l', distro: 'precise', config: 'cortexa9hfr1', target: 'a9hf' }] });
  await cbuild.start();
  // lava-server 2023.01's own timings (simulator-lab.ts DEFAULT_TIMING): about a minute around the build.
  const lava = new LavaSimulator({ toolchain, users: { 'cbuild-bot': 'lava-bench-token-0123456789' }, devices: [{ hostname: 'panda-es-01', deviceType: 'panda-es' }, { hostname: 'panda-es-02', deviceType: 'panda-es' }] });
  await lava.start();
  const secretFile = join(dir, 'webhook-secret');
  writeFileSync(secretFile, 'bench-latency-webhook-secret-0123\n');
  const config = parseConfig(
    {
      launchpad: { serviceRoot, watch: [{ project: 'gcc-linaro' }], credentialsFile: credentials },
      cbuild: { schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl },
      lava: { url: lava.rpcUrl, user: 'cbuild-bot' },
      targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 'templates/lava/gcc-build.yaml' } } },
      database: join(dir, 'bot.sqlite'),
      schedule: poll,
      ...(events ? { webhooks: { launchpad: { secretFile, pollSchedule: poll }, lava: { url: 'http://127.0.0.1:1/' } } } : {}),
    },
    'bench config',
    projectRoot(),
  );
  const wired = await wireBot(config, { logger: silentLogger, env: { CBUILD_BOT_LAVA_TOKEN: 'lava-bench-token-0123456789' } });
  const turns = new Turns(silentLogger);
  const wiredEvents = wireEvents(wired, config, turns, silentLogger, {});
  const server = await startStatusServer({ store: wired.store, listen: '127.0.0.1:0', logger: silentLogger, hooks: wiredEvents.receiver });
  if (events) {
    config.webhooks.lava.url = server.url;
    await wired.launchpad.newWebhook(`${wired.launchpad.apiRoot}${trunk}`, { deliveryUrl: `${server.url}hooks/launchpad`, eventTypes: ['merge-proposal:0.1', 'bzr:push:0.1'], secret: 'bench-latency-webhook-secret-0123' });
  }
  let service;
  const running = runService(wired, silentLogger, { turns, onReady: (s) => (service = s) });
  while (!service) await new Promise((r) => setTimeout(r, 50));

  const cbuildClient = new CBuildClient({ schedulerUrl: cbuild.schedulerUrl, resultsUrl: cbuild.resultsUrl, http: new HttpClient({ retries: 2 }) });
  const pushed = [];
  for (let i = 0; i < proposals; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, spacingMs));
    const branch = lp.addBranch({ owner: 'dev', project: 'gcc-linaro', name: `topic-${i}` });
    lp.pushRevisions(branch, 1);
    pushed.push({ at: Date.now(), link: lp.createMergeProposal({ source: branch, target: trunk, registrant: 'dev' }) });
  }
  const resultsOf = (link) => lp.commentsOf(link).find((c) => /cbuild-bot-ref: \d+\/results$/m.test(c.content));
  while (!pushed.every((p) => resultsOf(p.link))) await new Promise((r) => setTimeout(r, 500));

  /** When the simulators saw a build submitted and ended. */
  const times = async (build) => {
    if (build.backend === 'lava') {
      const job = lava.job(Number(build.external_id));
      return { submitted: job.submitTime.getTime(), ended: job.endTime.getTime() };
    }
    const slash = build.external_id.indexOf('/');
    const job = await cbuildClient.getJob(build.external_id.slice(0, slash), build.external_id.slice(slash + 1));
    return { submitted: Date.parse(job.spawned_at), ended: Date.parse(job.finished_at) };
  };
  const submitted = [];
  const commented = [];
  const lastBackends = [];
  for (const p of pushed) {
    const proposal = await wired.store.proposalByLink(p.link);
    const request = (await wired.store.requestsOfProposals([proposal.id]))[0];
    const own = (await wired.store.buildsOfRequests([request.id])).get(request.id);
    const base = request.base_request_id === null ? [] : (await wired.store.buildsOfRequests([request.base_request_id])).get(request.base_request_id) ?? [];
    const ownTimes = await Promise.all(own.map(times));
    const waitedFor = [...own, ...base];
    const ends = await Promise.all(waitedFor.map(async (b) => ({ backend: b.backend, ended: (await times(b)).ended })));
    const last = ends.reduce((a, b) => (b.ended > a.ended ? b : a));
    submitted.push(Math.max(...ownTimes.map((t) => t.submitted)) - p.at);
    commented.push(resultsOf(p.link).dateCreated.getTime() - last.ended);
    lastBackends.push(last.backend === 'lava' ? 'LAVA' : 'CBuild');
  }
  service.stop();
  await running;
  wiredEvents.queue.close();
  await server.close();
  await Promise.all([lp.close(), cbuild.close(), lava.close()]);
  rmSync(dir, { recursive: true, force: true });
  return { submitted, commented, lastBackends: [...new Set(lastBackends)] };
}
