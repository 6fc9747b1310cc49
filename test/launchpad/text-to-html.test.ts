/**
 * The port of Launchpad's text_to_html / email_to_html against Launchpad's own
 * tests, translated case by case (lgp171188/launchpad @ eafda459):
 * `lib/lp/app/doc/displaying-paragraphs-of-text.rst` and
 * `lib/lp/app/doc/tales-email-formatting.rst` (doctests, compared as doctest
 * does with NORMALIZE_WHITESPACE and ELLIPSIS) and
 * `lib/lp/app/browser/tests/test_stringformatter.py` (exact comparisons).
 */
import assert from 'node:assert/strict';
import {
  addWordBreaks,
  breakLongWords,
  emailToHtml,
  foldForScript,
  obfuscateEmail,
  splitParagraphs,
  textToHtml,
} from '../../src/launchpad/text-to-html.js';

/** doctest's NORMALIZE_WHITESPACE and ELLIPSIS: runs of whitespace are equal, `...` matches anything. */
function assertDoctest(got: string, want: string): void {
  const normal = (s: string) => s.replace(/\s+/g, ' ').trim();
  const pattern = normal(want)
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  assert.match(normal(got), new RegExp(`^${pattern}$`), `got:\n${got}\nwant:\n${want}`);
}

describe('launchpad: text_to_html (displaying-paragraphs-of-text.rst)', () => {
  it('splits paragraphs on blank lines and lines with <br />', () => {
    assert.equal(textToHtml('This is a paragraph.\n\nThis is another paragraph.'), '<p>This is a paragraph.</p>\n<p>This is another paragraph.</p>');
    assert.equal(textToHtml('This is a line.\nThis is another line.'), '<p>This is a line.<br />\nThis is another line.</p>');
    assertDoctest(
      textToHtml(
        'This is a paragraph that has been hard-wrapped by an email application.\n' +
          'We used to handle this specially, but we no longer do because it was disturbing\n' +
          'the display of backtraces. Expected results:\n* joy\n* elation',
      ),
      `<p>This is a paragraph that has been hard-wrapped by an email
    application.<br />
    We used to handle this specially, but we no longer do because it was
    disturbing<br />
    the display of backtraces. Expected results:<br />
    * joy<br />
    * elation</p>`,
    );
    assert.equal(textToHtml('This is a little paragraph all by itself. How cute!'), '<p>This is a little paragraph all by itself. How cute!</p>');
    assert.equal(
      textToHtml("Here are two paragraphs with lots of whitespace between them.\n\n\n\n\nBut they're still just two paragraphs."),
      '<p>Here are two paragraphs with lots of whitespace between them.</p>\n<p>But they&#x27;re still just two paragraphs.</p>',
    );
  });

  it('turns each leading space into &nbsp; and passes inner and trailing runs through', () => {
    assertDoctest(
      textToHtml(
        " 1. Here's an example\n 2. where a list is followed by a paragraph.\n" +
          '   Leading spaces in a line or paragraph are presented, which means converting them to &nbsp;. Trailing spaces are passed ' +
          "through as-is, which means browsers will ignore them, but that's fine, they're not important anyway.\n",
      ),
      `<p>&nbsp;1. Here&#x27;s an example<br />
    &nbsp;2. where a list is followed by a paragraph.<br />
    &nbsp;&nbsp;&nbsp;Leading spaces in a line or paragraph are presented,
    which means converting them to &amp;nbsp;. Trailing spaces are passed
    through as-is, which means browsers will ignore them, but that&#x27;s
    fine, they&#x27;re not important anyway.</p>`,
    );
    assert.equal(
      textToHtml(
        'This is a code sample written in Python.\n    def messageCount(self):\n        """See IRosettaStats."""\n' +
          '        return self.potemplate.messageCount()\n\n    def currentCount(self, language=None):\n        """See IRosettaStats."""\n' +
          '        return self.currentCount\n',
      ),
      [
        '<p>This is a code sample written in Python.<br />',
        '&nbsp;&nbsp;&nbsp;&nbsp;def messageCount(self):<br />',
        '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&quot;&quot;&quot;See IRosettaStats.&quot;&quot;&quot;<br />',
        '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return self.potemplate<wbr />.messageCount(<wbr />)</p>',
        '<p>&nbsp;&nbsp;&nbsp;&nbsp;def currentCount(self, language=None):<br />',
        '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&quot;&quot;&quot;See IRosettaStats.&quot;&quot;&quot;<br />',
        '&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;return self.currentCount</p>',
      ].join('\n'),
    );
  });

  it('links URLs of the known schemes with rel="nofollow" and word breaks', () => {
    assert.equal(
      textToHtml(
        'https://launchpad.net/ is the new Launchpad site\nhttp://example.com/something?foo=bar&hum=baz\n' +
          'You can check the PPC md5sums at ftp://ftp.ubuntu.com/ubuntu/dists/breezy/main/installer-powerpc/current/images/MD5SUMS\n' +
          'irc://chat.freenode.net/#launchpad\n\nI have a Jabber account (jabber:foo@jabber.example.com)\nFoo Bar <mailto:foo.bar@example.net>',
      ),
      [
        '<p><a rel="nofollow" href="https://launchpad.net/">https:/<wbr />/launchpad.<wbr />net/</a> is the new Launchpad site<br />',
        '<a rel="nofollow" href="http://example.com/something?foo=bar&amp;hum=baz">http://<wbr />example.<wbr />com/something?<wbr />foo=bar&amp;<wbr />hum=baz</a><br />',
        'You can check the PPC md5sums at <a rel="nofollow" href="ftp://ftp.ubuntu.com/ubuntu/dists/breezy/main/installer-powerpc/current/images/MD5SUMS">ftp://ftp.<wbr />ubuntu.<wbr />com/ubuntu/<wbr />dists/breezy/<wbr />main/installer-<wbr />powerpc/<wbr />current/<wbr />images/<wbr />MD5SUMS</a><br />',
        '<a rel="nofollow" href="irc://chat.freenode.net/#launchpad">irc://chat.<wbr />freenode.<wbr />net/#launchpad</a></p>',
        '<p>I have a Jabber account (<a rel="nofollow" href="jabber:foo@jabber.example.com">jabber:<wbr />foo@jabber.<wbr />example.<wbr />com</a>)<br />',
        'Foo Bar &lt;<a rel="nofollow" href="mailto:foo.bar@example.net">mailto:<wbr />foo.bar@<wbr />example.<wbr />net</a>&gt;</p>',
      ].join('\n'),
    );
  });

  it('leaves trailing punctuation out of a link unless a ) closes a ( of the URL', () => {
    const url = 'http://localhost:8086/bar/baz/foo.bar.html';
    const linked = '<a rel="nofollow" href="http://localhost:8086/bar/baz/foo.bar.html">http://<wbr />localhost:<wbr />8086/bar/<wbr />baz/foo.<wbr />bar.html</a>';
    const query = '<a rel="nofollow" href="http://localhost/bar/baz/foo.bar.html?a=b&amp;b=a">http://<wbr />localhost/<wbr />bar/baz/<wbr />foo.bar.<wbr />html?a=<wbr />b&amp;b=a</a>';
    const cases: [string, string][] = [
      ['http://localhost:8086/bar/baz/foo.html', '<a rel="nofollow" href="http://localhost:8086/bar/baz/foo.html">http://<wbr />localhost:<wbr />8086/bar/<wbr />baz/foo.<wbr />html</a>'],
      ['ftp://localhost:8086/bar/baz/foo.bar.html', '<a rel="nofollow" href="ftp://localhost:8086/bar/baz/foo.bar.html">ftp://localhost<wbr />:8086/bar/<wbr />baz/foo.<wbr />bar.html</a>'],
      ['sftp://localhost:8086/bar/baz/foo.bar.html.', '<a rel="nofollow" href="sftp://localhost:8086/bar/baz/foo.bar.html">sftp://<wbr />localhost:<wbr />8086/bar/<wbr />baz/foo.<wbr />bar.html</a>.'],
      [`${url};`, `${linked};`],
      ['news://localhost:8086/bar/baz/foo.bar.html:', '<a rel="nofollow" href="news://localhost:8086/bar/baz/foo.bar.html">news://<wbr />localhost:<wbr />8086/bar/<wbr />baz/foo.<wbr />bar.html</a>:'],
      [`${url}?`, `${linked}?`],
      [`${url},`, `${linked},`],
      [`<${url}>`, `&lt;${linked}&gt;`],
      [`<${url}>,`, `&lt;${linked}&gt;,`],
      [`<${url}>.`, `&lt;${linked}&gt;.`],
      [`<${url}>;`, `&lt;${linked}&gt;;`],
      [`<${url}>:`, `&lt;${linked}&gt;:`],
      [`<${url}>?`, `&lt;${linked}&gt;?`],
      [`(${url})`, `(${linked})`],
      [`(${url}),`, `(${linked}),`],
      [`(${url}).`, `(${linked}).`],
      [`(${url});`, `(${linked});`],
      [`(${url}):`, `(${linked}):`],
      ['http://localhost/bar/baz/foo.bar.html?a=b&b=a', query],
      ['http://localhost/bar/baz/foo.bar.html?a=b&b=a.', `${query}.`],
      ['http://localhost/bar/baz/foo.bar.html?a=b&b=a,', `${query},`],
      ['http://localhost/bar/baz/foo.bar.html?a=b&b=a;', `${query};`],
      ['http://localhost/bar/baz/foo.bar.html?a=b&b=a:', `${query}:`],
      [
        "http://localhost/bar/baz/foo.bar.html?a=b&b=a:b;c@d_e%f~g#h,j!k-l+m$n*o'p",
        '<a rel="nofollow" href="http://localhost/bar/baz/foo.bar.html?a=b&amp;b=a:b;c@d_e%f~g#h,j!k-l+m$n*o&#x27;p">http://<wbr />localhost/<wbr />bar/baz/<wbr />foo.bar.<wbr />html?a=<wbr />b&amp;b=a:b;<wbr />c@d_e%f~<wbr />g#h,j!k-<wbr />l+m$n*o&#x27;<wbr />p</a>',
      ],
      ['http://www.searchtools.com/test/urls/(parens).html', '<a rel="nofollow" href="http://www.searchtools.com/test/urls/(parens).html">http://<wbr />www.searchtools<wbr />.com/test/<wbr />urls/(parens)<wbr />.html</a>'],
      ['http://www.searchtools.com/test/urls/_underscore.html', '<a rel="nofollow" href="http://www.searchtools.com/test/urls/_underscore.html">http://<wbr />www.searchtools<wbr />.com/test/<wbr />urls/_underscor<wbr />e.html</a>'],
      ['http://www.searchtools.com/test/urls/!exclamation.html', '<a rel="nofollow" href="http://www.searchtools.com/test/urls/!exclamation.html">http://<wbr />www.searchtools<wbr />.com/test/<wbr />urls/!exclamati<wbr />on.html</a>'],
      ['irc://chat.freenode.net/%23launchpad,isserver', '<a rel="nofollow" href="irc://chat.freenode.net/%23launchpad,isserver">irc://chat.<wbr />freenode.<wbr />net/%23launchpa<wbr />d,isserver</a>'],
      ['mailto:noreply@launchpad.net', '<a rel="nofollow" href="mailto:noreply@launchpad.net">mailto:<wbr />noreply@<wbr />launchpad.<wbr />net</a>'],
      ['http://localhost/foo?xxx&', '<a rel="nofollow" href="http://localhost/foo?xxx&amp;">http://<wbr />localhost/<wbr />foo?xxx&amp;</a>'],
      ['http://localhost?testing=[square-brackets-in-query]', '<a rel="nofollow" href="http://localhost?testing=[square-brackets-in-query]">http://<wbr />localhost?<wbr />testing=<wbr />[square-<wbr />brackets-<wbr />in-query]</a>'],
    ];
    for (const [text, html] of cases) assert.equal(textToHtml(text), `<p>${html}</p>`, text);
  });

  it('leaves non-URIs unlinked', () => {
    assert.equal(textToHtml('nothttp://launchpad.net/\nhttp::No-cache=True\n'), '<p>nothttp:<wbr />//launchpad.<wbr />net/<br />\nhttp::No-cache=True</p>');
  });

  it('links bug references, and only those', () => {
    assert.equal(
      textToHtml(
        'bug 123\nbug    123\nbug #123\nbug number 123\nbug number. 123\nbug num 123\nbug num. 123\nbug no 123\nbug report 123\n' +
          'bug no. 123\nbug#123\nbug-123\nbug-report-123\nbug=123\nbug\n#123\ndebug #52\n',
      ),
      [
        '<p><a href="/bugs/123" class="bug-link">bug 123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug    123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug #123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug number 123</a><br />',
        'bug number. 123<br />',
        '<a href="/bugs/123" class="bug-link">bug num 123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug num. 123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug no 123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug report 123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug no. 123</a><br />',
        'bug#123<br />',
        '<a href="/bugs/123" class="bug-link">bug-123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug-report-123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug=123</a><br />',
        '<a href="/bugs/123" class="bug-link">bug<br />\n#123</a><br />',
        'debug #52</p>',
      ].join('\n'),
    );
    assert.equal(textToHtml('bug 0123\n'), '<p><a href="/bugs/123" class="bug-link">bug 0123</a></p>');
    assert.equal(textToHtml('LP: #123.\n'), '<p>LP: <a href="/bugs/123" class="bug-link">#123</a>.</p>');
    assert.equal(textToHtml('lp: #123, #2.\n'), '<p>lp: <a href="/bugs/123" class="bug-link">#123</a>, <a href="/bugs/2" class="bug-link">#2</a>.</p>');
    assert.equal(textToHtml('LP:  #123,\n#2.\n'), '<p>LP:  <a href="/bugs/123" class="bug-link">#123</a>,<br />\n<a href="/bugs/2" class="bug-link">#2</a>.</p>');
    // test_stringformatter.py TestLinkifyingBugs
    assert.deepEqual(
      ['bug 34434', 'bugnumber 34434', 'bug number 34434'].map((t) => textToHtml(t)),
      [
        '<p><a href="/bugs/34434" class="bug-link">bug 34434</a></p>',
        '<p><a href="/bugs/34434" class="bug-link">bugnumber 34434</a></p>',
        '<p><a href="/bugs/34434" class="bug-link">bug number 34434</a></p>',
      ],
    );
    assert.deepEqual(['bugnumber.4', 'bug number.4', 'bugno.4', 'bug no.4'].map((t) => textToHtml(t)), ['<p>bugnumber.4</p>', '<p>bug number.4</p>', '<p>bugno.4</p>', '<p>bug no.4</p>']);
  });

  it('leaves FAQ and OOPS references as text (no FAQs here; the visitor is no Launchpad developer)', () => {
    assert.equal(textToHtml('faq 999\n'), '<p>faq 999</p>');
    assert.equal(textToHtml('OOPS-38C23'), '<p>OOPS-38C23</p>');
    assert.equal(textToHtml('OOPS code'), '<p>OOPS code</p>');
  });

  it('links branch short names to /+code/, and lp:<digits> to the bug', () => {
    assertDoctest(
      textToHtml('lp:~foo/bar/baz\nlp:~foo/bar/bug-123\nlp:~foo/+junk/baz\nlp:~foo/ubuntu/jaunty/evolution/baz\nlp:foo/bar\nlp:foo\nlp:foo,\nlp:foo/bar.\nlp:foo/bar/baz\nlp:///foo\nlp:/foo\n'),
      `<p><a href="/+code/~foo/bar/baz" class="...">lp:~foo/bar/baz</a><br />
    <a href="/+code/~foo/bar/bug-123"
       class="...">lp:~foo/bar/bug-123</a><br />
    <a href="/+code/~foo/+junk/baz" class="...">lp:~foo/+junk/baz</a><br />
    <a href="/+code/~foo/ubuntu/jaunty/evolution/baz"
       class="...">lp:~foo/ubuntu/jaunty/evolution/baz</a><br />
    <a href="/+code/foo/bar" class="...">lp:foo/bar</a><br />
    <a href="/+code/foo" class="...">lp:foo</a><br />
    <a href="/+code/foo" class="...">lp:foo</a>,<br />
    <a href="/+code/foo/bar" class="...">lp:foo/bar</a>.<br />
    <a href="/+code/foo/bar/baz" class="...">lp:foo/bar/baz</a><br />
    <a href="/+code/foo" class="...">lp:///foo</a><br />
    <a href="/+code/foo" class="...">lp:/foo</a></p>`,
    );
    assert.match(textToHtml('lp:~foo/bar/baz'), /class="branch-short-link"/);
    assert.equal(textToHtml('lp:1234'), '<p><a href="/bugs/1234" class="bug-link">lp:1234</a></p>');
    assert.equal(textToHtml('lp:1234,'), '<p><a href="/bugs/1234" class="bug-link">lp:1234</a>,</p>');
  });
});

