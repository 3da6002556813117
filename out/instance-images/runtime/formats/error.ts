// Copied from capgen 0.1.0 runtime/formats/error.ts. Do not edit: regenerate instead.
/** An upstream answer that does not parse as the format its operation declares. */
export class FormatError extends Error {
  override name = 'FormatError';
  constructor(
    readonly format: string,
    detail: string,
  ) {
    super(`the upstream answer is not valid ${format}: ${detail}`);
  }
}

export function failure(format: string, err: unknown): FormatError {
  if (err instanceof FormatError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  // Parser messages can quote the document; keep only the first line, bounded.
  return new FormatError(format, detail.split('\n', 1)[0]!.slice(0, 200));
}

/** Rows of cells under a header row, as objects keyed by header (missing cells are ""). */
export function rowsToObjects(headers: string[], rows: string[][]): Record<string, string>[] {
  return rows.map((row) => {
    const record: Record<string, string> = {};
    headers.forEach((header, i) => (record[header] = row[i] ?? ''));
    return record;
  });
}

/** Headers trimmed; a header row whose cells are all blank is no header at all. */
export function cleanHeaders(raw: string[]): string[] {
  const headers = raw.map((h) => h.trim());
  return headers.every((h) => h === '') ? [] : headers;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as UTF-8 text. A text format whose parser accepts anything (HTML, Markdown) has one
 * way to be malformed: bytes that are not UTF-8, which would otherwise become U+FFFD silently.
 */
export function utf8Text(format: string, raw: Buffer): string {
  try {
    return UTF8.decode(raw);
  } catch {
    throw new FormatError(format, 'the body is not UTF-8 text');
  }
}
