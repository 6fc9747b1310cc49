/**
 * The simulated Launchpad's webhooks, as Launchpad has them: the devel API
 * with its permission and validation rules, and deliveries from every change
 * (payloads field by field, headers, HMAC, retries on Launchpad's schedule).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LaunchpadSimulator } from '../../src/launchpad/simulator.js';
import { LaunchpadClient, LaunchpadError } from '../../src/launchpad/client.js';
import { HttpClient } from '../../src/http/client.js';
import { PROPOSAL_PAYLOAD_KEYS, signatureMatches } from '../../src/launchpad/webhooks.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver that answers each request with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/launchpad`, close: () => new Promise((r) => server.close(r)) };
}

describe('Launchpad simulator: webhooks', () => {
  let lp: LaunchpadSimulator;
  let root: string;
  let client: (token?: 'member' | 'outsider' | 'reader') => LaunchpadClient;
  let trunk: string;
  let trunkLink: string;

  beforeEach(async () => {
    lp = new LaunchpadSimulator({ webhooks: { timeScale: 1 / 6000 } });
    root = await lp.start();
    lp.addPerson('bot', 'Bot');
    lp.addPerson('eve', 'Eve');
    lp.addPerson('alice', 'Alice');
    lp.addTeam('toolchain', 'Toolchain', ['bot']);
    lp.addProject('gcc-linaro', 'Linaro GCC');
    trunk = lp.addBranch({ owner: 'toolchain', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
    lp.pushRevisions(trunk, 1);
    trunkLink = `${root}1.0/${trunk}`;
    const tokens = { member: ['bot', 'WRITE_PUBLIC'], outsider: ['eve', 'WRITE_PUBLIC'], reader: ['bot', 'READ_PUBLIC'] } as const;
    for (const [key, [person, permission]] of Object.entries(tokens)) {
      lp.registerToken({ consumerKey: 'c', tokenKey: `${key}-token`, tokenSecret: `${key}-secret`, person, permission });
    }
    client = (token) =>
      new LaunchpadClient({
        serviceRoot: root,
        credentials: token ? { consumerKey: 'c', consumerSecret: '', accessToken: `${token}-token`, accessSecret: `${token}-secret` } : undefined,
        http: new HttpClient({ retries: 0 }),
      });
  });
  afterEach(() => lp.close());

  it('creates webhooks in devel only, for people who may edit the target, with Launchpad\'s validation', async () => {
    const hook = { deliveryUrl: 'https://bot.example/hooks/launchpad', eventTypes: ['merge-proposal:0.1', 'bzr:push:0.1'], secret: 's3cret' };
    const refused = async (who: Parameters<typeof client>[0], pattern: RegExp, status = 401) => {
      await assert.rejects(client(who).newWebhook(trunkLink, hook), (err: LaunchpadError) => err.status === status && pattern.test(err.message));
    };
    await refused(undefined, /'newWebhook', 'launchpad\.Edit'/);
    await refused('outsider', /'newWebhook', 'launchpad\.Edit'/);
    await refused('reader', /'newWebhook', 'launchpad\.Edit'/);
    const link = await client('member').newWebhook(trunkLink, hook);
    assert.match(link, new RegExp(`^${root}1\\.0/~toolchain/gcc-linaro/trunk/\\+webhook/\\d+$`));
    const [listed] = await client('member').webhooks(trunkLink);
    assert.deepEqual([listed.delivery_url, listed.event_types, listed.active, listed.git_ref_pattern], [hook.deliveryUrl, hook.eventTypes, true, null]);
    assert.ok(!JSON.stringify(listed).includes('s3cret'), 'the secret is never shown');
    await assert.rejects(client('outsider').webhooks(trunkLink), (err: LaunchpadError) => err.status === 401 && /launchpad\.Edit/.test(err.message), 'only editors see them');
    await assert.rejects(
      client('member').newWebhook(trunkLink, { ...hook, eventTypes: ['hg:push:0.1'] }),
      (err: LaunchpadError) => err.status === 400 && /event_types: 'hg:push:0.1' isn't a valid token/.test(err.message),
    );
    await assert.rejects(
      client('member').newWebhook(trunkLink, { ...hook, eventTypes: ['merge-proposal:0.1', 'merge-proposal:0.1::push'] }),
      (err: LaunchpadError) => err.status === 400 && /Please, select either the parent event type \(merge-proposal:0\.1\) or its subscopes - not both\./.test(err.message),
    );
    await assert.rejects(client('member').newWebhook(trunkLink, { ...hook, eventTypes: ['git:push:0.1'] }), /isn't a valid token/, 'git pushes are a repository\'s');
    // 1.0 has no newWebhook.
    const res = await fetch(`${trunkLink}`, { method: 'POST', body: 'ws.op=newWebhook', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'OAuth oauth_consumer_key="c", oauth_token="member-token", oauth_signature_method="PLAINTEXT", oauth_signature="&member-secret"' } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /No such operation: newWebhook/);
    await client('member').patchWebhook(listed.self_link, { active: false });
    assert.equal((await client('member').webhooks(trunkLink))[0].active, false);
    await assert.rejects(client('outsider').deleteWebhook(listed.self_link), /launchpad\.Edit/);
    await client('member').deleteWebhook(listed.self_link);
    assert.deepEqual(await client('member').webhooks(trunkLink), []);
  });

  it('delivers every merge-proposal change to the target\'s webhook with Launchpad\'s headers, payloads and signature', async () => {
    const bot = await receiver();
    await client('member').newWebhook(trunkLink, { deliveryUrl: bot.url, eventTypes: ['merge-proposal:0.1', 'bzr:push:0.1'], secret: 'sekrit' });
    const branch = lp.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'fix' });
    lp.pushRevisions(branch, 1);
    const mp = lp.createMergeProposal({ source: branch, target: trunk, registrant: 'alice', description: 'Faster «links»' });
    lp.pushRevisions(branch, 1);
    lp.addComment(mp, 'alice', 'please review');
    lp.setStatus(mp, 'Approved');
    lp.pushRevisions(trunk, 1);
    await lp.webhooksSettled();
    // Deliveries come in no set order; Launchpad's advice: sort them by X-Launchpad-Delivery.
    bot.received.sort((a, b) => Number(a.headers['x-launchpad-delivery']) - Number(b.headers['x-launchpad-delivery']));
    const bodies = bot.received.map((r) => JSON.parse(r.body) as Record<string, Record<string, unknown> | string>);
    assert.deepEqual(bodies.map((b) => b.action ?? 'bzr push'), ['created', 'modified', 'modified', 'reviewed', 'modified', 'bzr push']);
    const [created, firstDiff, push, reviewed, approved, trunkPush] = bodies;
    const path = `/~alice/gcc-linaro/fix/+merge/${/\+merge\/(\d+)/.exec(mp)![1]}`;
    assert.equal(created.merge_proposal, path);
    assert.deepEqual(Object.keys(created.new as object), [...PROPOSAL_PAYLOAD_KEYS], 'the 15 keys, in order');
    assert.equal((created.new as Record<string, unknown>).preview_diff, null, 'created before its diff');
    assert.deepEqual([(created.new as Record<string, unknown>).source_branch, (created.new as Record<string, unknown>).target_git_repository], ['/~alice/gcc-linaro/fix', null]);
    assert.equal((firstDiff.old as Record<string, unknown>).preview_diff, null);
    assert.match(String((firstDiff.new as Record<string, unknown>).preview_diff), new RegExp(`^${path.replace(/\+/g, '\\+')}/\\+preview-diff/\\d+$`));
    assert.notEqual((push.old as Record<string, unknown>).preview_diff, (push.new as Record<string, unknown>).preview_diff);
    assert.deepEqual(reviewed.old, reviewed.new);
    assert.deepEqual([(approved.old as Record<string, unknown>).queue_status, (approved.new as Record<string, unknown>).queue_status], ['Needs review', 'Approved']);
    assert.deepEqual(Object.keys(trunkPush), ['bzr_branch', 'bzr_branch_path', 'old', 'new']);
    assert.deepEqual([trunkPush.bzr_branch, trunkPush.bzr_branch_path], ['/~toolchain/gcc-linaro/trunk', 'gcc-linaro']);
    const [first] = bot.received;
    assert.equal(first.headers['user-agent'], 'launchpad.test-Webhooks/rsimulator');
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['x-launchpad-event-type'], 'merge-proposal:0.1');
    assert.ok(bot.received.every((r) => signatureMatches('sekrit', Buffer.from(r.body), r.headers['x-hub-signature'] as string)));
    assert.match(bot.received[0].body, /"description": "Faster \\u00ablinks\\u00bb"/, 'the body is json.dumps output, byte for byte');
    assert.equal(new Set(bot.received.map((r) => r.headers['x-launchpad-delivery'])).size, 6, 'one id per delivery');
    await bot.close();
  });

  it('a sub-scope webhook gets only that change, named by its parent; a ref pattern filters git targets', async () => {
    const bot = await receiver();
    await client('member').newWebhook(trunkLink, { deliveryUrl: bot.url, eventTypes: ['merge-proposal:0.1::status-change'], secret: 's' });
    const branch = lp.addBranch({ owner: 'alice', project: 'gcc-linaro', name: 'fix' });
    lp.pushRevisions(branch, 1);
    const mp = lp.createMergeProposal({ source: branch, target: trunk, registrant: 'alice' });
    lp.addComment(mp, 'alice', 'x');
    lp.setStatus(mp, 'Work in progress');
    const repo = lp.addGitRepository({ owner: 'toolchain', project: 'gcc-linaro', name: 'gcc', targetDefault: true });
    lp.pushCommits(repo, 'refs/heads/master', 1);
    lp.pushCommits(repo, 'refs/heads/release', 1);
    const hook = await client('member').newWebhook(`${root}1.0/${repo}`, { deliveryUrl: bot.url, eventTypes: ['git:push:0.1'], secret: 's' });
    await client('member').patchWebhook(hook, { git_ref_pattern: 'refs/heads/rel*' });
    lp.pushCommits(repo, 'refs/heads/master', 1);
    lp.pushCommits(repo, 'refs/heads/release', 1);
    await lp.webhooksSettled();
    bot.received.sort((a, b) => Number(a.headers['x-launchpad-delivery']) - Number(b.headers['x-launchpad-delivery']));
    assert.deepEqual(bot.received.map((r) => r.headers['x-launchpad-event-type']), ['merge-proposal:0.1', 'git:push:0.1']);
    assert.equal(JSON.parse(bot.received[0].body).action, 'modified');
    assert.deepEqual(Object.keys(JSON.parse(bot.received[1].body).ref_changes), ['refs/heads/release']);
    await bot.close();
  });

  it("retries what is not a 2xx with the same delivery id on Launchpad's schedule, and gives a loopback receiver five minutes", async () => {
    const bot = await receiver([500, 404, 503]);
    const link = await client('member').newWebhook(trunkLink, { deliveryUrl: bot.url, eventTypes: ['bzr:push:0.1'], secret: 's' });
    lp.pushRevisions(trunk, 1);
    await lp.webhooksSettled();
    assert.equal(bot.received.length, 4);
    assert.equal(new Set(bot.received.map((r) => r.headers['x-launchpad-delivery'])).size, 1, 'one delivery, tried again');
    const [delivery] = lp.webhookDeliveries();
    assert.deepEqual([delivery.successful, delivery.attempts.map((a) => a.status)], [true, [500, 404, 503, 200]]);
    const gaps = delivery.attempts.slice(1).map((a, i) => (a.at.getTime() - delivery.attempts[i].at.getTime()) * 6000);
    assert.ok(gaps.every((g) => g >= 55_000), `a minute apart in Launchpad time: ${gaps.join(', ')} ms`);
    await bot.close();
    // Nobody listens any more: connection errors until the five minutes of a loopback address are over.
    lp.pushRevisions(trunk, 1);
    await lp.webhooksSettled();
    const failed = lp.webhookDeliveries()[1];
    assert.equal(failed.successful, false);
    assert.match(failed.errorMessage!, /^Connection error: /);
    assert.equal(failed.attempts.length, 6, 'tried at 0, 1, 2, 3, 4 and 5 minutes');
    const ping = await fetch(`${link.replace('/1.0/', '/devel/')}`, { method: 'POST', body: 'ws.op=ping', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'OAuth oauth_consumer_key="c", oauth_token="member-token", oauth_signature_method="PLAINTEXT", oauth_signature="&member-secret"' } });
    assert.equal(ping.status, 201);
    assert.match(ping.headers.get('location')!, /\/\+webhook\/\d+\/\+delivery\/\d+$/);
    await lp.webhooksSettled();
    assert.deepEqual(lp.webhookDeliveries()[2].payload, { ping: true });
  });

  it('delivers to an https URL too: a receiver that does not answer TLS is a connection error, recorded, not a crash', async () => {
    const plain = await receiver([]);
    await client('member').newWebhook(trunkLink, { deliveryUrl: plain.url.replace(/^http:/, 'https:'), eventTypes: ['bzr:push:0.1'], secret: 's' });
    lp.pushRevisions(trunk, 1);
    await lp.webhooksSettled();
    const [delivery] = lp.webhookDeliveries();
    assert.equal(delivery.successful, false);
    assert.match(delivery.errorMessage!, /^Connection error: /);
    await plain.close();
  });
});