describe('launchpad: text_to_html (test_stringformatter.py)', () => {
  it('splits paragraphs', () => {
    assert.deepEqual(splitParagraphs('\na\nb\n\nc\nd\n\n\n'), [['a', 'b'], ['c', 'd']]);
  });

  it('adds word breaks every 7 to 15 characters, never inside an entity', () => {
    assert.equal(addWordBreaks('abcdefghijklmnop'), 'abcdefghijklmno<wbr />p');
    assert.equal(addWordBreaks('abcdef/ghijklmnop'), 'abcdef/<wbr />ghijklmnop');
    assert.equal(addWordBreaks('ab/cdefghijklmnop'), 'ab/cdefghijklmn<wbr />op');
    assert.equal(addWordBreaks('abcdef&anentity;hijklmnop'), 'abcdef&anentity;<wbr />hijklmnop');
  });

  it('breaks only words of 20 characters or more, outside tags', () => {
    assert.equal(breakLongWords('1234567890123456'), '1234567890123456');
    assert.equal(breakLongWords('12345678901234567890'), '123456789012345<wbr />67890');
    assert.equal(breakLongWords('<tag a12345678901234567890="foo"></tag>'), '<tag a12345678901234567890="foo"></tag>');
    assert.equal(breakLongWords('12345678901234567890 1234567890.1234567890'), '123456789012345<wbr />67890 1234567890.<wbr />1234567890');
    assert.equal(breakLongWords('1234567890&abcdefghi;123'), '1234567890&abcdefghi;123');
    assert.equal(breakLongWords('<tag>1234567890123456</tag>'), '<tag>1234567890123456</tag>');
  });

  it('links the normal set of URLs', () => {
    assert.deepEqual(
      ['http://example.com', 'http://example.com/', 'http://example.com/path', 'http://example.com/path/'].map((t) => textToHtml(t)),
      [
        '<p><a rel="nofollow" href="http://example.com">http://<wbr />example.<wbr />com</a></p>',
        '<p><a rel="nofollow" href="http://example.com/">http://<wbr />example.<wbr />com/</a></p>',
        '<p><a rel="nofollow" href="http://example.com/path">http://<wbr />example.<wbr />com/path</a></p>',
        '<p><a rel="nofollow" href="http://example.com/path/">http://<wbr />example.<wbr />com/path/</a></p>',
      ],
    );
  });

  it('handles parentheses well', () => {
    assert.deepEqual(
      [
        '(http://example.com)',
        'http://example.com/path_(with_parens)',
        '(http://example.com/path_(with_parens))',
        '(http://example.com/path_(with_parens)and_stuff)',
        'http://example.com/path_(with_parens',
      ].map((t) => textToHtml(t)),
      [
        '<p>(<a rel="nofollow" href="http://example.com">http://<wbr />example.<wbr />com</a>)</p>',
        '<p><a rel="nofollow" href="http://example.com/path_(with_parens)">http://<wbr />example.<wbr />com/path_<wbr />(with_parens)</a></p>',
        '<p>(<a rel="nofollow" href="http://example.com/path_(with_parens)">http://<wbr />example.<wbr />com/path_<wbr />(with_parens)</a>)</p>',
        '<p>(<a rel="nofollow" href="http://example.com/path_(with_parens)and_stuff">http://<wbr />example.<wbr />com/path_<wbr />(with_parens)<wbr />and_stuff</a>)</p>',
        '<p><a rel="nofollow" href="http://example.com/path_(with_parens">http://<wbr />example.<wbr />com/path_<wbr />(with_parens</a></p>',
      ],
    );
  });

  it('does not link a bare scheme, does link apt:, does not link file:', () => {
    assert.equal(textToHtml("This doesn't link: apt:"), '<p>This doesn&#x27;t link: apt:</p>');
    assert.equal(textToHtml("This doesn't link: http://"), '<p>This doesn&#x27;t link: http://</p>');
    assert.equal(textToHtml('This becomes a link: apt:some-package'), '<p>This becomes a link: <a rel="nofollow" href="apt:some-package">apt:some-<wbr />package</a></p>');
    assert.equal(textToHtml('This becomes a link: apt://some-package'), '<p>This becomes a link: <a rel="nofollow" href="apt://some-package">apt://some-<wbr />package</a></p>');
    assert.equal(textToHtml("This doesn't become a link: file://some/file.txt"), '<p>This doesn&#x27;t become a link: file://<wbr />some/file.<wbr />txt</p>');
  });

  it('escapes and does not link with linkify off, and marks the last paragraph', () => {
    assert.equal(textToHtml("This doesn't become a link: http://www.example.com/", { linkify: false }), '<p>This doesn&#x27;t become a link: http://www.example.com/</p>');
    assert.equal(
      textToHtml('<a href="http://example.com/">http://example.com/</a>', { linkify: false }),
      '<p>&lt;a href=&quot;http://example.com/&quot;&gt;http://example.com/&lt;/a&gt;</p>',
    );
    assert.equal(textToHtml('Foo\n\nBar', { lastParagraphClass: 'last' }), '<p>Foo</p>\n<p class="last">Bar</p>');
  });

  it('matches Python, not JavaScript, on Unicode whitespace, digits, word boundaries and lengths', () => {
    // U+00A0 and U+3000 are Python whitespace: leading ones become &nbsp;, and they end a line.
    assert.equal(textToHtml('\u00a0\u3000x\u00a0'), '<p>&nbsp;&nbsp;x</p>');
    // \x1c is a line boundary for str.splitlines().
    assert.equal(textToHtml('a\x1cb'), '<p>a<br />\nb</p>');
    // é is a word character in Python: no word boundary before "http".
    assert.equal(textToHtml('éhttp://x.org'), '<p>éhttp://x.org</p>');
    // ı matches i under re.IGNORECASE in Python.
    assert.equal(textToHtml('ırc://x'), '<p><a rel="nofollow" href="ırc://x">ırc://x</a></p>');
    // Twenty astral letters are twenty characters (code points), not forty; an emoji is no alphanumeric, so a chunk may end after it.
    assert.equal(breakLongWords('𝔘'.repeat(19)), '𝔘'.repeat(19));
    assert.equal(breakLongWords('𝔘'.repeat(20)), `${'𝔘'.repeat(15)}<wbr />${'𝔘'.repeat(5)}`);
    assert.equal(breakLongWords('😀'.repeat(20)), `${'😀'.repeat(7)}<wbr />${'😀'.repeat(7)}<wbr />${'😀'.repeat(6)}`);
  });
});

