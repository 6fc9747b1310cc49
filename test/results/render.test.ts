import assert from 'node:assert/strict';
import { compareSums, parseSum, renderSum, type RenderResult } from '../../src/results/index.js';

const started = new Date(Date.UTC(2013, 4, 7, 3, 12, 44));

describe('results: writing .sum files for simulators', () => {
  it('writes the real layout: header, schedule, Running lines, results, summaries, trailer', () => {
    const text = renderSum({
      tool: 'gcc',
      target: 'armv7l-unknown-linux-gnueabihf',
      variations: ['unix', 'unix/-mthumb'],
      user: 'cbuild',
      startedAt: started,
      durationSeconds: 3600,
      version: '4.8.1 20130506 (prerelease) (Linaro GCC 4.8-2013.05)',
      results: [
        { status: 'PASS', name: 'gcc.c-torture/execute/pr43220.c  -O2  execution test' },
        { status: 'FAIL', name: 'gcc.dg/vect/vect-42.c execution test' },
        { status: 'XFAIL', name: 'gcc.dg/vect/vect-42.c scan-tree-dump-times vect "vectorized 2 loops" 1' },
        { status: 'PASS', name: 'gcc.c-torture/execute/pr43220.c  -O2  execution test', variation: 'unix/-mthumb' },
      ],
    });
    assert.equal(
      text,
      [
        'Test Run By cbuild on Tue May  7 03:12:44 2013',
        'Native configuration is armv7l-unknown-linux-gnueabihf',
        '',
        '\t\t=== gcc tests ===',
        '',
        'Schedule of variations:',
        '    unix',
        '    unix/-mthumb',
        '',
        'Running target unix',
        'Running /build/gcc/gcc/testsuite/gcc.c-torture/execute/execute.exp ...',
        'PASS: gcc.c-torture/execute/pr43220.c  -O2  execution test',
        'Running /build/gcc/gcc/testsuite/gcc.dg/vect/vect.exp ...',
        'FAIL: gcc.dg/vect/vect-42.c execution test',
        'XFAIL: gcc.dg/vect/vect-42.c scan-tree-dump-times vect "vectorized 2 loops" 1',
        '',
        '\t\t=== gcc Summary for unix ===',
        '',
        '# of expected passes\t\t1',
        '# of unexpected failures\t1',
        '# of expected failures\t\t1',
        'Running target unix/-mthumb',
        'Running /build/gcc/gcc/testsuite/gcc.c-torture/execute/execute.exp ...',
        'PASS: gcc.c-torture/execute/pr43220.c  -O2  execution test',
        '',
        '\t\t=== gcc Summary for unix/-mthumb ===',
        '',
        '# of expected passes\t\t1',
        '',
        '\t\t=== gcc Summary ===',
        '',
        '# of expected passes\t\t2',
        '# of unexpected failures\t1',
        '# of expected failures\t\t1',
        '/build/gcc/xgcc  version 4.8.1 20130506 (prerelease) (Linaro GCC 4.8-2013.05) ',
        '',
        'runtest completed at Tue May  7 04:12:44 2013',
        '',
      ].join('\n'),
    );
  });

  it('round-trips: parsing what it wrote gives back the results, with consistent summaries', () => {
    const statuses = ['PASS', 'FAIL', 'XPASS', 'XFAIL', 'KPASS', 'KFAIL', 'UNSUPPORTED', 'UNRESOLVED', 'UNTESTED'] as const;
    const results: RenderResult[] = [];
    for (let i = 0; i < 60; i++) {
      results.push({
        status: statuses[i % statuses.length]!,
        name: `gcc.dg/t${i % 17}.c ${i % 3 ? 'execution test' : '(test for excess errors)'}${i === 5 ? ' ünïcödé' : ''}`,
        variation: i % 4 === 0 ? 'unix/-m32' : 'unix',
      });
    }
    const sum = parseSum(renderSum({ tool: 'g++', variations: ['unix', 'unix/-m32'], results, startedAt: started }));
    assert.deepEqual(sum.warnings, []);
    const byVariation = (v: string) => results.filter((r) => r.variation === v).map((r) => ({ status: r.status, name: r.name, tool: 'g++', variation: v }));
    assert.deepEqual(
      sum.results.map(({ status, name, tool, variation }) => ({ status, name, tool, variation })),
      [...byVariation('unix'), ...byVariation('unix/-m32')],
    );
    assert.equal(sum.header.testRunBy, 'cbuild');
    assert.deepEqual(sum.runs[0]!.variations, ['unix', 'unix/-m32']);
  });

  it('is what the sandbox calls: one tool, a configuration name, default variation unix', () => {
    const results: RenderResult[] = [
      { status: 'PASS', name: 'gcc.dg/pr52283.c (test for excess errors)' },
      { status: 'UNSUPPORTED', name: 'gcc.target/arm/neon-vadds64.c' },
    ];
    const text = renderSum({ tool: 'gcc', target: 'x86_64', results });
    const sum = parseSum(text);
    assert.equal(sum.header.nativeConfiguration, 'x86_64');
    assert.deepEqual(sum.warnings, []);
    assert.match(text, /\nRunning target unix\n/);
    assert.doesNotMatch(text, /Summary for/);
    // Rendered runs compare like real ones: names under `unix` carry no prefix.
    const flipped = renderSum({ tool: 'gcc', target: 'x86_64', results: [{ ...results[0]!, status: 'FAIL' }, results[1]!] });
    assert.deepEqual(compareSums(sum, parseSum(flipped)).now_fail, ['gcc.dg/pr52283.c (test for excess errors)']);
  });

  it('refuses names with line breaks and results for variations it does not run', () => {
    assert.throws(() => renderSum({ tool: 'gcc', results: [{ status: 'PASS', name: 'a.c\nFAIL: b.c' }] }), /test name has a line break/);
    assert.throws(
      () => renderSum({ tool: 'gcc', variations: ['unix'], results: [{ status: 'PASS', name: 'a.c', variation: 'unix/-m32' }] }),
      /variation 'unix\/-m32', not one of unix/,
    );
  });
});
