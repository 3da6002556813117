// Stage 5: format every emitted file with one pinned prettier config, so the output does not
// depend on the user's machine or editor settings. Formatting runs in a worker thread, so the
// type-check (verify.ts) can run at the same time on the main thread.
import { Worker } from 'node:worker_threads';
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

const parserOf = (name: string) => PARSERS[name.slice(name.lastIndexOf('.'))];

export async function formatFile(name: string, text: string): Promise<string> {
  const parser = parserOf(name);
  if (!parser) return text;
  return format(text, { ...PRETTIER_CONFIG, parser });
}

/** Formats all files in a worker thread; resolves to the same names, in the same order. */
export function formatFiles(files: [string, string][]): Promise<[string, string][]> {
  const jobs = files.flatMap(([name, text]) => {
    const parser = parserOf(name);
    return parser ? [[name, text, parser]] : [];
  });
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./format-worker.mjs', import.meta.url), {
      workerData: { files: jobs, config: PRETTIER_CONFIG },
    });
    worker.once('message', (formatted: [string, string][]) => {
      const byName = new Map(formatted);
      resolve(files.map(([name, text]) => [name, byName.get(name) ?? text]));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