describe('launchpad: email_to_html (tales-email-formatting.rst)', () => {
  it('folds only the quoted lines of a paragraph that mixes quotes and replies', () => {
    assertDoctest(
      emailToHtml('Mister X wrote:\n> This is a quoted line\nThis is a reply to the line above.\nThis is a continuation line.\n'),
      `<p>Mister X wrote:<br />
    <span class="foldable-quoted">
    &gt; This is a quoted line<br />
    </span>
    This is a reply to the line above.<br />
    This is a continuation line.</p>`,
    );
  });

  it('folds nested quoting as one passage', () => {
    assertDoctest(
      emailToHtml('>>>> four\n>>> three\n>> two\n> one\n'),
      `<p><span class="foldable-quoted">&gt;&gt;&gt;&gt; four<br />
    &gt;&gt;&gt; three<br />
    &gt;&gt; two<br />
    &gt; one
    </span></p>`,
    );
  });

  it('does not take Python prompts or dpkg output for quotes, but does fold | quotes', () => {
    const python = '>>> tz = pytz.timezone("Asia/Calcutta")\n>>> mydate = datetime.datetime(2007, 2, 18, 15, 35)\n>>> print(tz.localize(mydate))\n2007-02-18 15:35:00+05:30\n\n';
    const notPython = '> This line really is a quoted passage.\n>>> This does not invoke an exception rule.\n\n';
    assertDoctest(
      emailToHtml([python, notPython].join('\n')),
      `<p>&gt;&gt;&gt; tz = pytz.timezone(<wbr />&quot;Asia/Calcutta&quot;...
    &gt;&gt;&gt; mydate = datetime.<wbr />datetime(<wbr />2007, 2, ...
    2007-02-18 15:35:00+05:30</p>
    <p><span class="foldable-quoted">&gt; This line really is a quoted ...
    &gt;&gt;&gt; This does not invoke an exception rule.
    </span></p>`,
    );
    assertDoctest(
      emailToHtml('Someone said sometime ago:\n| Quote passages are folded.\n\n'),
      `<p>Someone said sometime ago:<br />
    <span class="foldable-quoted">
    | Quote passages are folded.
    </span></p>`,
    );
    assertDoctest(
      emailToHtml(
        'dpkg -l libdvdread3\nDesired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Installed/Config-files/Unpacked/Failed-co\n' +
          '|/ Err?=(none)/Hold/Reinst-required/X=both-problems\n||/ Name Version Description\n+++-==============-==============-====================\n' +
          'ii libdvdread3 0.9.7-2ubuntu1 library for reading DVDs\n\n',
      ),
      `<p>dpkg -l libdvdread3<br />
    Desired=<wbr />Unknown/<wbr />Install/<wbr />...
    | Status=<wbr />Not/Installed/<wbr />Config-<wbr />...
    |/ Err?=(none)<wbr />/Hold/Reinst-<wbr />required/...
    ||/ Name Version Description<br />
    +++-===<wbr />=======<wbr />====-==<wbr />=======...
    ii libdvdread3 0.9.7-2ubuntu1 library for reading DVDs</p>`,
    );
  });

  it('folds a signature behind "[...]" as the page script does, and long quotes but not short ones', () => {
    const signed = emailToHtml('Thanks.\n\n-- \nDave\nhttp://example.com/dave\n');
    assert.match(signed, /<p><span class="foldable">--<br \/>\nDave<br \/>/);
    assert.equal(
      foldForScript(signed),
      '<p>Thanks.</p>\n<p><a class="foldable-toggle" style="text-decoration: underline">[...]</a><span class="foldable" style="display: none"><br />--<br />\nDave<br />\n<a rel="nofollow" href="http://example.com/dave">http://<wbr />example.<wbr />com/dave</a>\n</span></p>',
    );
    const shortQuote = emailToHtml(`Dave wrote:\n${'> x\n'.repeat(11)}Right.`);
    assert.equal(foldForScript(shortQuote), shortQuote, 'a quote of 11 line breaks stays open');
    const longQuote = foldForScript(emailToHtml(`Dave wrote:\n${'> x\n'.repeat(12)}Right.`));
    assert.match(longQuote, /^<p>Dave wrote:<br \/>\n<a class="foldable-toggle"[^>]*>\[\.\.\.\]<\/a><span class="foldable-quoted" style="display: none"><br \/>\n&gt; x<br \/>/);
    assert.match(longQuote, /<\/span><br \/>\n\nRight\.<\/p>$/, 'a line break after the fold when text follows');
  });
});

describe('launchpad: obfuscate_email', () => {
  it('hides anything that looks like an address from visitors, a bzr revision id included', () => {
    assert.equal(obfuscateEmail('mail <dave@example.com> now'), 'mail <email address hidden> now');
    assert.equal(obfuscateEmail('revision 2 (dave@example.com-20261124220115-460959923aa7d462) of'), 'revision 2 (<email address hidden>) of');
    assert.equal(obfuscateEmail('http://127.0.0.1:8080/x and a@b'), 'http://127.0.0.1:8080/x and a@b');
  });
});
