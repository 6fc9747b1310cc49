/**
 * The event routes of the status server over real HTTP, on a real store:
 * Launchpad deliveries (signature before anything else, one take per
 * delivery id, what they ask the bot to look at) and LAVA callbacks (the
 * job's token); the secret and the token never reach a log or an answer.
 */
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/log.js';
import { clearSecretsForTests, registerSecret } from '../../src/secrets.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { HookReceiver, MAX_EVENT_BODY_BYTES } from '../../src/web/hooks.js';
import { webhookSignature } from '../../src/launchpad/webhooks.js';
import { setCallbackToken } from '../../src/store/events.js';
import type { Hint } from '../../src/bot/hints.js';

const SECRET = 'a-webhook-secret-0123456789';
const API = 'http://lp.example/1.0/';
const MP_PATH = '/~alice/gcc-linaro/fix/+merge/12';

describe('web: event routes', () => {
  let store: Store;
  let server: StatusServer;
  let hints: Hint[];
  let logged: string[];

  const mpAttributes = { registrant: '/~alice', queue_status: 'Needs review', preview_diff: null };
  const deliver = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}hooks/launchpad`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-launchpad-event-type': 'merge-proposal:0.1', 'x-launchpad-delivery': '4400001', 'x-hub-signature': webhookSignature(SECRET, body), ...headers },
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  beforeEach(async () => {
    store = await Store.open(':memory:');
    hints = [];
    logged = [];
    registerSecret(SECRET);
    const logger = createLogger({ level: 'debug', sink: { write: (line) => logged.push(line) } });
    const hooks = new HookReceiver({ store, logger, clock: () => new Date(), hint: (h) => hints.push(h), launchpad: { path: '/hooks/launchpad', secret: SECRET, apiRoot: API }, lava: true });
    server = await startStatusServer({ store, listen: '127.0.0.1:0', logger, hooks });
  });
  afterEach(async () => {
    await server.close();
    await store.close();
    clearSecretsForTests();
  });

  it('takes a signed delivery at once and asks the bot to look at the proposal', async () => {
    const body = JSON.stringify({ action: 'created', new: mpAttributes, merge_proposal: MP_PATH });
    const answer = await deliver(body);
    assert.equal(answer.status, 202, answer.text);
    assert.deepEqual(hints, [{ kind: 'proposal', link: `${API}~alice/gcc-linaro/fix/+merge/12`, change: 'created' }]);
  });

  it("checks Launchpad's own test vector and refuses a wrong or missing signature with 401, logging neither the body nor the secret", async () => {
    // {"foo": "bar"} is not a payload the bot takes, but its signature is checked first.
    const vector = await fetch(`${server.url}hooks/launchpad`, {
      method: 'POST',
      body: '{"foo": "bar"}',
      headers: { 'x-launchpad-event-type': 'merge-proposal:0.1', 'x-launchpad-delivery': '1', 'x-hub-signature': 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd' },
    });
    assert.equal(vector.status, 401, 'signed with sekrit, not this secret');
    const body = JSON.stringify({ action: 'created', new: { description: 'confidential text' }, merge_proposal: MP_PATH });
    assert.equal((await deliver(body, { 'x-hub-signature': webhookSignature('another secret', body) })).status, 401);
    assert.equal((await deliver(body, { 'x-hub-signature': '' })).status, 401);
    const tampered = await deliver(body.replace('confidential', 'Confidential'), { 'x-hub-signature': webhookSignature(SECRET, body) });
    assert.equal(tampered.status, 401);
    assert.deepEqual(hints, []);
    const refusals = logged.filter((l) => /webhook delivery refused/.test(l));
    assert.equal(refusals.length, 4);
    assert.ok(logged.every((l) => !l.includes('confidential') && !l.includes(SECRET)), logged.join('\n'));
    assert.equal(await store.db.get('SELECT * FROM webhook_deliveries'), undefined, 'nothing unsigned is recorded');
  });

  it("with Launchpad's test vector and its secret, the signature is accepted and the body judged next", async () => {
    await server.close();
    const hooks = new HookReceiver({ store, logger: createLogger({ level: 'error', sink: { write: () => {} } }), clock: () => new Date(), hint: (h) => hints.push(h), launchpad: { path: '/hooks/launchpad', secret: 'sekrit', apiRoot: API } });
    server = await startStatusServer({ store, listen: '127.0.0.1:0', logger: createLogger({ level: 'error', sink: { write: () => {} } }), hooks });
    const res = await fetch(`${server.url}hooks/launchpad`, {
      method: 'POST',
      body: '{"foo": "bar"}',
      headers: { 'x-launchpad-event-type': 'merge-proposal:0.1', 'x-launchpad-delivery': '1', 'x-hub-signature': 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd' },
    });
    assert.equal(res.status, 400, 'signed right, but not a merge-proposal payload');
    assert.match(await res.text(), /merge_proposal is not the path of a merge proposal/);
  });

  it('takes a redelivery (the same X-Launchpad-Delivery) once', async () => {
    const body = JSON.stringify({ action: 'modified', old: mpAttributes, new: { ...mpAttributes, preview_diff: `${MP_PATH}/+preview-diff/3` }, merge_proposal: MP_PATH });
    assert.equal((await deliver(body)).status, 202);
    assert.equal((await deliver(body)).status, 200);
    assert.equal((await deliver(body, { 'x-launchpad-delivery': '4400002' })).status, 202, 'another delivery of the same event is another delivery');
    assert.deepEqual(hints.map((h) => h.kind === 'proposal' && h.change), ['push', 'push']);
  });

  it('refuses a malformed or too large body with 400 and a delivery without its headers', async () => {
    const bad = await deliver('{"action": ');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /not JSON/);
    const large = 'x'.repeat(MAX_EVENT_BODY_BYTES + 1);
    const tooLarge = await deliver(large);
    assert.equal(tooLarge.status, 400);
    assert.match(tooLarge.text, /larger than 1048576 bytes/);
    const noId = await deliver('{"ping": true}', { 'x-launchpad-event-type': 'ping', 'x-launchpad-delivery': '' });
    assert.equal(noId.status, 400);
    assert.equal((await deliver('{"ping": true}', { 'x-launchpad-event-type': 'ping' })).status, 202, 'a ping is taken and logged');
    assert.ok(logged.some((l) => /webhook ping: the webhook reaches the bot and its secret matches/.test(l)));
    assert.deepEqual(hints, []);
  });

  it('asks the bot to look at the proposals from a pushed branch or refs', async () => {
    const bzr = JSON.stringify({ bzr_branch: '/~linaro/gcc-linaro/4.8', bzr_branch_path: 'gcc-linaro/4.8', old: { revision_id: 'a' }, new: { revision_id: 'b' } });
    assert.equal((await deliver(bzr, { 'x-launchpad-event-type': 'bzr:push:0.1' })).status, 202);
    const git = JSON.stringify({ git_repository: '/~linaro/gcc-linaro/+git/gcc', git_repository_path: 'gcc-linaro', ref_changes: { 'refs/heads/master': { old: null, new: { commit_sha1: 'c' } } } });
    assert.equal((await deliver(git, { 'x-launchpad-event-type': 'git:push:0.1', 'x-launchpad-delivery': '4400002' })).status, 202);
    assert.deepEqual(hints, [
      { kind: 'pushed', vcs: 'bzr', path: '~linaro/gcc-linaro/4.8', refs: null },
      { kind: 'pushed', vcs: 'git', path: '~linaro/gcc-linaro/+git/gcc', refs: ['refs/heads/master'] },
    ]);
  });

  it('counts a "reviewed" delivery as the bot\'s own recent comment once per comment, else marks the comments wanted', async () => {
    const link = `${API}~alice/gcc-linaro/fix/+merge/12`;
    const now = new Date().toISOString();
    const [row] = await store.upsertProposals([
      { self_link: link, web_link: 'web', source: { vcs: 'bzr', link: `${API}~alice/gcc-linaro/fix`, path: '~alice/gcc-linaro/fix', ref: null }, target: { vcs: 'bzr', link: `${API}~l/gcc-linaro/trunk`, path: '~l/gcc-linaro/trunk', ref: null }, queue_status: 'Needs review', http_etag: '"e"' }],
      now,
    );
    await store.queueComment({ requestId: null, proposalId: row.id, kind: 'notice', marker: 'm1', subject: 's', body: 'b', vote: null }, now);
    const [own] = await store.allComments();
    await store.markPosting(own.id, now);
    await store.markPosted(own.id, 'link', 'posted', now);
    const review = JSON.stringify({ action: 'reviewed', old: mpAttributes, new: mpAttributes, merge_proposal: MP_PATH });
    assert.equal((await deliver(review, { 'x-launchpad-delivery': '10' })).status, 202);
    assert.deepEqual(hints, [], "the bot's own comment: nothing to read");
    assert.equal((await store.db.get<{ c: string | null }>('SELECT comments_wanted_at AS c FROM proposals'))!.c, null);
    assert.equal((await deliver(review, { 'x-launchpad-delivery': '11' })).status, 202);
    assert.deepEqual(hints, [{ kind: 'proposal', link, change: 'reviewed' }], 'a second comment is someone else\'s');
    assert.notEqual((await store.db.get<{ c: string | null }>('SELECT comments_wanted_at AS c FROM proposals'))!.c, null);
  });

  it('takes a LAVA callback only with its build\'s token, never logging it', async () => {
    await store.db.run(`INSERT INTO requests (id, kind, origin, vcs, source_path, source_url, revision_id, state, created_at) VALUES (1, 'adhoc', 'schedule', 'bzr', '~u/p/b', 'lp:~u/p/b', 'r1', 'active', 't')`);
    await store.db.run(`INSERT INTO builds (id, request_id, target, backend, state, submit_key, updated_at) VALUES (7, 1, 'a9hf', 'lava', 'running', 'k', 't')`);
    const token = 'f'.repeat(64);
    await setCallbackToken(store, 7, token, 't');
    const call = (build: number, value?: string) =>
      fetch(`${server.url}hooks/lava/${build}`, { method: 'POST', body: JSON.stringify({ id: 40, token: value }), headers: { 'content-type': 'application/json', ...(value === undefined ? {} : { 'x-cbuild-bot-token': value }) } }).then((r) => r.status);
    assert.equal(await call(7, 'e'.repeat(64)), 401);
    assert.equal(await call(7), 401);
    assert.equal(await call(8, token), 401, 'a token is its own build\'s only');
    assert.equal(await call(7, token), 202);
    assert.deepEqual(hints, [{ kind: 'build', buildId: 7 }]);
    assert.ok(logged.every((l) => !l.includes(token)));
    assert.deepEqual(await store.db.all('SELECT token_sha256 FROM lava_callbacks WHERE token_sha256 LIKE ?', [`%${token}%`]), [], 'only its digest is stored');
  });

  it('keeps every other route read-only', async () => {
    const post = await fetch(`${server.url}hooks/other`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal((await fetch(`${server.url}hooks/launchpad`)).status, 404);
  });
});
