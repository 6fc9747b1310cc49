#!/usr/bin/env node
// Makes the "new" side of the compare benchmark from a real .sum file: a
// deterministic copy with a few hundred changed results (PASS <-> FAIL,
// PASS -> XFAIL, XFAIL -> PASS, tests removed and added), as a patch that
// breaks and fixes some tests would give. Summary blocks are recomputed so
// the copy is as consistent as a real run.
//
// Usage: node scripts/bench-compare-mutate.mjs OLD.sum NEW.sum
// Prints what it changed (counts per kind) on stderr.
import { readFileSync, writeFileSync } from 'node:fs';
// The project's own summary lines (npm run bench:compare builds dist/ first).
import { summaryCountLines } from '../dist/src/results/render.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: bench-compare-mutate.mjs OLD.sum NEW.sum\n');
  process.exit(2);
}

// Bytes as latin1 so every byte round-trips (real .sum files are not all UTF-8).
const lines = readFileSync(input).toString('latin1').split('\n');

// Park–Miller generator: the same file every run, on every machine.
let seed = 20130524;
const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;

const changed = { 'PASS->FAIL': 0, 'PASS->XFAIL': 0, 'FAIL->PASS': 0, 'XFAIL->PASS': 0, removed: 0, added: 0 };
const out = [];
for (const line of lines) {
  const r = random();
  if (line.startsWith('PASS: ') && r < 0.0006) {
    out.push(`FAIL: ${line.slice(6)}`);
    changed['PASS->FAIL']++;
  } else if (line.startsWith('PASS: ') && r < 0.0007) {
    out.push(`XFAIL: ${line.slice(6)}`);
    changed['PASS->XFAIL']++;
  } else if (line.startsWith('FAIL: ') && r < 0.3) {
    out.push(`PASS: ${line.slice(6)}`);
    changed['FAIL->PASS']++;
  } else if (line.startsWith('XFAIL: ') && r < 0.02) {
    out.push(`PASS: ${line.slice(7)}`);
    changed['XFAIL->PASS']++;
  } else if (/^(PASS|FAIL|UNSUPPORTED): /.test(line) && r > 0.9997) {
    changed.removed++;
  } else {
    out.push(line);
    if (/^(PASS|FAIL): /.test(line) && r > 0.99965 && r <= 0.9997) {
      const status = random() < 0.3 ? 'FAIL' : 'PASS';
      out.push(`${status}: ${line.slice(6)} (new variant ${changed.added})`);
      changed.added++;
    }
  }
}

// Recompute the `# of …` lines of every summary block from the results above it.
const countLines = (counts) => summaryCountLines(new Map(Object.entries(counts)));
const byVariation = {};
const total = {};
let variation = '';
const final = [];
for (let i = 0; i < out.length; i++) {
  const line = out[i];
  const status = /^([A-Z]+): /.exec(line)?.[1];
  if (line.startsWith('Running target ')) variation = line.split(/\s+/)[2];
  if (status) {
    const counts = (byVariation[variation] ??= {});
    counts[status] = (counts[status] ?? 0) + 1;
    total[status] = (total[status] ?? 0) + 1;
  }
  const summary = /^\s*=== .* Summary( for (.*))? ===\s*$/.exec(line);
  final.push(line);
  if (summary) {
    if (out[i + 1] === '') final.push(out[++i]);
    while (out[i + 1]?.startsWith('# of ')) i++;
    final.push(...countLines(summary[2] ? (byVariation[summary[2]] ?? {}) : total));
  }
}
writeFileSync(output, Buffer.from(final.join('\n'), 'latin1'));
process.stderr.write(`bench-compare-mutate: ${Object.entries(changed).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
