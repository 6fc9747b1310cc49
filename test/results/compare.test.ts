import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compareTestsStepByStep } from '../../src/results/compare.js';
import { compareSums, parseManifest, parseSum, type Change, type CompareResult } from '../../src/results/index.js';
import { compareTestsOracle, fixture, haveShellTools, sixLists, sumText } from './helpers.js';

function compareTexts(before: string, after: string, options?: Parameters<typeof compareSums>[2]): CompareResult {
  return compareSums(parseSum(Buffer.from(before, 'latin1')), parseSum(Buffer.from(after, 'latin1')), options);
}

const brief = (c: Change): string => `${c.name}: ${c.before ?? '-'} -> ${c.after ?? '-'}`;

describe('results: comparing two runs like GCC contrib/compare_tests', () => {
  const basic = () =>
    compareSums(parseSum(readFileSync(fixture('basic-old.sum')), { source: 'old' }), parseSum(readFileSync(fixture('basic-new.sum')), { source: 'new' }));

  it('finds the six compare_tests lists, names as compare_tests prints them', () => {
    const result = basic();
    assert.deepEqual(sixLists(result), {
      now_fail: [
        'gcc.c-torture/execute/pr43220.c  -O2  execution test',
        'gcc.dg/tree-ssa/ssa-dom-thread-4.c scan-tree-dump-times dom1 "Threaded" 1',
        'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      ],
      now_pass: ['gcc.c-torture/execute/builtins/memcpy-chk.c execution,  -O2 ', 'gcc.dg/vect/vect-42.c scan-tree-dump-times vect "vectorized 2 loops" 1'],
      new_fail: ['gcc.dg/vect/vect-neon-1.c execution test', 'gcc.dg/vect/vect-neon-1.c scan-tree-dump vect "no vectype"'],
      new_pass: ['gcc.dg/vect/vect-neon-1.c (test for excess errors)'],
      gone_pass: ['gcc.dg/old-removed.c (test for excess errors)'],
      gone_fail: ['gcc.dg/old-failing.c execution test'],
    });
  });

  it('agrees with compare_tests run in a shell on the same files', function () {
    if (!haveShellTools()) this.skip();
    const before = readFileSync(fixture('basic-old.sum'));
    const after = readFileSync(fixture('basic-new.sum'));
    assert.deepEqual(sixLists(compareSums(parseSum(before), parseSum(after))), compareTestsOracle(before, after));
  });

  it('classifies: PASS/XPASS -> FAIL is a regression, PASS -> XFAIL is already tracked, new FAILs are for triage', () => {
    const result = basic();
    assert.deepEqual(result.regressions.map(brief), [
      'gcc.c-torture/execute/pr43220.c  -O2  execution test: PASS -> FAIL',
      'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test: XPASS -> FAIL',
    ]);
    assert.deepEqual(result.alreadyTracked.map(brief), ['gcc.dg/tree-ssa/ssa-dom-thread-4.c scan-tree-dump-times dom1 "Threaded" 1: PASS -> XFAIL']);
    // A new XFAIL is in compare_tests' "New tests that FAIL" but needs nobody.
    assert.deepEqual(result.newFailures.map(brief), ['gcc.dg/vect/vect-neon-1.c execution test: - -> FAIL']);
    assert.deepEqual(result.flaky, []);
  });

  it('keeps where each change came from, per tool and variation', () => {
    const result = basic();
    const thumb = result.byTool.gcc!['unix/-mthumb']!;
    assert.deepEqual(Object.keys(thumb), ['now_fail']);
    assert.deepEqual(thumb.now_fail![0], {
      category: 'now_fail',
      name: 'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      test: 'gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      tool: 'gcc',
      variation: 'unix/-mthumb',
      before: 'XPASS',
      after: 'FAIL',
      beforeLine: 42,
      afterLine: 43,
      flaky: false,
    });
    assert.deepEqual(
      result.byTool.gcc!.unix!.gone_fail!.map((c) => [c.before, c.after, c.beforeLine, c.afterLine]),
      [['FAIL', null, 22, null]],
    );
  });

  it('folds XFAIL into FAIL and XPASS into PASS, as compare_tests does', () => {
    const result = compareTexts(
      sumText(['XFAIL: a.c', 'XPASS: b.c', 'PASS: c.c', 'FAIL: d.c', 'XFAIL: e.c']),
      sumText(['PASS: a.c', 'PASS: b.c', 'XPASS: c.c', 'XFAIL: d.c', 'XPASS: e.c']),
    );
    // XPASS <-> PASS and FAIL -> XFAIL are no change at all.
    assert.deepEqual(sixLists(result), { now_fail: [], now_pass: ['a.c', 'e.c'], new_fail: [], new_pass: [], gone_pass: [], gone_fail: [] });
    assert.deepEqual(result.regressions, []);
  });

  it('prefixes names with the target off unix, from the Running target line on', () => {
    const before = sumText(['PASS: a.c', 'Running target arm-sim/-mthumb', 'PASS: a.c'], { target: null });
    const after = sumText(['FAIL: a.c', 'Running target arm-sim/-mthumb', 'FAIL: a.c', 'Running target unix', 'FAIL: b.c'], { target: null });
    const result = compareTexts(before, after);
    // Before any `Running target`, awk's target is '' (not "unix"): ": " goes in.
    assert.deepEqual(result.now_fail, [': a.c', 'arm-sim/-mthumb: a.c']);
    assert.deepEqual(result.new_fail, ['b.c']);
  });

  it('counts repeated names the way comm pairs sorted lines', () => {
    const cases: Array<[string[], string[], Partial<Record<keyof ReturnType<typeof sixLists>, string[]>>]> = [
      // Two passes, one fails now: one pair "now fails"; one PASS is left, nothing disappears.
      [['PASS: x', 'PASS: x'], ['PASS: x', 'FAIL: x'], { now_fail: ['x'] }],
      // Each PASS/FAIL line of either side pairs with one line of the other side.
      [['PASS: x'], ['FAIL: x', 'FAIL: x'], { now_fail: ['x'], new_fail: ['x'] }],
      [['FAIL: x', 'FAIL: x'], ['PASS: x'], { now_pass: ['x'], gone_fail: ['x'] }],
      [['PASS: x', 'PASS: x', 'PASS: x'], ['PASS: x'], { gone_pass: ['x', 'x'] }],
      [['PASS: x'], ['PASS: x', 'PASS: x'], { new_pass: ['x'] }],
    ];
    for (const [before, after, expected] of cases) {
      const full = { now_fail: [], now_pass: [], new_fail: [], new_pass: [], gone_pass: [], gone_fail: [], ...expected };
      const result = compareTexts(sumText(before), sumText(after));
      assert.deepEqual(sixLists(result), full, `${before.join(', ')} -> ${after.join(', ')}`);
    }
  });

  it('reports a name with both a PASS and a FAIL line even in identical files, as compare_tests does', () => {
    const text = sumText(['PASS: dup.c execution test', 'PASS: other.c', 'FAIL: dup.c execution test']);
    const result = compareTexts(text, text);
    assert.deepEqual(result.now_fail, ['dup.c execution test']);
    assert.deepEqual(result.now_pass, ['dup.c execution test']);
  });

  it('finds a name written under two targets (unix line `FAIL: unix/-m32: t.c`, unix/-m32 line `PASS: t.c`)', () => {
    const text = sumText(['FAIL: unix/-m32: t.c -O0', 'PASS: filler.c', 'Running target unix/-m32', 'PASS: t.c -O0']);
    const result = compareTexts(text, text);
    assert.deepEqual(result.now_fail, ['unix/-m32: t.c -O0']);
    assert.deepEqual(result.now_pass, ['unix/-m32: t.c -O0']);
  });

  it('finds such a name when only the line under the longer prefix changed', () => {
    const before = sumText(['XFAIL: unix/-m32: t.c -O0', 'PASS: filler.c', 'Running target unix/-m32', 'PASS: t.c -O0']);
    const after = sumText(['XFAIL: unix/-m32: t.c -O0', 'PASS: filler.c', 'Running target unix/-m32']);
    // One name: the old PASS pairs with the XFAIL both files have (compare_tests says so too).
    assert.deepEqual(sixLists(compareTexts(before, after)), { now_fail: ['unix/-m32: t.c -O0'], now_pass: [], new_fail: [], new_pass: [], gone_pass: [], gone_fail: [] });
  });

  it('compares names as bytes: CR inside names, bytes that are not UTF-8', function () {
    const before = readFileSync(fixture('bytes-old.sum'));
    const after = readFileSync(fixture('bytes-new.sum'));
    const result = compareSums(parseSum(before), parseSum(after));
    assert.deepEqual(result.now_fail, [
      'gcc.dg/analyzer/fibonacci.c dg-regexp 9 was found: "[^\\n\r]+: warning: analysis bailed out early"',
      'gcc.target/i386/indirect-thunk-extern-1.c scan-assembler-not call[ \\\\t]*\\\\.\ufffdLIND',
    ]);
    if (haveShellTools()) assert.deepEqual(sixLists(result), compareTestsOracle(before, after));
  });

  it('never calls disappeared tests or XPASS regressions', () => {
    const result = compareTexts(sumText(['PASS: a.c', 'FAIL: b.c', 'XFAIL: c.c']), sumText(['XPASS: c.c']));
    assert.deepEqual(result.gone_pass, ['a.c']);
    assert.deepEqual(result.gone_fail, ['b.c']);
    assert.deepEqual(result.now_pass, ['c.c']);
    assert.deepEqual(result.regressions, []);
    assert.deepEqual(result.newFailures, []);
  });

  it('reports tests of the flaky manifest apart and never as regressions', () => {
    const manifest = parseManifest(
      [
        '# known to flip on the Pandas',
        'flaky | FAIL: gcc.c-torture/execute/pr43220.c -O2  execution test',
        'FAIL: gcc.dg/vect/vect-neon-1.c execution test',
        'flaky,expire=20130101 | FAIL: unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      ].join('\n'),
      { source: 'flaky.xfail' },
    );
    const result = compareSums(parseSum(readFileSync(fixture('basic-old.sum'))), parseSum(readFileSync(fixture('basic-new.sum'))), {
      manifest,
      today: new Date('2013-05-15T12:00:00Z'),
    });
    assert.deepEqual(result.flaky.map(brief), ['gcc.c-torture/execute/pr43220.c  -O2  execution test: PASS -> FAIL', 'gcc.dg/vect/vect-neon-1.c execution test: - -> FAIL']);
    // The expired entry no longer protects its test.
    assert.deepEqual(result.regressions.map(brief), ['unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test: XPASS -> FAIL']);
    assert.deepEqual(result.newFailures, []);
    assert.deepEqual(result.warnings, [
      "flaky.xfail:4: entry for 'unix/-mthumb: gcc.c-torture/execute/thumb-xpass.c  -O1  execution test' expired on 2013-01-01; it is not applied",
    ]);
    // compare_tests' own lists do not know about the manifest.
    assert.equal(result.now_fail.length, 3);
  });

  it('emulates the pipeline literally when a line is not `STATUS: name` (its sort and comm then disagree)', function () {
    if (!haveShellTools()) this.skip();
    const before = sumText(['PASS:\tb.c', 'FAIL:a.c', 'PASS: c.c', 'PASSED: d.c']);
    const after = sumText(['PASS: b.c', 'PASS: a.c', 'FAIL: c.c', 'PASSED: d.c', 'FAIL:a.c']);
    const result = compareTexts(before, after);
    assert.deepEqual(sixLists(result), compareTestsOracle(before, after));
    assert.ok(result.now_fail.includes('c.c'));
  });

  it('agrees with compare_tests run step by step on thousands of small random edits of names that split two ways', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const statuses = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'PASS', 'UNSUPPORTED'];
    const names = ['unix/-m32: t1.c', 't1.c', 'arm-sim: t1.c', 'unix/-m32: arm-sim: t1.c', 't2.c'];
    const line = (): string => (random() < 0.25 ? `Running target ${pick(['unix', 'unix/-m32', 'arm-sim'])}` : `${pick(statuses)}: ${pick(names)}`);
    for (let iteration = 0; iteration < 3000; iteration++) {
      const first = Array.from({ length: 4 + Math.floor(random() * 10) }, line);
      const second = [...first];
      for (let k = 0; k < 1 + Math.floor(random() * 2); k++) {
        const at = Math.floor(random() * second.length);
        if (random() < 0.5) second[at] = line();
        else if (random() < 0.5) second.splice(at, 1);
        else second.splice(at, 0, line());
      }
      const before = parseSum(sumText(first));
      const after = parseSum(sumText(second), { like: before });
      assert.deepEqual(sixLists(compareSums(before, after)), compareTestsStepByStep(before, after), `pair ${iteration}:\n${first.join('\n')}\n---\n${second.join('\n')}`);
    }
  });

  it('agrees with compare_tests on random pairs: duplicates, targets, odd lines, small edits', function () {
    if (!haveShellTools()) this.skip();
    this.timeout(60_000);
    let seed = 42;
    const random = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const statuses = ['PASS', 'PASS', 'PASS', 'FAIL', 'XPASS', 'XFAIL', 'UNSUPPORTED', 'KFAIL', 'UNRESOLVED'];
    const names = [
      't1.c -O0',
      't2.c -O2 ',
      't3.c exec: x',
      'arm-sim: t1.c -O0',
      'unix/-m32: t2.c -O2 ',
      'gcc.c-torture/compile/20000105-1.c   -O0  (test for excess errors)',
      'gcc.c-torture/compile/20000105-2.c   -O0  (test for excess errors)',
      'gcc.dg/vect/vect-1.c scan-tree-dump-times vect "vectorized 1 loops" 1',
    ];
    const odd = ['PASSED: t1.c -O0', 'FAIL:t2.c -O2 ', 'PASS:\tt1.c -O0', 'PAIL: t3.c exec: x'];
    const targets = ['unix', 'unix', 'unix/-m32', 'arm-sim', 'a&b'];
    const generate = (withOdd: boolean): string[] => {
      const lines: string[] = [];
      for (let k = 0; k < 30; k++) {
        if (random() < 0.08) lines.push(`Running target ${pick(targets)}`);
        lines.push(withOdd && random() < 0.05 ? pick(odd) : `${pick(statuses)}: ${pick(names)}`);
      }
      return lines;
    };
    const edit = (lines: string[]): string[] => {
      const out = [...lines];
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(random() * out.length);
        const r = random();
        if (r < 0.4) out[at] = out[at]!.replace(/^[A-Z]+:/, `${pick(statuses)}:`);
        else if (r < 0.6) out.splice(at, 1);
        else if (r < 0.8) out.splice(at, 0, `${pick(statuses)}: ${pick(names)}`);
        else out.splice(at, 0, out[at]!);
      }
      return out;
    };
    for (let iteration = 0; iteration < 60; iteration++) {
      const withOdd = iteration % 3 === 0;
      const first = generate(withOdd);
      const second = iteration % 2 === 0 ? edit(first) : generate(withOdd);
      const before = sumText(first, { target: iteration % 5 === 0 ? null : 'unix' });
      const after = sumText(second, { target: iteration % 5 === 0 ? null : 'unix' });
      assert.deepEqual(sixLists(compareTexts(before, after)), compareTestsOracle(before, after), `pair ${iteration}:\n${before}\n---\n${after}`);
    }
  });
});
