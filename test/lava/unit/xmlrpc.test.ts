import assert from 'node:assert/strict';
import {
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  parseMethodCall,
  parseMethodResponse,
  XmlRpcEncodeError,
  XmlRpcFault,
  XmlRpcParseError,
  type XmlRpcInput,
} from '../../../src/lava/xmlrpc.js';

/** A methodResponse whose single value is `inner` (the XML between <value> and </value>). */
function response(inner: string): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>${inner}</value>\n</param>\n</params>\n</methodResponse>\n`;
}

function roundTrip(value: XmlRpcInput): unknown {
  return parseMethodResponse(encodeMethodResponse(value));
}

describe('XML-RPC codec', () => {
  describe('decoding each type', () => {
    it('reads int, i4 and i8', () => {
      assert.equal(parseMethodResponse(response('<int>42</int>')), 42);
      assert.equal(parseMethodResponse(response('<i4>-7</i4>')), -7);
      assert.equal(parseMethodResponse(response('<i8>9007199254740991</i8>')), 9007199254740991);
      assert.equal(parseMethodResponse(response('<int> +3 </int>')), 3);
    });

    it('refuses integers that are not integers or do not fit a JavaScript number', () => {
      assert.throws(() => parseMethodResponse(response('<int>4.5</int>')), /<int> value '4.5' is not an integer/);
      assert.throws(() => parseMethodResponse(response('<i8>9223372036854775807</i8>')), /too large/);
    });

    it('reads booleans, only 0 and 1', () => {
      assert.equal(parseMethodResponse(response('<boolean>1</boolean>')), true);
      assert.equal(parseMethodResponse(response('<boolean>0</boolean>')), false);
      assert.throws(() => parseMethodResponse(response('<boolean>true</boolean>')), /<boolean> value 'true' is neither 0 nor 1/);
    });

    it('reads strings, typed or bare, keeping whitespace exactly', () => {
      assert.equal(parseMethodResponse(response('<string>  two  spaces </string>')), '  two  spaces ');
      assert.equal(parseMethodResponse(response('bare text')), 'bare text');
      assert.equal(parseMethodResponse(response('')), '');
      assert.equal(parseMethodResponse(response('<string/>')), '');
    });

    it('decodes entities, character references, CDATA and non-ASCII text', () => {
      assert.equal(
        parseMethodResponse(response('<string>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;&#x1F600; ünï <![CDATA[<raw & ok>]]></string>')),
        `a <b> & "c" 'd' é😀 ünï <raw & ok>`,
      );
    });

    it('reads doubles, including the inf and nan Python may send', () => {
      assert.equal(parseMethodResponse(response('<double>-1.5e3</double>')), -1500);
      assert.equal(parseMethodResponse(response('<double>0.25</double>')), 0.25);
      assert.equal(parseMethodResponse(response('<double>inf</double>')), Infinity);
      assert.ok(Number.isNaN(parseMethodResponse(response('<double>nan</double>'))));
      assert.throws(() => parseMethodResponse(response('<double>1,5</double>')), /<double> value '1,5' is not a number/);
    });

    it('reads zone-less dateTime.iso8601 as UTC, and honours an explicit zone', () => {
      const lava = parseMethodResponse(response('<dateTime.iso8601>20261124T20:25:07</dateTime.iso8601>'));
      assert.deepEqual(lava, new Date('2026-11-24T20:25:07Z'));
      const zoned = parseMethodResponse(response('<dateTime.iso8601>2026-11-24T21:25:07+01:00</dateTime.iso8601>'));
      assert.deepEqual(zoned, new Date('2026-11-24T20:25:07Z'));
      assert.throws(
        () => parseMethodResponse(response('<dateTime.iso8601>20261324T20:25:07</dateTime.iso8601>')),
        /not a valid date and time/,
      );
      assert.throws(() => parseMethodResponse(response('<dateTime.iso8601>yesterday</dateTime.iso8601>')), /'yesterday'/);
    });

    it('reads base64 as a Buffer, line breaks allowed', () => {
      const value = parseMethodResponse(response('<base64>LSB7ImR0Ijog\nImx2bCJ9Cg==</base64>'));
      assert.ok(Buffer.isBuffer(value));
      assert.equal(value.toString('utf8'), '- {"dt": "lvl"}\n');
      assert.throws(() => parseMethodResponse(response('<base64>not base64!</base64>')), /not valid base64/);
    });

    it('reads <nil/> as null', () => {
      assert.equal(parseMethodResponse(response('<nil/>')), null);
    });

    it('reads nested structs and arrays', () => {
      const xml = response(
        '<struct><member><name>jobs</name><value><array><data>' +
          '<value><struct><member><name>id</name><value><int>2</int></value></member>' +
          '<member><name>device</name><value><nil/></value></member></struct></value>' +
          '<value><array><data><value>x</value><value><boolean>0</boolean></value></data></array></value>' +
          '</data></array></value></member>' +
          '<member><name>empty</name><value><struct></struct></value></member></struct>',
      );
      assert.deepEqual(parseMethodResponse(xml), { jobs: [{ id: 2, device: null }, ['x', false]], empty: {} });
    });

    it('keeps a struct member called __proto__ as plain data', () => {
      const value = parseMethodResponse(
        response('<struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>1</value></member></struct></value></member></struct>'),
      ) as Record<string, unknown>;
      assert.deepEqual(Object.keys(value), ['__proto__']);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
    });

    it('reads a methodCall with its parameters', () => {
      const body =
        '<?xml version="1.0"?><methodCall><methodName>scheduler.jobs.logs</methodName>' +
        '<params><param><value><int>7</int></value></param><param><value><int>120</int></value></param></params></methodCall>';
      assert.deepEqual(parseMethodCall(body), { method: 'scheduler.jobs.logs', params: [7, 120] });
      assert.deepEqual(parseMethodCall('<methodCall><methodName>system.version</methodName></methodCall>'), {
        method: 'system.version',
        params: [],
      });
    });

    it('honours a Latin-1 XML declaration on a byte body', () => {
      const body = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${response('<string>caf\xe9</string>').replace(/^<\?xml[^>]*>/, '')}`, 'latin1');
      assert.equal(parseMethodResponse(body), 'café');
    });
  });

  describe('faults', () => {
    it('throws a fault as XmlRpcFault with code and string', () => {
      const body = encodeFault(404, "Job '999' was not found.");
      assert.throws(
        () => parseMethodResponse(body),
        (err: unknown) =>
          err instanceof XmlRpcFault && err.faultCode === 404 && err.faultString === "Job '999' was not found.",
      );
    });

    it('reads a fault as Python writes it', () => {
      const python =
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>-32601</int></value>\n</member>\n" +
        "<member>\n<name>faultString</name>\n<value><string>No such method: 'scheduler.job_status'</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
      assert.throws(() => parseMethodResponse(python), { faultCode: -32601, faultString: "No such method: 'scheduler.job_status'" });
    });

    it('refuses a fault without faultCode and faultString', () => {
      const body = '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>';
      assert.throws(() => parseMethodResponse(body), XmlRpcParseError);
    });
  });

  describe('encoding and reading back', () => {
    it('round-trips every type', () => {
      const date = new Date('2013-05-02T12:34:56Z');
      const value = {
        int: 42,
        negative: -2147483648,
        big: 2 ** 40,
        bigint: 2n ** 50n,
        double: 2.5,
        yes: true,
        no: false,
        text: 'plain',
        date,
        bytes: Buffer.from([0, 1, 2, 255]),
        nothing: null,
        list: [1, 'two', [3, { four: 4 }]],
        nested: { a: { b: { c: [] } } },
      };
      assert.deepEqual(roundTrip(value), { ...value, bigint: 2 ** 50 });
    });

    it('writes ints as <int> while they fit 32 bits, then <i8>', () => {
      assert.match(encodeMethodResponse(2147483647), /<int>2147483647<\/int>/);
      assert.match(encodeMethodResponse(2147483648), /<i8>2147483648<\/i8>/);
      assert.match(encodeMethodResponse(0.5), /<double>0.5<\/double>/);
    });

    it('writes dates zone-less in UTC like lava-server', () => {
      assert.match(encodeMethodResponse(new Date('2026-11-24T20:25:07.734Z')), /<dateTime.iso8601>20261124T20:25:07<\/dateTime.iso8601>/);
    });

    it('writes None as <nil/> and leaves out undefined struct members', () => {
      const body = encodeMethodResponse({ device: null, skipped: undefined });
      assert.match(body, /<name>device<\/name><value><nil\/><\/value>/);
      assert.doesNotMatch(body, /skipped/);
    });

    it('escapes markup and keeps non-ASCII, quotes and carriage returns intact', () => {
      const hostile = `<job name="a&b"> ]]> 'q' é ☃ 😀 tab\there\r\nCRLF and lone\rCR`;
      const body = encodeMethodCall('scheduler.jobs.submit', [hostile]);
      assert.doesNotMatch(body, /<job name/);
      assert.deepEqual(parseMethodCall(body), { method: 'scheduler.jobs.submit', params: [hostile] });
    });

    it('refuses values XML-RPC cannot carry, naming where they are', () => {
      assert.throws(() => encodeMethodCall('m', [{ definition: 'bell\u0007' }]), (err: unknown) => {
        assert.ok(err instanceof XmlRpcEncodeError);
        assert.match(err.message, /params\[0\]\.definition contains character U\+0007/);
        return true;
      });
      assert.throws(() => encodeMethodCall('m', [NaN]), /params\[0\] is NaN/);
      assert.throws(() => encodeMethodCall('m', [new Map() as never]), /params\[0\] is a Map/);
      assert.throws(() => encodeMethodCall('m', [new Date('nope')]), /invalid Date/);
      assert.throws(() => encodeMethodCall('bad name', []), /method name 'bad name'/);
    });

    it('builds a methodCall lava-server can read', () => {
      const body = encodeMethodCall('scheduler.jobs.list', [null, 'Complete', 0, 25, 0, true]);
      assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?><methodCall><methodName>scheduler.jobs.list<\/methodName>/);
      assert.deepEqual(parseMethodCall(body).params, [null, 'Complete', 0, 25, 0, true]);
    });
  });

  describe('malformed input', () => {
    const cases: [string, string, RegExp][] = [
      ['an empty body', '', /empty document/],
      ['plain text', 'Bad Gateway', /expected a root element, found text/],
      ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>', /expected an XML-RPC <methodResponse>, found <html>/],
      ['a truncated body', '<methodResponse><params><param><value><string>half', /document ends inside <string>/],
      ['mismatched tags', '<methodResponse><params><param><value><int>1</value></param></params></methodResponse>', /closing tag <\/value> does not match <int>/],
      ['an unknown entity', response('<string>&nbsp;</string>'), /unknown entity &nbsp;/],
      ['a bare ampersand', response('<string>a & b</string>'), /'&' must start an entity reference/],
      ['a DOCTYPE', '<!DOCTYPE methodResponse [<!ENTITY x "y">]><methodResponse/>', /DOCTYPE declarations are not accepted/],
      ['an unknown type', response('<float>1</float>'), /unknown XML-RPC type <float>/],
      ['two values in one <value>', response('<int>1</int><int>2</int>'), /expected one <int>/],
      ['text next to a typed value', response('x<int>1</int>'), /unexpected text "x"/],
      ['no params', '<methodResponse></methodResponse>', /expected one <params>/],
      ['a struct member without a value', response('<struct><member><name>a</name></member></struct>'), /needs exactly one <name> and one <value>/],
      ['content after the root', response('<int>1</int>') + '<extra/>', /unexpected content after the root element/],
      ['a control character', response('<string>a\u0001</string>'), /character U\+0001 is not allowed/],
    ];
    for (const [what, body, message] of cases) {
      it(`reports ${what}`, () => {
        assert.throws(
          () => parseMethodResponse(body),
          (err: unknown) => err instanceof XmlRpcParseError && message.test(err.message),
        );
      });
    }

    it('says where in the document the problem is', () => {
      assert.throws(() => parseMethodResponse('<methodResponse>\n<params>\n<param>\n<value><int>1</value>'), /line 4, column 14: closing tag <\/value> does not match <int> \(opened at line 4, column 8\)/);
    });

    it('refuses a methodCall without a method name', () => {
      assert.throws(() => parseMethodCall('<methodCall><params/></methodCall>'), /must start with <methodName>/);
    });
  });
});
