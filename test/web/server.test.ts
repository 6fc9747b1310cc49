/** The status server over real HTTP, on a real store with known builds: pages, API, errors, escaping, secrets. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/log.js';
import { clearSecretsForTests, registerSecret } from '../../src/secrets.js';
import { parseListen, startStatusServer, type StatusServer } from '../../src/web/server.js';
import { Metrics } from '../../src/web/metrics.js';
import { seedKnownBuilds } from '../report/fixture.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('web: status server', () => {
  let store: Store;
  let server: StatusServer;
  let ids: { requestIds: number[]; proposalId: number };
  let logged: string[];

  beforeEach(async () => {
    store = await Store.open(':memory:');
    ids = await seedKnownBuilds(store, NOW);
    logged = [];
    server = await startStatusServer({
      store,
      listen: '127.0.0.1:0',
      metrics: new Metrics({ processMetrics: false }),
      logger: createLogger({ level: 'debug', sink: { write: (line) => logged.push(line) } }),
      clock: () => NOW,
    });
  });
  afterEach(async () => {
    await server.close();
    await store.close().catch(() => {});
    clearSecretsForTests();
  });

  it('shows the queue with live durations and safe links, escaping what came from outside', async () => {
    const page = await get(server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
    const dave = ids.requestIds[4];
    const row = new RegExp(`<tr data-request="${dave}" data-target="a9hf">.*?</tr>`).exec(page.text)?.[0];
    assert.ok(row, 'the running request has a row in the queue');
    assert.match(row, /proposal <a href="https:\/\/code\.launchpad\.net\/~dave\/gcc-linaro\/%3Cb%3Ewip%3C\/b%3E">lp:~dave\/gcc-linaro\/&lt;b&gt;wip&lt;\/b&gt;<\/a>/);
    assert.doesNotMatch(page.text, /<b>wip<\/b>/);
    assert.match(row, /data-backend="cbuild" data-state="running"><span class="state state-running">running<\/span> <span class="time" title="build time">50m 00s<\/span>/);
    assert.match(row, /data-backend="lava" data-state="queued"><span class="state state-queued">queued<\/span> <span class="time" title="waiting for a builder">waiting 1h 00m<\/span>/);
    assert.match(row, /<a href="http:\/\/lava\.example\/scheduler\/job\/42" class="job">LAVA job<\/a>/);
    assert.match(row, /<a href="http:\/\/cbuild\.example\/log\/make\.log" class="log">CBuild log<\/a>/, 'credentials are taken out of links');
    assert.doesNotMatch(page.text, /builder:pw/);
    assert.match(page.text, /<table id="recent">/);
    assert.match(page.text, new RegExp(`<tr data-request="${ids.requestIds[0]}">`));
  });

  it('says why a request that belongs to no proposal was made, and by whom', async () => {
    const request = { kind: 'adhoc' as const, origin: 'schedule' as const, requestedBy: 'ops', proposalId: null, baseRequestId: null, source: { vcs: 'bzr' as const, path: '~ops/gcc-linaro/try', ref: null }, sourceUrl: 'lp:~ops/gcc-linaro/try', revision: { id: 'r-try', revno: 9 } };
    const id = await store.createRequest(request, [{ target: 'a9hf', backend: 'lava' }], (rid) => `adhoc-${rid}`, NOW.toISOString());
    const page = await get(server.url);
    assert.match(page.text, new RegExp(`<tr data-request="${id}" data-target="a9hf">.*adhoc <a href="https://code.launchpad.net/~ops/gcc-linaro/try">lp:~ops/gcc-linaro/try</a> <span class="muted">\\(schedule, by ops\\)</span>`));
  });

  it('serves a page per proposal with its history across revisions, and 404 for others', async () => {
    const page = await get(`${server.url}proposal/${ids.proposalId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>lp:~alice\/gcc-linaro\/fix<\/h1>/);
    assert.match(page.text, /<a href="https:\/\/code\.launchpad\.net\/~alice\/gcc-linaro\/fix\/\+merge\/1" class="launchpad">On Launchpad<\/a>/);
    const revisions = [...page.text.matchAll(/<h2>Revision (\d+) /g)].map((m) => m[1]);
    assert.deepEqual(revisions, ['2', '1'], 'newest revision first');
    assert.match(page.text, /<td>a9hf<\/td><td>LAVA<\/td><td><span class="state state-infra">infra<\/span>/);
    // A git revision is its commit id, shown as it is (an id is not a word to capitalise).
    const git = { kind: 'proposal' as const, origin: 'revision' as const, requestedBy: null, proposalId: ids.proposalId, baseRequestId: null, source: { vcs: 'git' as const, path: '~alice/gcc-linaro/+git/gcc-linaro', ref: 'refs/heads/fix' }, sourceUrl: 'https://git.launchpad.net/~alice/gcc-linaro', revision: { id: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12', revno: null } };
    await store.createRequest(git, [{ target: 'a9hf', backend: 'lava' }], (rid) => `git-${rid}`, NOW.toISOString());
    assert.match((await get(`${server.url}proposal/${ids.proposalId}`)).text, /<h2>ab12cd3 — /);
    assert.equal((await get(`${server.url}proposal/999`)).status, 404);
    assert.equal((await get(`${server.url}proposal/abc`)).status, 404);
    assert.equal((await get(`${server.url}nowhere`)).status, 404);
  });

  it('answers the JSON API with the same views', async () => {
    const status = JSON.parse((await get(`${server.url}api/status`)).text);
    assert.equal(status.generatedAt, NOW.toISOString());
    assert.deepEqual(status.active.map((r: { id: number }) => r.id), [ids.requestIds[4]]);
    const running = status.active[0].builds.find((b: { backend: string }) => b.backend === 'cbuild');
    assert.equal(running.buildTimeMs, 50 * 60_000);
    assert.equal(running.logUrl, 'http://cbuild.example/log/make.log');
    assert.equal(status.recent.length, 4);

    const proposal = JSON.parse((await get(`${server.url}api/proposals/${ids.proposalId}`)).text);
    assert.deepEqual(proposal.requests.map((r: { revno: number }) => r.revno), [2, 1]);

    const capacity = await get(`${server.url}api/capacity?since=7d`);
    assert.equal(capacity.status, 200);
    const report = JSON.parse(capacity.text);
    const lavaAll = report.capacity.find((r: { backend: string; target: string }) => r.backend === 'lava' && r.target === '(all)');
    assert.equal(lavaAll.queueWait.median, 450_000);
    assert.equal(report.lavaDevices, null, 'no LAVA given to this server');

    const bad = await get(`${server.url}api/capacity?since=forever`);
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.text), { error: 'since: expected a length of time like 7d, 24h, 30m or 2w, not "forever"' });
    assert.equal((await get(`${server.url}api/lava/devices`)).status, 404);
  });

  it('draws the capacity page with inline SVG charts and the agreement table', async () => {
    const page = await get(`${server.url}capacity?since=7d`);
    assert.equal(page.status, 200);
    assert.equal([...page.text.matchAll(/<svg [^>]*role="img"/g)].length, 4);
    assert.match(page.text, /aria-label="Queue wait \(submitted → started\)"/);
    assert.match(page.text, /<title>LAVA: 15m 00s \(a9hf, ended /);
    assert.match(page.text, /<tr data-backend="lava" data-target="\(all\)"><td>LAVA/);
    assert.match(page.text, /data-verdict="tests-differ">.*gcc FAIL 1 \(CBuild\) vs 3 \(LAVA\)/);
    assert.doesNotMatch(page.text, /<script/i);
    assert.equal((await get(`${server.url}capacity?since=7x`)).status, 400);
  });

  it('shows the readiness verdict and forecast per target on the capacity page and in /api/capacity', async () => {
    const report = JSON.parse((await get(`${server.url}api/capacity?since=7d`)).text);
    assert.deepEqual(report.readiness.map((r: { target: string; ready: boolean }) => [r.target, r.ready]), [['a9hf', false], ['x86_64', false]]);
    const a9 = report.readiness[0];
    // LAVA a9hf: 5 attempts, 2 retried after infrastructure failures and 1 final one.
    assert.deepEqual(a9.criteria.find((c: { name: string }) => c.name === 'infra'), {
      name: 'infra', met: false, value: 0.6, detail: '60.0% of 5 LAVA attempt(s) hit an infrastructure failure (at most 5.0%)',
    });
    assert.equal(a9.forecast.unavailable, 'no LAVA device type is configured for a9hf', 'this server was given no config');
    const page = await get(`${server.url}capacity?since=7d`);
    assert.match(page.text, /<tr data-target="a9hf" data-ready="no"><td>a9hf<\/td><td class="unmet"><strong>not yet<\/strong><\/td>/);
    assert.match(page.text, /<td class="unmet" data-criterion="infra">no<br><span class="muted">60\.0% of 5 LAVA attempt\(s\) hit an infrastructure failure/);
    assert.match(page.text, /<td class="forecast">no forecast: no LAVA device type is configured for a9hf<\/td>/);
  });

  it('is read-only', async () => {
    const post = await get(server.url, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('masks secrets that reached a build', async () => {
    registerSecret('tok-SECRET-1234');
    // Written around the store's own masking, as an older row might be.
    await store.db.run('UPDATE builds SET detail = ? WHERE id = (SELECT MIN(id) FROM builds)', ['LAVA said: bad token tok-SECRET-1234']);
    const page = await get(`${server.url}proposal/${ids.proposalId}`);
    const api = await get(`${server.url}api/proposals/${ids.proposalId}`);
    for (const text of [page.text, api.text]) assert.doesNotMatch(text, /tok-SECRET-1234/);
  });

  it('answers 500 and logs when a page fails, and keeps serving', async () => {
    await store.close();
    const page = await get(server.url);
    assert.equal(page.status, 500);
    assert.doesNotMatch(page.text, /SQLITE|Database/i, 'the cause goes to the log, not the page');
    assert.ok(logged.some((l) => /ERROR status page failed .*path=\//.test(l)), logged.join(''));
    const metrics = await get(`${server.url}metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type')!, /^text\/plain/);
  });

  it('refuses a listen address that is not host:port, naming the setting', () => {
    assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
    assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['8080', 'host:', 'host:99999', 'http://host:1']) assert.throws(() => parseListen(bad), /^RangeError: http\.listen: expected host:port/);
  });
});

describe('web: status server against malformed requests', () => {
  let store: Store;
  let server: StatusServer;

  beforeEach(async () => {
    store = await Store.open(':memory:');
    server = await startStatusServer({ store, listen: '127.0.0.1:0', logger: createLogger({ level: 'error', sink: { write: () => {} } }) });
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  /** Sends raw bytes and returns everything the server answered before closing. */
  function raw(request: string): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('answers 400 to a request line whose URL cannot be parsed (GET http://[::1), and keeps serving', async () => {
    const answer = await raw('GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /The request’s URL cannot be parsed\./);
    assert.equal((await fetch(`${server.url}healthz`)).status, 200);
  });

  it('answers 400 to a request node cannot parse at all, and 431 to headers too large', async () => {
    assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*could not parse this request/);
    assert.match(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal((await fetch(`${server.url}healthz`)).status, 200);
  });
});
