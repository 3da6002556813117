// How the CLI prints diagnostics: `text` for people (code frames, colour on a terminal, cascades
// collapsed), `json` for scripts, `sarif` (2.1.0) for code-scanning tools, `github` for workflow
// annotations. Machine formats keep every diagnostic, each with its `cause`; only `text` collapses.
import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Diagnostic, formatDiagnostic } from './diagnostics.js';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export interface Colours {
  error(s: string): string;
  warning(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Colours = { error: (s) => s, warning: (s) => s, dim: (s) => s, bold: (s) => s };
const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const coloured: Colours = {
  error: ansi(31, 39),
  warning: ansi(33, 39),
  dim: ansi(2, 22),
  bold: ansi(1, 22),
};

/**
 * Colour when the stream is a terminal, unless NO_COLOR is set to anything non-empty
 * (no-color.org); FORCE_COLOR (non-empty, not `0`) turns it on for a pipe.
 */
export function colours(isTTY: boolean | undefined, env: Record<string, string | undefined>): Colours {
  if (env.NO_COLOR) return plain;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return coloured;
  return isTTY ? coloured : plain;
}

/**
 * The text report of one spec. Consequences of one cause with the same code (every tool that calls
 * a namespace whose consumes entry was skipped) become one line that lists where they are.
 */
export function formatText(
  diagnostics: Diagnostic[],
  /** The spec's text, or every file read for it (problems in an imported file are framed there). */
  sources: string | Map<string, string> | undefined,
  c: Colours = plain,
): string[] {
  const textOf = (d: Diagnostic) => (typeof sources === 'object' ? sources.get(d.file) : sources);
  const out: string[] = [];
  const groups = new Map<string, Diagnostic[]>();
  const order: (Diagnostic | string)[] = [];
  for (const d of diagnostics) {
    if (!d.cause) {
      order.push(d);
      continue;
    }
    const key = `${d.cause.line}:${d.cause.col}|${d.code}|${d.severity}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    groups.get(key)!.push(d);
  }
  for (const item of order) {
    const group = typeof item === 'string' ? groups.get(item)! : [item];
    if (group.length === 1) {
      out.push(paint(formatDiagnostic(group[0]!, textOf(group[0]!)), group[0]!, c));
      continue;
    }
    const first = group[0]!;
    const kinds = new Map<string, number[]>();
    for (const d of group) {
      const kind = d.unit ?? 'unit';
      kinds.set(kind, [...(kinds.get(kind) ?? []), d.line]);
    }
    const parts = [...kinds].map(
      ([kind, lines]) =>
        `${lines.length} ${kind}${lines.length === 1 ? '' : 's'} (line${lines.length === 1 ? '' : 's'} ${lines.join(', ')})`,
    );
    const message = `because of the ${first.cause!.code} defect at line ${first.cause!.line}, ${group.length} units are skipped: ${parts.join(', ')}`;
    out.push(paint(formatDiagnostic({ ...first, message }, undefined), first, c));
  }
  return out;
}

function paint(text: string, d: Diagnostic, c: Colours): string {
  const [head, ...frame] = text.split('\n');
  const label = `${d.severity}[${d.code}]`;
  const at = head!.indexOf(`: ${label}: `);
  const painted =
    at < 0
      ? head!
      : `${c.bold(head!.slice(0, at))}: ${d.severity === 'error' ? c.error(label) : c.warning(label)}: ${head!.slice(at + label.length + 4)}`;
  return [painted, ...frame.map((l) => c.dim(l))].join('\n');
}

/** One JSON document for the whole run. */
export function formatJson(diagnostics: Diagnostic[]): string {
  return `${JSON.stringify({ diagnostics }, null, 2)}\n`;
}

/** GitHub Actions workflow commands: one annotation per diagnostic. */
export function formatGithub(diagnostics: Diagnostic[]): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return diagnostics
    .map(
      (d) =>
        `::${d.severity === 'note' ? 'notice' : d.severity} file=${property(d.file)},line=${d.line},col=${d.col},title=${property(`capgen ${d.code}`)}::${data(d.message)}\n`,
    )
    .join('');
}

/**
 * A SARIF 2.1.0 log with one run. File locations are relative to `root` (the working folder)
 * under the `%SRCROOT%` base, as code-scanning uploads expect; a consequence points at its cause
 * through `relatedLocations`.
 */
export function formatSarif(diagnostics: Diagnostic[], version: string, root: string): string {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const uri = (file: string) => {
    const rel = relative(root, file);
    const path = rel.startsWith('..') ? file : rel;
    return path.split(sep).map(encodeURIComponent).join('/');
  };
  const location = (file: string, line: number, col: number) => ({
    physicalLocation: {
      artifactLocation: { uri: uri(file), uriBaseId: '%SRCROOT%' },
      region: { startLine: Math.max(1, line), startColumn: Math.max(1, col) },
    },
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'capgen',
            version,
            rules: codes.map((id) => ({
              id,
              shortDescription: { text: `capgen diagnostic ${id} (see docs/dialect.md)` },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(root).href.replace(/\/?$/, '/')}` } },
        results: diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: codes.indexOf(d.code),
          level: d.severity,
          message: { text: d.message },
          locations: [location(d.file, d.line, d.col)],
          ...(d.cause
            ? {
                relatedLocations: [
                  {
                    id: 0,
                    message: { text: `caused by the ${d.cause.code} reported here` },
                    ...location(d.file, d.cause.line, d.cause.col),
                  },
                ],
              }
            : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
