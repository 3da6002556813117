// The upstream format converters (runtime/formats/), on real documents of each format: the JSON
// tree each gives is the one the reference engine's converter gives for the same document.
import { describe, expect, it } from 'vitest';
import { avroDecoder } from '../../runtime/formats/avro.js';
import { fromDelimited } from '../../runtime/formats/delimited.js';
import { FormatError } from '../../runtime/formats/error.js';
import { fromHtml } from '../../runtime/formats/html.js';
import { fromMarkdown } from '../../runtime/formats/markdown.js';
import { protobufDecoder } from '../../runtime/formats/protobuf.js';
import { fromXml } from '../../runtime/formats/xml.js';
import { fromYaml } from '../../runtime/formats/yaml.js';

const buf = (s: string) => Buffer.from(s, 'utf8');

describe('XML', () => {
  it('drops the root element, repeats siblings as an array, keeps text as strings', () => {
    const doc = `<?xml version="1.0" encoding="UTF-8"?>
      <vessels>
        <vessel><vesselCode>LEGACY-4012</vesselCode><vesselName>Old Faithful</vesselName><tonnage>1200</tonnage></vessel>
        <vessel><vesselCode>LEGACY-2087</vesselCode><vesselName>Sea &amp; Sky</vesselName><tonnage>800</tonnage></vessel>
      </vessels>`;
    expect(fromXml(buf(doc))).toEqual({
      vessel: [
        { vesselCode: 'LEGACY-4012', vesselName: 'Old Faithful', tonnage: '1200' },
        { vesselCode: 'LEGACY-2087', vesselName: 'Sea & Sky', tonnage: '800' },
      ],
    });
  });

  it('reads attributes as fields, text beside them under "", and one child as an object', () => {
    expect(fromXml(buf('<r><item id="7" kind="a">hello</item><empty/></r>'))).toEqual({
      item: { id: '7', kind: 'a', '': 'hello' },
      empty: '',
    });
  });

  it('refuses a malformed document with a FormatError naming XML', () => {
    expect(() => fromXml(buf('<a><b></a>'))).toThrow(FormatError);
    expect(() => fromXml(buf('<a><b></a>'))).toThrow(/not valid XML/);
    expect(() => fromXml(buf('not xml at all'))).toThrow(/XML/);
  });

  it('does not expand a billion-laughs entity bomb', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><l>&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;</l>`;
    let out: unknown;
    try {
      out = fromXml(buf(bomb));
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
      return;
    }
    expect(JSON.stringify(out).length).toBeLessThan(100_000);
  });
});

describe('CSV, TSV and PSV', () => {
  it('gives one object per row keyed by the header, values as strings', () => {
    const csv = 'id,name,price\n1,"Widget, large",9.50\n2,Gadget,12\n';
    expect(fromDelimited(buf(csv), ',')).toEqual([
      { id: '1', name: 'Widget, large', price: '9.50' },
      { id: '2', name: 'Gadget', price: '12' },
    ]);
    expect(fromDelimited(buf('a\tb\nx\ty\n'), '\t')).toEqual([{ a: 'x', b: 'y' }]);
    expect(fromDelimited(buf('a|b\nx|y\n'), '|')).toEqual([{ a: 'x', b: 'y' }]);
  });

  it('fills a short row with empty strings, strips a BOM, and reads an empty body as []', () => {
    expect(fromDelimited(buf('\ufeffa,b,c\n1\n'), ',')).toEqual([{ a: '1', b: '', c: '' }]);
    expect(fromDelimited(buf(''), ',')).toEqual([]);
  });

  it('refuses an unterminated quote naming the format', () => {
    expect(() => fromDelimited(buf('a,b\n"x,y\n'), ',')).toThrow(/not valid CSV/);
  });
});

describe('YAML', () => {
  it('reads a document as JSON', () => {
    expect(fromYaml(buf('items:\n  - id: 1\n    tags: [a, b]\n  - id: 2\n'))).toEqual({
      items: [{ id: 1, tags: ['a', 'b'] }, { id: 2 }],
    });
  });

  it('refuses malformed YAML and an alias bomb naming the format', () => {
    expect(() => fromYaml(buf('a: [1, 2\nb: }'))).toThrow(/not valid YAML/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${'bcdefghij'[i - 1]}: &${'bcdefghij'[i - 1]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(', ')}]`,
      );
    expect(() => fromYaml(buf(bomb.join('\n')))).toThrow(/not valid YAML/);
  });
});

