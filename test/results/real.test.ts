/**
 * The results component on real GCC results: Debian's gcc-12-test-results,
 * fetched by scripts/fetch-gcc-results.sh (never committed). Without network
 * to the Debian archive the tests are skipped, with the reason printed; under
 * CI (CI=true) they fail instead, since CI can reach it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { compareSums, parseSum, readSum, readSumBytes } from '../../src/results/index.js';
import { parseSumIncrementally } from '../../src/results/sum.js';
import { compareTestsOracle, haveShellTools, repoRoot, sixLists } from './helpers.js';

describe('results: real GCC 12 results (Debian gcc-12-test-results)', function () {
  this.timeout(180_000);
  let sumDir = '';

  before(function () {
    const run = spawnSync('bash', [join(repoRoot, 'scripts', 'fetch-gcc-results.sh')], { encoding: 'utf8', timeout: 150_000 });
    const printed = run.stdout?.trim().split('\n').at(-1) ?? '';
    if (run.status === 0 && printed !== '') {
      sumDir = printed;
      return;
    }
    const why = (run.error?.message ?? run.stderr?.trim().split('\n').slice(-3).join(' | ')) || `exit status ${run.status}`;
    const reason = `scripts/fetch-gcc-results.sh could not fetch gcc-12-test-results: ${why}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (CI must reach the Debian archive)`);
    console.log(`      skipped: ${reason}`);
    this.skip();
  });

  it('parses every .sum of the package, each summary block agreeing with its result lines', async () => {
    const files = readdirSync(sumDir).filter((f) => f.endsWith('.sum.xz'));
    assert.ok(files.includes('gcc.sum.xz') && files.includes('g++.sum.xz'), `no gcc.sum.xz/g++.sum.xz in ${sumDir}`);
    for (const file of files) {
      const sum = await readSum(join(sumDir, file));
      const tool = file.replace(/\.sum\.xz$/, '');
      assert.deepEqual(
        sum.runs.map((r) => r.tool),
        [tool],
        file,
      );
      assert.ok(sum.runs[0]!.variations.includes('unix'), `${file}: variations ${sum.runs[0]!.variations.join(', ')}`);
      assert.ok(sum.runs[0]!.declared.some((d) => d.variation === null), `${file}: no total summary`);
      // Only gm2 (no tests run in this build) may have anything to say.
      const expected = sum.resultCount === 0 ? ['no result lines: the testsuite ran no test'] : [];
      assert.deepEqual(
        sum.warnings.map((w) => w.message),
        expected,
        file,
      );
    }
  });

  it('compares an excerpt of gcc.sum with a changed copy exactly as the compare_tests steps do', async function () {
    if (!haveShellTools()) this.skip();
    const whole = (await readSumBytes(join(sumDir, 'gcc.sum.xz'))).toString('latin1').split('\n');
    // Two stretches: the start (variation unix) and the start of unix/-fstack-protector,
    // with the header and its Running target line: names with and without a prefix.
    const second = whole.findIndex((l) => l.startsWith('Running target unix/-fstack-protector'));
    assert.ok(second > 0, 'gcc.sum has no unix/-fstack-protector variation');
    const excerpt = [...whole.slice(0, 6000), ...whole.slice(second, second + 6000)];
    const changed = excerpt.flatMap((line, i) => {
      if (i % 397 === 11 && line.startsWith('PASS: ')) return [`FAIL: ${line.slice(6)}`];
      if (i % 601 === 5 && line.startsWith('XFAIL: ')) return [`PASS: ${line.slice(7)}`];
      if (i % 733 === 7 && line.startsWith('PASS: ')) return [];
      if (i % 911 === 3 && line.startsWith('PASS: ')) return [line, `FAIL: ${line.slice(6)} (added)`];
      return [line];
    });
    const before = Buffer.from(`${excerpt.join('\n')}\n`, 'latin1');
    const after = Buffer.from(`${changed.join('\n')}\n`, 'latin1');
    const result = compareSums(parseSum(before), parseSum(after, { like: parseSum(before) }));
    assert.ok(result.now_fail.length > 5 && result.now_fail.some((n) => n.startsWith('unix/-fstack-protector: ')), result.now_fail.join('\n'));
    assert.ok(result.gone_pass.length > 0 && result.new_fail.length > 0, 'the changed copy should remove and add tests');
    assert.deepEqual(sixLists(result), compareTestsOracle(before, after));
  });

  it('parses gcc.sum the same plainly, "like" a changed copy, and as its bytes arrive', async () => {
    const bytes = await readSumBytes(join(sumDir, 'gcc.sum.xz'));
    const plain = parseSum(bytes);
    const text = bytes.toString('latin1');
    const changedText = text.replace(/^PASS: (gcc\.dg\/vect\/vect-1[0-9]\.c)/gm, 'FAIL: $1').replace(/^UNSUPPORTED: .*\n/m, '');
    const changed = Buffer.from(changedText, 'latin1');
    const same = (x: ReturnType<typeof parseSum>, y: ReturnType<typeof parseSum>): boolean =>
      x.index.count === y.index.count &&
      (['lineStart', 'nameEnd', 'lineNo', 'status', 'fingerprint'] as const).every((f) => isDeepStrictEqual(x.index[f].subarray(0, x.index.count), y.index[f].subarray(0, y.index.count))) &&
      isDeepStrictEqual(x.runs, y.runs) &&
      isDeepStrictEqual(x.warnings, y.warnings);
    assert.ok(same(parseSum(changed, { like: plain }), parseSum(changed)), 'parsing like gcc.sum changed the result');
    const parse = parseSumIncrementally(bytes);
    for (let filled = 1 << 20; filled < bytes.length; filled += 1 << 20) parse.advance(filled);
    parse.advance(bytes.length);
    assert.ok(same(parse.end(), plain), 'parsing as the bytes arrive changed the result');
    // The fixture files elsewhere are small; this is the real size.
    assert.ok(plain.resultCount > 300_000, `gcc.sum has only ${plain.resultCount} results`);
    assert.equal(readFileSync(join(sumDir, 'gcc.sum.xz')).subarray(0, 6).toString('hex'), 'fd377a585a00');
  });
});
