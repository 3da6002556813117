// HTML tables to `{tables: [[row, …], …]}`: each table with a header row becomes an array of row
// objects keyed by its header cells. `selector` (the operation's outputSchema) picks the tables,
// or the elements whose tables are taken, as the reference engine does.
import { type HTMLElement, parse } from 'node-html-parser';
import { cleanHeaders, failure, rowsToObjects, utf8Text } from './error.js';

const textOf = (el: HTMLElement) => el.text.replace(/\s+/g, ' ').trim();

function tablesOf(doc: HTMLElement, selector: string | undefined): HTMLElement[] {
  if (!selector?.trim()) return doc.querySelectorAll('table');
  return doc
    .querySelectorAll(selector)
    .flatMap((el) => (el.tagName === 'TABLE' ? [el] : el.querySelectorAll('table')));
}

function headersOf(table: HTMLElement): string[] {
  let cells = table.querySelectorAll('thead tr:first-child th');
  if (cells.length === 0) cells = table.querySelectorAll('tr:first-child th');
  return cleanHeaders(cells.map(textOf));
}

function rowsOf(table: HTMLElement): string[][] {
  let rows = table.querySelectorAll('tbody tr');
  if (rows.length === 0) rows = table.querySelectorAll('tr').slice(1);
  return rows
    .filter((row) => row.querySelectorAll('td').length > 0)
    .map((row) => row.querySelectorAll('td, th').map(textOf));
}

export function fromHtml(raw: Buffer, selector?: string): { tables: Record<string, string>[][] } {
  const text = utf8Text('HTML', raw);
  let doc: HTMLElement;
  try {
    doc = parse(text);
  } catch (err) {
    throw failure('HTML', err);
  }
  const tables: Record<string, string>[][] = [];
  let scoped: HTMLElement[];
  try {
    scoped = tablesOf(doc, selector);
  } catch (err) {
    throw failure('HTML', err);
  }
  for (const table of scoped) {
    const headers = headersOf(table);
    if (headers.length > 0) tables.push(rowsToObjects(headers, rowsOf(table)));
  }
  return { tables };
}
