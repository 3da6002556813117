// Stage 5: format every emitted file in-process with one pinned prettier config, so the output
// does not depend on the user's machine or editor settings.
import { format } from 'prettier';

export const PRETTIER_CONFIG = {
  printWidth: 110,
  singleQuote: true,
  trailingComma: 'all',
  semi: true,
  endOfLine: 'lf',
} as const;

// JSON is written by JSON.stringify and Markdown by its template, already in their final form;
// only TypeScript goes through prettier.
const PARSERS: Record<string, string> = { '.ts': 'typescript' };

export async function formatFile(name: string, text: string): Promise<string> {
  const parser = PARSERS[name.slice(name.lastIndexOf('.'))];
  if (!parser) return text;
  return format(text, { ...PRETTIER_CONFIG, parser });
}
