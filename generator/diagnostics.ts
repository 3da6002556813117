// Every warning and refusal is reported as `file:line:col: severity[code]: message` followed by
// a short code frame. Nothing in the generator reports a stack trace for bad input.

/** A note tells something worth knowing that needs no fix; `--strict` does not refuse it. */
export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  severity: Severity;
  /** A stable, documented code (see docs/dialect.md), e.g. `call-unresolved`. */
  code: string;
  message: string;
  file: string;
  line: number;
  col: number;
}

/** A refusal: generation of this spec stops and nothing is written. */
export class SpecError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    this.name = 'SpecError';
  }
}

/** Renders one diagnostic with up to two lines of context and a caret under the column. */
export function formatDiagnostic(d: Diagnostic, sourceText?: string): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity}[${d.code}]: ${d.message}`;
  if (sourceText === undefined || d.line < 1) return head;
  const lines = sourceText.split(/\r?\n/);
  if (d.line > lines.length) return head;
  const first = Math.max(1, d.line - 1);
  const width = String(d.line).length;
  const frame: string[] = [];
  for (let n = first; n <= d.line; n++) {
    frame.push(`${n === d.line ? '>' : ' '} ${String(n).padStart(width)} | ${clip(lines[n - 1] ?? '')}`);
  }
  frame.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, Math.min(d.col - 1, 120)))}^`);
  return `${head}\n${frame.join('\n')}`;
}

function clip(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

type Locator = (path: readonly (string | number)[], at?: 'key' | 'value') => { line: number; col: number };

/**
 * Collects diagnostics for one spec. Under `--strict` every warning is raised as an error, so a
 * spec that needs any tolerance is refused.
 */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly file: string,
    private readonly locate: Locator,
    readonly strict: boolean,
  ) {}

  warn(code: string, message: string, path: readonly (string | number)[], at?: 'key' | 'value'): void {
    this.add(this.strict ? 'error' : 'warning', code, message, path, at);
  }

  note(code: string, message: string, path: readonly (string | number)[], at?: 'key' | 'value'): void {
    this.add('note', code, message, path, at);
  }

  /** A diagnostic located in another file (an OpenAPI document); `--strict` escalates warnings. */
  external(d: Diagnostic): void {
    this.diagnostics.push(d.severity === 'warning' && this.strict ? { ...d, severity: 'error' } : d);
  }

  error(code: string, message: string, path: readonly (string | number)[], at?: 'key' | 'value'): void {
    this.add('error', code, message, path, at);
  }

  /** The spec position of `path`, for IR origins. */
  position(path: readonly (string | number)[]): { line: number; col: number } {
    return this.locate(path);
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  /** Throws the refusal if any error was reported. */
  throwIfFailed(): void {
    if (this.failed) throw new SpecError(this.sorted());
  }

  sorted(): Diagnostic[] {
    return [...this.diagnostics].sort((a, b) => a.line - b.line || a.col - b.col);
  }

  private add(
    severity: Severity,
    code: string,
    message: string,
    path: readonly (string | number)[],
    at?: 'key' | 'value',
  ): void {
    const { line, col } = this.locate(path, at);
    const duplicate = this.diagnostics.some((d) => d.line === line && d.col === col && d.message === message);
    if (!duplicate) this.diagnostics.push({ severity, code, message, file: this.file, line, col });
  }
}
