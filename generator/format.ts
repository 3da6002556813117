// Stage 5: format every emitted file with one pinned prettier config, so the output does not
// depend on the user's machine or editor settings. Formatting runs in a worker thread, so the
// type-check (verify.ts) can run at the same time on the main thread.
//
// Prettier is loaded as its standalone build with only the two plugins TypeScript needs, and
// parsed with babel-ts: it prints the same code as the `typescript` parser (test/format.test.ts
// compares them on the seed) in about three quarters of the time, and loads a 0.4 MB plugin
// instead of 3 MB.
import { Worker } from 'node:worker_threads';

export const PRETTIER_CONFIG = {
  printWidth: 110,
  singleQuote: true,
  trailingComma: 'all',
  semi: true,
  endOfLine: 'lf',
} as const;

/** The parser and the plugins (under prettier/plugins/) it needs, by file extension. */
const PARSERS: Record<string, { parser: string; plugins: string[] }> = {
  // JSON is written by JSON.stringify and Markdown by its template, already in their final form;
  // only TypeScript goes through prettier.
  '.ts': { parser: 'babel-ts', plugins: ['estree', 'babel'] },
};

const parserOf = (name: string) => PARSERS[name.slice(name.lastIndexOf('.'))];

export async function formatFile(name: string, text: string): Promise<string> {
  const how = parserOf(name);
  if (!how) return text;
  const [{ format }, ...plugins] = await Promise.all([
    import('prettier/standalone'),
    ...how.plugins.map((p) => import(`prettier/plugins/${p}`) as Promise<object>),
  ]);
  return format(text, { ...PRETTIER_CONFIG, parser: how.parser, plugins });
}

/** Formats all files in a worker thread; resolves to the same names, in the same order. */
export function formatFiles(files: [string, string][]): Promise<[string, string][]> {
  const jobs = files.flatMap(([name, text]) => {
    const how = parserOf(name);
    return how ? [[name, text, how.parser, how.plugins]] : [];
  });
  if (jobs.length === 0) return Promise.resolve(files);
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
