// Markdown to `{frontMatter, tables, sections}`, the shape the reference engine gives: the YAML
// front matter as an object, each table (header row plus rows) as row objects, and each heading
// with its level and the plain text under it (tables left out of the text).
import { Lexer, type Token, type Tokens } from 'marked';
import { parse as parseYaml } from 'yaml';
import { cleanHeaders, failure, FormatError, rowsToObjects, utf8Text } from './error.js';

export interface MarkdownDocument {
  frontMatter: Record<string, unknown>;
  tables: Record<string, string>[][];
  sections: { heading: string; level: number; content: string }[];
}

function splitFrontMatter(text: string): [Record<string, unknown>, string] {
  if (!text.startsWith('---\n')) return [{}, text];
  const end = text.indexOf('\n---\n', 4);
  if (end < 0) return [{}, text];
  let parsed: unknown;
  try {
    parsed = parseYaml(text.slice(4, end), { maxAliasCount: 100 });
  } catch (err) {
    throw failure('Markdown front matter', err);
  }
  const frontMatter =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  return [frontMatter, text.slice(end + 5)];
}

/** The readable text of inline tokens: link text kept, images and markup dropped. */
function plain(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  return tokens
    .map((token) => {
      if (token.type === 'image') return '';
      if ('tokens' in token && token.tokens) return plain(token.tokens);
      if (token.type === 'br') return '\n';
      return 'text' in token ? String(token.text) : '';
    })
    .join('');
}

function blockText(token: Token): string {
  switch (token.type) {
    case 'space':
    case 'hr':
    case 'table':
    case 'html':
      return '';
    case 'code':
      return (token as Tokens.Code).text;
    case 'list':
      return (token as Tokens.List).items.map((item) => plain(item.tokens)).join('\n');
    default:
      return 'tokens' in token && token.tokens
        ? plain(token.tokens)
        : 'text' in token
          ? String(token.text)
          : '';
  }
}

export function fromMarkdown(raw: Buffer): MarkdownDocument {
  const [frontMatter, body] = splitFrontMatter(utf8Text('Markdown', raw).replace(/\r\n/g, '\n'));
  let tokens: Token[];
  try {
    tokens = new Lexer({ gfm: true }).lex(body);
  } catch (err) {
    throw err instanceof FormatError ? err : failure('Markdown', err);
  }
  const tables: Record<string, string>[][] = [];
  const sections: MarkdownDocument['sections'] = [];
  let current: { heading: string; level: number; parts: string[] } | undefined;
  const close = () => {
    if (!current) return;
    const content = current.parts
      .filter((p) => p !== '')
      .join('\n\n')
      .trim();
    sections.push({ heading: current.heading, level: current.level, content });
  };
  for (const token of tokens) {
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      const headers = cleanHeaders(table.header.map((cell) => plain(cell.tokens)));
      if (headers.length > 0)
        tables.push(
          rowsToObjects(
            headers,
            table.rows.map((row) => row.map((cell) => plain(cell.tokens))),
          ),
        );
    } else if (token.type === 'heading') {
      close();
      const heading = token as Tokens.Heading;
      current = { heading: plain(heading.tokens).trim(), level: heading.depth, parts: [] };
    } else if (current) {
      current.parts.push(blockText(token).trim());
    }
  }
  close();
  return { frontMatter, tables, sections };
}
