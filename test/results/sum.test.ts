import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { SumParseError, SumReadError, TEST_STATUSES, parseSum, readSum, readSumBytes, summarizeCounts, type SumFile } from '../../src/results/index.js';
import { dataViewOf, nameFingerprint, nameFingerprintOfParts, parseSumIncrementally } from '../../src/results/sum.js';
import { fixture, sumText, tempDir } from './helpers.js';

const messages = (sum: SumFile): string[] => sum.warnings.map((w) => w.message);

/** Every field of two parses, index arrays included: what "the same result" means. */
function assertSameParse(actual: SumFile, expected: SumFile): void {
  const a = actual.index;
  const e = expected.index;
  assert.equal(a.count, e.count, 'index entries');
  for (const field of ['lineStart', 'nameStart', 'nameEnd', 'lineNo', 'status', 'cls', 'target', 'run', 'fingerprint', 'nameFirst'] as const) {
    assert.ok(isDeepStrictEqual(a[field].subarray(0, a.count), e[field].subarray(0, e.count)), `index.${field} differs`);
  }
  for (const field of ['specials', 'others', 'othersTarget', 'targets', 'overrides', 'crlf', 'longLines'] as const) {
    assert.deepEqual(a[field], e[field], `index.${field} differs`);
  }
  assert.deepEqual(actual.header, expected.header);
  assert.deepEqual(actual.runs, expected.runs);
  assert.deepEqual(actual.warnings, expected.warnings);
  assert.equal(actual.resultCount, expected.resultCount);
  assert.equal(actual.lineCount, expected.lineCount);
}