describe('HTML', () => {
  const page = `<html><body>
    <table class="products"><thead><tr><th>Name</th><th>Price</th><th>Stock</th></tr></thead>
      <tbody><tr><td>Widget <b>XL</b></td><td>9.50</td><td>12</td></tr><tr><td>Gadget</td><td>3</td></tr></tbody></table>
    <div id="other"><table><tr><th>k</th></tr><tr><td>v</td></tr></table></div>
  </body></html>`;

  it('gives every table with a header row as row objects, text whitespace folded', () => {
    expect(fromHtml(buf(page))).toEqual({
      tables: [
        [
          { Name: 'Widget XL', Price: '9.50', Stock: '12' },
          { Name: 'Gadget', Price: '3', Stock: '' },
        ],
        [{ k: 'v' }],
      ],
    });
  });

  it('takes only the tables the selector names, or the tables inside the elements it names', () => {
    expect(fromHtml(buf(page), 'table.products').tables).toHaveLength(1);
    expect(fromHtml(buf(page), '#other').tables).toEqual([[{ k: 'v' }]]);
    expect(fromHtml(buf(page), '.nothing').tables).toEqual([]);
  });
});

describe('Markdown', () => {
  it('gives the front matter, the tables and each section as plain text', () => {
    const md = [
      '---',
      'title: Fleet report',
      'version: 2',
      '---',
      '# Overview',
      'The fleet has **three** ships. See [the registry](https://example.test).',
      '',
      '| Ship | Status |',
      '| --- | --- |',
      '| Aurora | active |',
      '| Boreal | laid_up |',
      '',
      '## Notes',
      '![logo](logo.png)Checked _weekly_.',
    ].join('\n');
    expect(fromMarkdown(buf(md))).toEqual({
      frontMatter: { title: 'Fleet report', version: 2 },
      tables: [
        [
          { Ship: 'Aurora', Status: 'active' },
          { Ship: 'Boreal', Status: 'laid_up' },
        ],
      ],
      sections: [
        { heading: 'Overview', level: 1, content: 'The fleet has three ships. See the registry.' },
        { heading: 'Notes', level: 2, content: 'Checked weekly.' },
      ],
    });
  });

  it('reads a document with no front matter and no headings as empty parts', () => {
    expect(fromMarkdown(buf('just text'))).toEqual({ frontMatter: {}, tables: [], sections: [] });
  });
});

describe('Avro', () => {
  const schema = {
    type: 'record',
    name: 'Records',
    fields: [
      {
        name: 'records',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Rec',
            fields: [
              { name: 'id', type: 'string' },
              { name: 'count', type: 'int' },
            ],
          },
        },
      },
    ],
  };
  // Written by hand from the Avro binary encoding: an array block of 1 item (zigzag 1 = 0x02),
  // id "ab" (length 2 = 0x04, 'a', 'b'), count 3 (zigzag 6 = 0x06), then the end block 0x00.
  const datum = Buffer.from([0x02, 0x04, 0x61, 0x62, 0x06, 0x00]);

  it('decodes one binary datum with the schema', () => {
    expect(avroDecoder(schema)(datum)).toEqual({ records: [{ id: 'ab', count: 3 }] });
  });

  it('refuses a truncated datum naming the format', () => {
    expect(() => avroDecoder(schema)(datum.subarray(0, 3))).toThrow(/not valid Avro/);
  });
});

describe('Protobuf', () => {
  const proto = `syntax = "proto3";
    package test;
    message RecordList { repeated Record records = 1; }
    message Record { string id = 1; int32 count = 2; }`;
  // Written by hand from the wire format: field 1 (records), length-delimited (0x0a), length 6,
  // holding field 1 string "ab" (0x0a 0x02 'a' 'b') and field 2 varint 3 (0x10 0x03).
  const message = Buffer.from([0x0a, 0x06, 0x0a, 0x02, 0x61, 0x62, 0x10, 0x03]);

  it('decodes one message as the first message type of the schema', () => {
    expect(protobufDecoder(proto)(message)).toEqual({ records: [{ id: 'ab', count: 3 }] });
  });

  it('refuses a truncated message naming the format, and a schema with no message', () => {
    expect(() => protobufDecoder(proto)(message.subarray(0, 4))).toThrow(/not valid Protobuf/);
    expect(() => protobufDecoder('syntax = "proto3";')).toThrow(/no message/);
  });
});
