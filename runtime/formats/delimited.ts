// CSV, TSV and PSV to an array of row objects keyed by the header row, all values strings, as
// the reference engine reads them.
import { parse } from 'csv-parse/sync';
import { cleanHeaders, failure, rowsToObjects } from './error.js';

const NAMES: Record<string, string> = { ',': 'CSV', '\t': 'TSV', '|': 'PSV' };

export function fromDelimited(raw: Buffer, separator: ',' | '\t' | '|'): Record<string, string>[] {
  let rows: string[][];
  try {
    rows = parse(raw, {
      delimiter: separator,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (err) {
    throw failure(NAMES[separator]!, err);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  const headers = cleanHeaders(header);
  return headers.length === 0 ? [] : rowsToObjects(headers, body);
}
