/** Test-by-test differences of two runs of the same revision: every differing test found, names byte for byte as compare_tests gives them. */
import assert from 'node:assert/strict';
import { CATEGORIES, describeTestDifference, parseSum, testByTest } from '../../src/results/index.js';
import { compareTestsOracle, haveShellTools, sumText } from './helpers.js';

// CBuild's and LAVA's runs of one revision. Names that differ only in their
// spacing are different tests, as they are to compare_tests.
const CBUILD = sumText([
  'PASS: gcc.dg/pr1.c (test for excess errors)',
  'PASS: gcc.dg/pr2.c  -O2  execution test',
  'PASS: gcc.dg/pr2.c -O2 execution test',
  'FAIL: gcc.dg/pr3.c execution test',
  'PASS: gcc.dg/ünïcode.c\t(test for excess errors)',
  'PASS: gcc.dg/gone.c (test for excess errors)',
  'XFAIL: gcc.dg/pr4.c scan-assembler vld1',
  'UNSUPPORTED: gcc.dg/neon.c',
  'Running target unix/-mthumb',
  'PASS: gcc.dg/pr1.c (test for excess errors)',
]);
const LAVA = sumText([
  'PASS: gcc.dg/pr1.c (test for excess errors)',
  'FAIL: gcc.dg/pr2.c  -O2  execution test',
  'PASS: gcc.dg/pr2.c -O2 execution test',
  'PASS: gcc.dg/pr3.c execution test',
  'FAIL: gcc.dg/ünïcode.c\t(test for excess errors)',
  'XFAIL: gcc.dg/pr4.c scan-assembler vld1',
  'FAIL: gcc.dg/new.c (test for excess errors)',
  'UNSUPPORTED: gcc.dg/neon.c',
  'Running target unix/-mthumb',
  'XFAIL: gcc.dg/pr1.c (test for excess errors)',
]);

describe('results: test-by-test differences', () => {
  const cbuild = parseSum(CBUILD, { source: 'cbuild/gcc.sum' });
  const lava = parseSum(LAVA, { source: 'lava/gcc.sum' });

  it('finds every differing test and how it differs, names byte for byte', () => {
    const result = testByTest(cbuild, lava);
    assert.equal(result.tests, 8, 'PASS/FAIL/XPASS/XFAIL results of the larger side (UNSUPPORTED is not compared)');
    assert.deepEqual(
      result.differences.map((d) => [d.category, d.name, d.test, d.first, d.second, describeTestDifference(d, ['CBuild', 'LAVA'])]),
      [
        ['now_fail', 'gcc.dg/pr2.c  -O2  execution test', 'gcc.dg/pr2.c  -O2  execution test', 'PASS', 'FAIL', 'PASS on CBuild / FAIL on LAVA'],
        ['now_fail', 'gcc.dg/ünïcode.c\t(test for excess errors)', 'gcc.dg/ünïcode.c\t(test for excess errors)', 'PASS', 'FAIL', 'PASS on CBuild / FAIL on LAVA'],
        ['now_fail', 'unix/-mthumb: gcc.dg/pr1.c (test for excess errors)', 'gcc.dg/pr1.c (test for excess errors)', 'PASS', 'XFAIL', 'PASS on CBuild / XFAIL on LAVA'],
        ['now_pass', 'gcc.dg/pr3.c execution test', 'gcc.dg/pr3.c execution test', 'FAIL', 'PASS', 'FAIL on CBuild / PASS on LAVA'],
        ['new_fail', 'gcc.dg/new.c (test for excess errors)', 'gcc.dg/new.c (test for excess errors)', null, 'FAIL', 'missing on CBuild / FAIL on LAVA'],
        ['gone_pass', 'gcc.dg/gone.c (test for excess errors)', 'gcc.dg/gone.c (test for excess errors)', 'PASS', null, 'PASS on CBuild / missing on LAVA'],
      ],
    );
    assert.ok(result.differences.every((d) => d.tool === 'gcc'));
  });

  it('lists exactly what compare_tests lists, in its categories', function () {
    if (!haveShellTools()) this.skip();
    const oracle = compareTestsOracle(Buffer.from(CBUILD, 'utf8'), Buffer.from(LAVA, 'utf8'));
    const found = testByTest(cbuild, lava).differences;
    for (const category of CATEGORIES) {
      assert.deepEqual(found.filter((d) => d.category === category).map((d) => d.name), oracle[category], category);
    }
  });

  it('finds nothing between identical runs', () => {
    const again = parseSum(CBUILD, { source: 'again/gcc.sum' });
    assert.deepEqual(testByTest(cbuild, again), { tests: 8, differences: [] });
  });
});