describe('results: parsing DejaGnu .sum files', () => {
  it('reads the header, the tool, the schedule of variations and both kinds of summary block', () => {
    const sum = parseSum(readFileSync(fixture('basic-old.sum')), { source: 'basic-old.sum' });
    assert.deepEqual(sum.warnings, []);
    assert.equal(sum.header.testRunBy, 'cbuild');
    assert.equal(sum.header.startedAt, 'Tue May 14 03:12:44 2013');
    assert.equal(sum.header.nativeConfiguration, 'armv7l-unknown-linux-gnueabihf');
    assert.equal(sum.header.completedAt, 'Tue May 14 05:40:11 2013');
    assert.match(sum.header.versions[0]!, /xgcc {2}version 4\.8\.1 .*Linaro GCC 4\.8-2013\.05/);
    assert.equal(sum.runs.length, 1);
    const run = sum.runs[0]!;
    assert.equal(run.tool, 'gcc');
    assert.deepEqual(run.variations, ['unix', 'unix/-mthumb']);
    assert.deepEqual(
      run.declared.map((d) => [d.variation, d.counts.PASS, d.counts.FAIL]),
      [
        ['unix', 8, 2],
        ['unix/-mthumb', 2, undefined],
        [null, 10, 2],
      ],
    );
    assert.equal(run.counted['unix']!.PASS, 8);
    assert.equal(run.counted['unix/-mthumb']!.XPASS, 1);
    assert.equal(sum.resultCount, 18);
  });

  it('lists every result line with its status, name, tool, variation and line number', () => {
    const sum = parseSum(readFileSync(fixture('basic-old.sum')));
    assert.equal(sum.results.length, 18);
    assert.deepEqual(sum.results[2], {
      status: 'PASS',
      name: 'gcc.c-torture/execute/pr43220.c  -O2  execution test',
      tool: 'gcc',
      variation: 'unix',
      line: 14,
    });
    assert.deepEqual(sum.results.at(-2), {
      status: 'XPASS',
      name: 'gcc.c-torture/execute/thumb-xpass.c  -O1  execution test',
      tool: 'gcc',
      variation: 'unix/-mthumb',
      line: 42,
    });
    // The trailing blank of a name is part of it, as in the file.
    assert.ok(sum.results.some((r) => r.name === 'gcc.c-torture/execute/builtins/memcpy-chk.c execution,  -O2 '));
  });

  it('knows every DejaGnu status and counts them per tool', () => {
    const body = TEST_STATUSES.map((status, i) => `${status}: t${i}.c`);
    const sum = parseSum(sumText(body));
    assert.deepEqual(
      sum.results.map((r) => r.status),
      [...TEST_STATUSES],
    );
    const counts = summarizeCounts(sum).gcc!;
    for (const status of TEST_STATUSES) assert.equal(counts[status], 1, status);
    assert.deepEqual(messages(sum), []);
  });

  it('keeps a test name that appears several times as several results', () => {
    const sum = parseSum(sumText(['PASS: gcc.dg/lto/x.c link', 'PASS: gcc.dg/lto/x.c link', 'FAIL: gcc.dg/lto/x.c link']));
    assert.deepEqual(
      sum.results.map((r) => `${r.status} ${r.name}`),
      ['PASS gcc.dg/lto/x.c link', 'PASS gcc.dg/lto/x.c link', 'FAIL gcc.dg/lto/x.c link'],
    );
    assert.equal(summarizeCounts(sum).gcc!.PASS, 2);
  });

  it('ends lines at \\n only: a carriage return inside a name stays in it, bytes that are not UTF-8 show as U+FFFD', () => {
    const sum = parseSum(readFileSync(fixture('bytes-old.sum')));
    assert.deepEqual(messages(sum), []);
    const names = sum.results.map((r) => r.name);
    assert.equal(names.length, 4);
    assert.equal(names[0], 'gcc.target/i386/indirect-thunk-extern-1.c scan-assembler-not call[ \\\\t]*\\\\.\ufffdLIND');
    assert.equal(names[1], 'gcc.dg/cpp/ucnid-14-utf8.c scan-file Á');
    assert.equal(names[2], 'gcc.dg/analyzer/fibonacci.c dg-regexp 9 was found: "[^\\n\r]+: warning: analysis bailed out early"');
    assert.equal(sum.results[3]!.line, 14);
  });

  it('drops the \\r of CRLF line ends, and says so', () => {
    const crlf = parseSum(readFileSync(fixture('basic-old-crlf.sum')));
    const lf = parseSum(readFileSync(fixture('basic-old.sum')));
    assert.match(messages(crlf)[0]!, /CRLF/);
    assert.deepEqual(crlf.results, lf.results);
    assert.deepEqual(crlf.runs, lf.runs);
  });

  it('refuses an empty file', () => {
    assert.throws(() => parseSum(Buffer.alloc(0), { source: 'gcc.sum' }), (e: unknown) => e instanceof SumParseError && /^gcc\.sum: empty file/.test(e.message));
  });

  it('refuses text that has no result line and no summary', () => {
    const garbled = 'make[2]: Entering directory `/build/gcc`\nchecking for gcc... gcc\nconfigure: error: no acceptable C compiler\n';
    assert.throws(
      () => parseSum(garbled, { source: 'make.log' }),
      (e: unknown) => e instanceof SumParseError && /make\.log: not a DejaGnu \.sum file: no result lines .* and no summary block in 3 line\(s\)/.test(e.message),
    );
  });

  it('refuses binary data, naming the NUL bytes', () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    assert.throws(() => parseSum(binary, { source: 'gcc.sum.xz' }), (e: unknown) => e instanceof SumParseError && /NUL bytes/.test(e.message));
  });

  it('reads a file with a stray NUL byte, with a warning on its line', () => {
    const text = sumText(['PASS: a.c', 'PASS: b\0.c', 'PASS: c.c']);
    const sum = parseSum(text);
    assert.equal(sum.results.length, 3);
    assert.deepEqual(sum.warnings[0], { line: 8, message: 'file holds NUL bytes: binary data or a corrupt file?' });
  });

  it('reads a truncated file and says it looks truncated', () => {
    const whole = sumText(['PASS: a.c (test for excess errors)', 'PASS: a.c execution test', 'FAIL: b.c execution test']);
    const cut = whole.slice(0, whole.indexOf('FAIL: b.c') + 'FAIL: b.c exec'.length);
    const sum = parseSum(cut, { source: 'gcc.sum' });
    assert.deepEqual(
      sum.results.map((r) => `${r.status}: ${r.name}`),
      ['PASS: a.c (test for excess errors)', 'PASS: a.c execution test', 'FAIL: b.c exec'],
    );
    assert.ok(messages(sum).includes('last line has no newline: file truncated?'), messages(sum).join('\n'));
    assert.ok(messages(sum).includes("no '=== gcc Summary ===' block: file truncated?"), messages(sum).join('\n'));
  });

  it('survives a huge line and names it', () => {
    const huge = `PASS: ${'x'.repeat(200_000)}`;
    const sum = parseSum(sumText(['PASS: a.c', huge, 'FAIL: b.c']));
    assert.equal(sum.results.length, 3);
    assert.equal(sum.results[1]!.name.length, 200_000);
    assert.ok(
      sum.warnings.some((w) => w.line === 8 && /1 line\(s\) longer than 65536 bytes/.test(w.message)),
      messages(sum).join('\n'),
    );
  });

  it('cross-checks the summary block against the result lines', () => {
    const text = sumText(['PASS: a.c', 'PASS: b.c', 'FAIL: c.c']).replace('# of expected passes\t2', '# of expected passes\t3');
    const sum = parseSum(text);
    assert.deepEqual(messages(sum), ["'gcc Summary' declares 3 expected passes but the file has 2 PASS line(s)"]);
  });

  it('counts lines that are not .sum content', () => {
    const text = sumText(['PASS: a.c', 'Segmentation fault (core dumped)', 'PASS: b.c', '<<<garbled>>>']);
    const sum = parseSum(text);
    assert.equal(sum.results.length, 2);
    assert.deepEqual(sum.warnings, [{ line: 8, message: '2 line(s) are not DejaGnu .sum content (first at line 8)' }]);
  });

  it('accepts a run with a summary but no results (gm2 in Debian), with a warning', () => {
    const sum = parseSum(sumText([]));
    assert.equal(sum.resultCount, 0);
    assert.deepEqual(messages(sum), ['no result lines: the testsuite ran no test']);
  });

  it('keeps results that come before any tool header, tool unknown', () => {
    const sum = parseSum('PASS: a.c\nFAIL: b.c\n');
    assert.deepEqual(
      sum.results.map((r) => [r.tool, r.status]),
      [
        ['', 'PASS'],
        ['', 'FAIL'],
      ],
    );
    assert.ok(messages(sum).some((m) => /before any '=== <tool> tests ===' header/.test(m)));
  });

  it('splits a file with several tools into runs and counts each', () => {
    const text = sumText(['PASS: gcc.dg/a.c', 'FAIL: gcc.dg/b.c']) + sumText(['PASS: g++.dg/a.C', 'XFAIL: g++.dg/b.C', 'XFAIL: g++.dg/c.C'], { tool: 'g++' });
    const sum = parseSum(text);
    assert.deepEqual(
      sum.runs.map((r) => r.tool),
      ['gcc', 'g++'],
    );
    const counts = summarizeCounts(sum);
    assert.equal(counts.gcc!.FAIL, 1);
    assert.equal(counts['g++']!.XFAIL, 2);
    assert.deepEqual(messages(sum), []);
  });

  it('gives the same result parsed "like" a similar file, whatever differs', () => {
    const base = readFileSync(fixture('basic-old.sum'), 'latin1');
    const like = parseSum(base);
    const variants = [
      base,
      readFileSync(fixture('basic-new.sum'), 'latin1'),
      base.replace('PASS: gcc.dg/pr52283.c', 'FAIL: gcc.dg/pr52283.c'),
      base.replace('Running target unix/-mthumb', 'Running target unix/-marm'),
      base.replace('Running target unix\n', ''),
      base.replace('\t\t=== gcc tests ===', '\t\t=== g++ tests ==='),
      base.replace('PASS: gcc.dg/old-removed.c (test for excess errors)\n', ''),
      `${base}PASS: after.c\n`,
      base.slice(0, base.length - 40),
      base.replace(/\n/g, '\r\n'),
      `PASS: first.c\n${base}`,
    ];
    for (const [i, text] of variants.entries()) {
      const buf = Buffer.from(text, 'latin1');
      assertSameParse(parseSum(buf, { like }), parseSum(buf));
      assert.ok(i === 9 || parseSum(buf, { like }).index.alignedWith !== undefined, `variant ${i} was not aligned`);
    }
  });

  it('gives the same result parsed as its bytes arrive', () => {
    const buf = readFileSync(fixture('basic-new.sum'));
    const whole = parseSum(buf, { source: 'x' });
    for (const chunk of [1, 7, 64, 1000]) {
      const parse = parseSumIncrementally(buf, { source: 'x' });
      for (let filled = chunk; filled < buf.length; filled += chunk) parse.advance(filled);
      parse.advance(buf.length);
      assertSameParse(parse.end(), whole);
    }
  });
});

