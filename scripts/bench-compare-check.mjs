#!/usr/bin/env node
// Checks that `cbuild-bot compare --json` found the same tests in each of
// compare_tests' six categories as the shell pipeline did.
//
// Usage: node scripts/bench-compare-check.mjs OURS.json PIPELINE_DIR
// PIPELINE_DIR holds one file per category (now_fail, now_pass, …), one name
// a line, as compare_tests prints them. Names are compared as UTF-8 text with
// bytes that are not UTF-8 as U+FFFD, as the JSON shows them. Exit 1 and the
// differences when they disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CATEGORIES = ['now_fail', 'now_pass', 'new_fail', 'new_pass', 'gone_pass', 'gone_fail'];
const [oursPath, pipelineDir] = process.argv.slice(2);
if (!oursPath || !pipelineDir) {
  process.stderr.write('usage: bench-compare-check.mjs OURS.json PIPELINE_DIR\n');
  process.exit(2);
}

const ours = JSON.parse(readFileSync(oursPath, 'utf8'));
let mismatches = 0;
const counts = [];
for (const category of CATEGORIES) {
  const raw = readFileSync(join(pipelineDir, category));
  const theirs = raw.length === 0 ? [] : raw.toString('latin1').replace(/\n$/, '').split('\n').map((l) => Buffer.from(l, 'latin1').toString('utf8'));
  const mine = ours[category];
  if (!Array.isArray(mine)) {
    process.stderr.write(`bench-compare-check: ${oursPath} has no array '${category}'\n`);
    process.exit(1);
  }
  counts.push(`${category} ${mine.length}`);
  const sortedMine = [...mine].sort();
  const sortedTheirs = [...theirs].sort();
  if (JSON.stringify(sortedMine) === JSON.stringify(sortedTheirs)) continue;
  mismatches++;
  const only = (xs, ys) => {
    const left = new Map();
    for (const x of xs) left.set(x, (left.get(x) ?? 0) + 1);
    for (const y of ys) left.set(y, (left.get(y) ?? 0) - 1);
    return [...left].filter(([, n]) => n > 0).map(([x]) => x);
  };
  process.stderr.write(`bench-compare-check: ${category} differs: ${mine.length} from compare, ${theirs.length} from the pipeline\n`);
  for (const name of only(mine, theirs).slice(0, 10)) process.stderr.write(`  only compare:  ${name}\n`);
  for (const name of only(theirs, mine).slice(0, 10)) process.stderr.write(`  only pipeline: ${name}\n`);
}
if (mismatches > 0) process.exit(1);
process.stdout.write(`same tests in all six categories (${counts.join(', ')})\n`);
