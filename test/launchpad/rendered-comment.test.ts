/** The rendered-comment helper on known text, without a browser: the whitespace collapse and the reader's checks. */
import assert from 'node:assert/strict';
import { commentForDisplay } from '../../src/launchpad/sim-web.js';
import { emailToHtml, foldForScript, textToHtml } from '../../src/launchpad/text-to-html.js';
import { buildLines, linesOf, renderedFromHtml, verdictLine, type ShownBuild } from '../support/rendered-comment.js';

const rendered = (text: string) => renderedFromHtml(foldForScript(emailToHtml(text)));

describe('rendered comment: what a reader sees after whitespace collapse', () => {
  it('collapses inner runs of spaces to one, keeps line breaks, and drops word breaks from links', () => {
    const c = rendered('target  backend  result  log\na9hf    CBuild   PASS    http://cbuild.example/build/x~r6/logs/make.log   ');
    assert.equal(c.text, 'target backend result log\na9hf CBuild PASS http://cbuild.example/build/x~r6/logs/make.log');
    assert.deepEqual(c.links, [{ href: 'http://cbuild.example/build/x~r6/logs/make.log', text: 'http://cbuild.example/build/x~r6/logs/make.log' }]);
  });

  it('keeps leading spaces (as no-break spaces), paragraphs as blank lines, and escaped text as text', () => {
    const c = rendered('Regressions:\n  a9hf (CBuild):\n    gcc: pr1.c  -O2  execution test\n\n\n<b>not bold</b> & done');
    assert.equal(c.text, 'Regressions:\n\u00a0\u00a0a9hf (CBuild):\n\u00a0\u00a0\u00a0\u00a0gcc: pr1.c -O2 execution test\n\n<b>not bold</b> & done');
    assert.deepEqual(linesOf(c), ['Regressions:', '  a9hf (CBuild):', '    gcc: pr1.c -O2 execution test', '', '<b>not bold</b> & done']);
  });

  it('shows what the page script folds as "[...]" only', () => {
    const c = rendered('Thanks.\n\n-- \nDave\nhttp://example.com/dave');
    assert.equal(c.text, 'Thanks.\n\n[...]');
    assert.deepEqual(c.links, [{ href: '', text: '[...]' }], 'the inert toggle, not the hidden link');
  });

  it('reads text_to_html output the same way whatever the markup around a link', () => {
    const c = renderedFromHtml(textToHtml('see  (http://x.example/a_(b)).  next'));
    assert.equal(c.text, 'see (http://x.example/a_(b)). next');
    assert.deepEqual(c.links, [{ href: 'http://x.example/a_(b)', text: 'http://x.example/a_(b)' }]);
  });
});

describe('rendered comment: the reader’s checks', () => {
  const build: ShownBuild = { target: 'a9hf', backend: 'lava', state: 'failed', urls: ['http://lava.example/scheduler/job/7', null] };

  it('finds the line that holds a build’s target, backend, result word and link, in any order', () => {
    for (const layout of [
      'a9hf    LAVA     BUILD FAILED  4m 02s  http://lava.example/scheduler/job/7',
      '- a9hf LAVA http://lava.example/scheduler/job/7 : FAILURE in 4m 02s',
      'FAILED: a9hf on LAVA (http://lava.example/scheduler/job/7).',
    ]) {
      assert.deepEqual(buildLines(rendered(`Results:\n${layout}`), build), [linesOf(rendered(layout))[0]], layout);
    }
  });

  it('refuses a build whose facts are spread over lines, named wrongly, or linked elsewhere', () => {
    const refused = [
      'a9hf LAVA BUILD FAILED\n  http://lava.example/scheduler/job/7',
      'a9hf CBuild BUILD FAILED http://lava.example/scheduler/job/7',
      'a9hf LAVA PASS http://lava.example/scheduler/job/7',
      'a9hf LAVA BUILD FAILED http://lava.example/scheduler/job/77',
      'a9hf-neon LAVA BUILD FAILED http://lava.example/scheduler/job/7x',
    ];
    for (const text of refused) assert.deepEqual(buildLines(rendered(text), build), [], text);
  });

  it('finds the verdict only where the fold leaves it: in the first 3,200 characters', () => {
    const padding = Array.from({ length: 80 }, (_, i) => `  gcc.dg/test-${i}.c (test for excess errors)`).join('\n');
    const early = `cbuild-bot: 2 regressions on a9hf (LAVA and CBuild).\n\n${padding}`;
    const late = `Details first:\n${padding}\n\nVerdict: 2 regressions on a9hf.`;
    assert.ok(early.length > 3200 && late.length > 3200);
    const shown = (body: string) => rendered(commentForDisplay(body, true).text);
    assert.equal(verdictLine(shown(early), 'regressed'), 'cbuild-bot: 2 regressions on a9hf (LAVA and CBuild).');
    assert.equal(verdictLine(shown(late), 'regressed'), undefined, 'behind "Read more..."');
    assert.equal(verdictLine(rendered(late), 'regressed'), 'Verdict: 2 regressions on a9hf.');
  });
});