describe('results: name fingerprints', () => {
  it('are the same from the bytes of a line and from a name held in parts, for any split', () => {
    let seed = 3;
    const random = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let k = 0; k < 500; k++) {
      const length = Math.floor(random() * 90);
      const name = Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
      const split = Math.floor(random() * (length + 1));
      const bytes = Buffer.from(`PASS: ${name}\n`, 'latin1');
      const fromLine = nameFingerprint(split, dataViewOf(bytes), 6 + split, 6 + length);
      assert.equal(nameFingerprintOfParts(split, name, undefined, 0, 0), fromLine, `name ${JSON.stringify(name)} split at ${split}`);
      const head = name.slice(0, Math.floor(random() * (length + 1)));
      const rest = Buffer.from(name.slice(head.length), 'latin1');
      assert.equal(nameFingerprintOfParts(split, head, rest, 0, rest.length), fromLine);
      assert.equal(fromLine % 2, 1, 'fingerprints are odd (0 means none)');
    }
  });
});

describe('results: reading .sum files from disk', () => {
  let dir: ReturnType<typeof tempDir>;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.cleanup());

  it('reads plain, .xz and .gz files alike (by their bytes, not their names)', async function () {
    const text = readFileSync(fixture('basic-new.sum'));
    const plain = await readSum(dir.file('gcc.sum', text));
    const gz = await readSum(dir.file('gcc.sum.gz', gzipSync(text)));
    assert.deepEqual(gz.results, plain.results);
    const xz = spawnSync('xz', ['-c'], { input: text });
    if (xz.status !== 0) {
      if (process.env.CI === 'true') assert.fail('xz is not installed (CI installs xz-utils)');
      console.log('      (xz not installed: the .xz case is skipped)');
      return;
    }
    const fromXz = await readSum(dir.file('named-plain.sum', xz.stdout));
    assert.deepEqual(fromXz.results, plain.results);
    assert.deepEqual(await readSumBytes(dir.file('gcc.sum.xz', xz.stdout)), text);
  });

  it('names the file and the problem when it cannot read one', async () => {
    await assert.rejects(readSum(`${dir.path}/missing.sum`), (e: unknown) => e instanceof SumReadError && e.message === `${dir.path}/missing.sum: no such file`);
    await assert.rejects(readSum(dir.path), (e: unknown) => e instanceof SumReadError && /not a regular file/.test(e.message));
    const corrupt = dir.file('corrupt.sum.xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from('not really xz')]));
    await assert.rejects(readSum(corrupt), (e: unknown) => e instanceof SumReadError && /corrupt\.sum\.xz: (xz -dc failed|cannot run xz)/.test(e.message));
    const big = dir.file('big.sum', readFileSync(fixture('basic-old.sum')));
    await assert.rejects(readSum(big, { maxBytes: 100 }), (e: unknown) => e instanceof SumReadError && /more than the 100-byte limit/.test(e.message));
    await assert.rejects(readSum(dir.file('empty.sum', '')), (e: unknown) => e instanceof SumParseError && /empty file/.test(e.message));
  });
});
