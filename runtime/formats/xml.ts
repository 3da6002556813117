// XML to a JSON tree, read the way the reference engine's Jackson XmlMapper reads it: the root
// element's content is the value; attributes and child elements are fields; repeated siblings
// become an array; text stays a string; text beside attributes or children is under "".
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { failure, FormatError } from './error.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '',
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export function fromXml(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new FormatError('XML', `${valid.err.msg} (line ${valid.err.line})`);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw failure('XML', err);
  }
  const roots = Object.keys(doc);
  if (roots.length !== 1) throw new FormatError('XML', 'expected exactly one root element');
  return doc[roots[0]!];
}
