/** Launchpad's webhook deliveries read as its code writes them: the signature over the raw body and what each payload says. */
import assert from 'node:assert/strict';
import { classifyDelivery, PayloadError, pythonJsonDumps, signatureMatches, webhookSignature } from '../../src/launchpad/webhooks.js';

const MP = '/~contributor/gcc-linaro/pr12345-backport/+merge/223344';
const attributes = (over: Record<string, unknown> = {}) => ({
  registrant: '/~contributor', source_branch: '/~contributor/gcc-linaro/pr12345-backport', source_git_repository: null, source_git_path: null,
  target_branch: '/~linaro-toolchain-dev/gcc-linaro/4.8', target_git_repository: null, target_git_path: null, prerequisite_branch: null,
  prerequisite_git_repository: null, prerequisite_git_path: null, queue_status: 'Needs review', commit_message: null, whiteboard: null,
  description: 'Backport of PR target/12345', preview_diff: `${MP}/+preview-diff/556677`, ...over,
});

describe('Launchpad webhook deliveries', () => {
  it("signs the raw body with HMAC-SHA1 of the secret: Launchpad's own test vector", () => {
    assert.equal(webhookSignature('sekrit', '{"foo": "bar"}'), 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd');
    assert.equal(webhookSignature('sekrit', '{"ping": true}'), 'sha1=1f84d89bbe1829e5842139181297352653e26a8d');
  });

  it('accepts only the signature of exactly these bytes, with sha1= and lower-case hex', () => {
    const body = Buffer.from('{"foo": "bar"}');
    assert.equal(signatureMatches('sekrit', body, 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd'), true);
    assert.equal(signatureMatches('sekrit', Buffer.from('{"foo":"bar"}'), 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd'), false, 'the same JSON written otherwise is other bytes');
    assert.equal(signatureMatches('other', body, 'sha1=de75f136c37d89f5eb24834468c1ecd602fa95dd'), false);
    assert.equal(signatureMatches('sekrit', body, 'sha1=DE75F136C37D89F5EB24834468C1ECD602FA95DD'), false, 'Launchpad writes lower case');
    assert.equal(signatureMatches('sekrit', body, 'sha256=de75f136c37d89f5eb24834468c1ecd602fa95dd'), false, 'the header does not choose the algorithm');
    assert.equal(signatureMatches('sekrit', body, 'sha1=de75f136'), false);
    assert.equal(signatureMatches('sekrit', body, undefined), false);
  });

  it("writes JSON as Python's json.dumps does: spaced separators, non-ASCII escaped", () => {
    assert.equal(pythonJsonDumps({ foo: 'bar' }), '{"foo": "bar"}');
    assert.equal(pythonJsonDumps({ a: [1, null, true], d: 'faster «links» 😀' }), '{"a": [1, null, true], "d": "faster \\u00ablinks\\u00bb \\ud83d\\ude00"}');
  });

  it('works out what happened to a proposal from action, old and new', () => {
    const hint = (payload: Record<string, unknown>) => classifyDelivery('merge-proposal:0.1', { ...payload, merge_proposal: MP });
    assert.deepEqual(hint({ action: 'created', new: attributes({ preview_diff: null }) }), { kind: 'proposal', path: MP, change: 'created' });
    assert.deepEqual(hint({ action: 'modified', old: attributes({ preview_diff: null }), new: attributes() }), { kind: 'proposal', path: MP, change: 'push' }, 'the first diff is a push');
    assert.deepEqual(hint({ action: 'modified', old: attributes({ preview_diff: null, queue_status: 'Work in progress' }), new: attributes() }), { kind: 'proposal', path: MP, change: 'status-change' }, 'a status change comes before a new diff');
    assert.deepEqual(hint({ action: 'modified', old: attributes({ queue_status: 'Work in progress' }), new: attributes() }), { kind: 'proposal', path: MP, change: 'status-change' });
    assert.deepEqual(hint({ action: 'modified', old: attributes({ description: 'x' }), new: attributes() }), { kind: 'proposal', path: MP, change: 'edit' });
    assert.deepEqual(hint({ action: 'reviewed', old: attributes(), new: attributes() }), { kind: 'proposal', path: MP, change: 'reviewed' });
    assert.deepEqual(hint({ action: 'deleted', old: attributes() }), { kind: 'proposal', path: MP, change: 'deleted' });
  });

  it('reads pushes, pings and event types the bot does not use', () => {
    assert.deepEqual(
      classifyDelivery('bzr:push:0.1', { bzr_branch: '/~linaro-toolchain-dev/gcc-linaro/4.8', bzr_branch_path: '~linaro-toolchain-dev/gcc-linaro/4.8', old: { revision_id: 'a' }, new: { revision_id: 'b' } }),
      { kind: 'bzr-push', branch: '~linaro-toolchain-dev/gcc-linaro/4.8' },
    );
    assert.deepEqual(
      classifyDelivery('git:push:0.1', {
        git_repository: '/~linaro-toolchain-dev/gcc-linaro/+git/gcc-linaro',
        git_repository_path: '~linaro-toolchain-dev/gcc-linaro/+git/gcc-linaro',
        ref_changes: { 'refs/heads/master': { old: { commit_sha1: '1111' }, new: { commit_sha1: '2222' } }, 'refs/heads/new': { old: null, new: { commit_sha1: '3333' } } },
      }),
      { kind: 'git-push', repository: '~linaro-toolchain-dev/gcc-linaro/+git/gcc-linaro', refs: ['refs/heads/master', 'refs/heads/new'] },
    );
    assert.deepEqual(classifyDelivery('ping', { ping: true }), { kind: 'ping' });
    assert.deepEqual(classifyDelivery('ci:build:0.1', { whatever: 1 }), { kind: 'ignored', eventType: 'ci:build:0.1' });
  });

  it('refuses bodies that are not the payload of their event type, naming what is wrong', () => {
    const cases: [string, unknown, RegExp][] = [
      ['merge-proposal:0.1', [1], /not a JSON object/],
      ['merge-proposal:0.1', { action: 'created', new: attributes(), merge_proposal: '/../../etc/passwd' }, /merge_proposal is not the path of a merge proposal/],
      ['merge-proposal:0.1', { action: 'exploded', merge_proposal: MP }, /action "exploded" is none of/],
      ['merge-proposal:0.1', { action: 'modified', old: 'x', new: attributes(), merge_proposal: MP }, /old is not an object/],
      ['bzr:push:0.1', { bzr_branch: 'lp:gcc' }, /bzr_branch is not the path of a branch/],
      ['git:push:0.1', { git_repository: '/~o/p/+git/r', ref_changes: { '; rm -rf /': {} } }, /names something that is not a ref/],
      ['ping', { ping: 'yes' }, /a ping delivery is/],
    ];
    for (const [type, payload, message] of cases) assert.throws(() => classifyDelivery(type, payload), (err: Error) => err instanceof PayloadError && message.test(err.message), type);
  });
});
