import assert from 'node:assert/strict';
import { ManifestError, parseManifest } from '../../src/results/index.js';

describe('results: known-flaky manifest (validate_failures.py format)', () => {
  it('reads entries, attributes and expiry dates, skipping comments and blank lines', () => {
    const manifest = parseManifest(
      [
        '# Known failures of the a9hf configuration',
        '',
        'FAIL: gcc.dg/vect/vect-42.c execution test',
        'flaky | FAIL: gcc.c-torture/execute/pr43220.c  -O2  execution test',
        ' flaky, expire=20131231 |  XPASS: gcc.dg/unroll_1.c (test for excess errors)\r',
        'UNRESOLVED: gcc.dg/lto/20090914-2 c_lto_20090914-2_0.o-c_lto_20090914-2_0.o execute -O2 -flto',
      ].join('\n'),
      { source: 'a9hf.xfail' },
    );
    assert.equal(manifest.source, 'a9hf.xfail');
    assert.deepEqual(manifest.entries, [
      { status: 'FAIL', name: 'gcc.dg/vect/vect-42.c execution test', attributes: [], flaky: false, expires: undefined, line: 3 },
      { status: 'FAIL', name: 'gcc.c-torture/execute/pr43220.c  -O2  execution test', attributes: ['flaky'], flaky: true, expires: undefined, line: 4 },
      { status: 'XPASS', name: 'gcc.dg/unroll_1.c (test for excess errors)', attributes: ['flaky', 'expire=20131231'], flaky: true, expires: '2013-12-31', line: 5 },
      {
        status: 'UNRESOLVED',
        name: 'gcc.dg/lto/20090914-2 c_lto_20090914-2_0.o-c_lto_20090914-2_0.o execute -O2 -flto',
        attributes: [],
        flaky: false,
        expires: undefined,
        line: 6,
      },
    ]);
  });

  it('names the file, line and problem of a bad entry', () => {
    const bad: Array<[string, RegExp]> = [
      ['@include other.xfail', /^m\.xfail:1: directive '@include' is not supported/],
      ['gcc.dg/foo.c execution test', /^m\.xfail:1: expected '\[attributes \|\] STATUS: test name'/],
      ['BROKEN: gcc.dg/foo.c', /^m\.xfail:1: unknown status 'BROKEN'/],
      ['expire=2013 | FAIL: x.c', /^m\.xfail:1: 'expire=2013' must be expire=YYYYMMDD/],
      ['\nsometimes | FAIL: x.c', /^m\.xfail:2: unknown attribute 'sometimes'/],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseManifest(text, { source: 'm.xfail' }), (e: unknown) => e instanceof ManifestError && message.test(e.message), text);
    }
  });

  it('accepts an empty manifest', () => {
    assert.deepEqual(parseManifest('# nothing flaky yet\n').entries, []);
  });
});
