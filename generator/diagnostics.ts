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
  /** For a problem inside an imported file: the import that brought it in. */
  via?: { file: string; line: number; col: number };
  /**
   * Set when this defect follows from another one (a call to a namespace that was skipped): where
   * that cause was reported. Causes are listed before their consequences.
   */
  cause?: { line: number; col: number; code: string };
  /** On a consequence, the kind of unit it skips ("tool", "REST operation"), for collapsing. */
  unit?: string;
}

/** How a diagnostic relates to others (see Reporter.warn). */
export interface Relation {
  /** This diagnostic explains why the unit with this key (see validate/units.ts) is skipped. */
  explains?: string;
  /** This diagnostic follows from whatever explains the unit with this key (or a unit containing it). */
  after?: string;
  /** The kind of unit a consequence skips. */
  unit?: string;
  /** A conclusion drawn from everything above (`nothing-to-generate`): listed last. */
  last?: boolean;
}

/** A refusal: generation of this spec stops and nothing is written. */
export class SpecError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    this.name = 'SpecError';
  }
}

// The last source split into lines: a spec with thousands of warnings is split once, not once
// per warning (which made reporting quadratic in the spec's size).
let split: { text: string; lines: string[] } | undefined;

function linesOf(text: string): string[] {
  if (split?.text !== text) split = { text, lines: text.split(/\r?\n/) };
  return split.lines;
}

/** Renders one diagnostic with up to two lines of context and a caret under the column. */
export function formatDiagnostic(d: Diagnostic, sourceText?: string): string {
  const via = d.via ? `\n  (imported at ${d.via.file}:${d.via.line}:${d.via.col})` : '';
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity}[${d.code}]: ${d.message}${via}`;
  if (sourceText === undefined || d.line < 1) return head;
  const lines = linesOf(sourceText);
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

type Locator = (
  path: readonly (string | number)[],
  at?: 'key' | 'value',
) => { line: number; col: number; file?: string; via?: { file: string; line: number; col: number } };

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

  private readonly explained = new Map<string, Diagnostic>();
  private readonly relations = new Map<Diagnostic, Relation>();

  warn(
    code: string,
    message: string,
    path: readonly (string | number)[],
    at?: 'key' | 'value',
    relation?: Relation,
  ): void {
    this.add(this.strict ? 'error' : 'warning', code, message, path, at, relation);
  }

  note(code: string, message: string, path: readonly (string | number)[], at?: 'key' | 'value'): void {
    this.add('note', code, message, path, at);
  }

  /** A diagnostic located in another file (an OpenAPI document); `--strict` escalates warnings. */
  external(d: Diagnostic): void {
    this.diagnostics.push(d.severity === 'warning' && this.strict ? { ...d, severity: 'error' } : d);
  }

  error(
    code: string,
    message: string,
    path: readonly (string | number)[],
    at?: 'key' | 'value',
    relation?: Relation,
  ): void {
    this.add('error', code, message, path, at, relation);
  }

  /** Where the reason the unit `key` (or a unit containing it) is skipped was reported. */
  explanation(key: string): Diagnostic | undefined {
    const parts = key.split('/');
    for (let n = parts.length; n >= 2; n -= 2) {
      const found = this.explained.get(parts.slice(0, n).join('/'));
      if (found) return found;
    }
    return undefined;
  }

  /** The spec position of `path`, for IR origins. */
  position(path: readonly (string | number)[]): { line: number; col: number } {
    const { line, col } = this.locate(path);
    return { line, col };
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  /** Throws the refusal if any error was reported. */
  throwIfFailed(): void {
    if (this.failed) throw new SpecError(this.sorted());
  }

  /**
   * By position, except that a consequence follows its cause (and the consequences of that
   * consequence follow it), and conclusions come last: the first line to read is the one to fix.
   */
  sorted(): Diagnostic[] {
    // Problems in an imported file sort at the import line, in their own file's order.
    const key = (d: Diagnostic) => [d.via?.line ?? d.line, d.via ? 1 : 0, d.line, d.col];
    const byPosition = (a: Diagnostic, b: Diagnostic) => {
      const [x, y] = [key(a), key(b)];
      return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || x[3]! - y[3]!;
    };
    const causeOf = new Map<Diagnostic, Diagnostic>();
    for (const d of this.diagnostics) {
      const after = this.relations.get(d)?.after;
      const cause = after === undefined ? undefined : this.explanation(after);
      if (cause && cause !== d) causeOf.set(d, cause);
    }
    const children = new Map<Diagnostic, Diagnostic[]>();
    for (const [d, cause] of causeOf) children.set(cause, [...(children.get(cause) ?? []), d]);
    const out: Diagnostic[] = [];
    const placed = new Set<Diagnostic>();
    const place = (d: Diagnostic) => {
      if (placed.has(d)) return;
      placed.add(d);
      const cause = causeOf.get(d);
      const unit = this.relations.get(d)?.unit;
      out.push({
        ...d,
        ...(cause ? { cause: { line: cause.line, col: cause.col, code: cause.code } } : {}),
        ...(cause && unit ? { unit } : {}),
      });
      for (const child of (children.get(d) ?? []).sort(byPosition)) place(child);
    };
    const last = (d: Diagnostic) => this.relations.get(d)?.last === true;
    const roots = this.diagnostics.filter((d) => !causeOf.has(d) && !last(d)).sort(byPosition);
    for (const d of roots) place(d);
    // A cycle of causes (not expected) still lists every diagnostic.
    for (const d of [...this.diagnostics].sort(byPosition)) if (!last(d)) place(d);
    for (const d of this.diagnostics.filter(last).sort(byPosition)) place(d);
    return out;
  }

  private add(
    severity: Severity,
    code: string,
    message: string,
    path: readonly (string | number)[],
    at?: 'key' | 'value',
    relation?: Relation,
  ): void {
    const { line, col, file = this.file, via } = this.locate(path, at);
    let d = this.diagnostics.find(
      (d) => d.file === file && d.line === line && d.col === col && d.message === message,
    );
    if (!d) {
      d = { severity, code, message, file, line, col, ...(via ? { via } : {}) };
      this.diagnostics.push(d);
      if (relation) this.relations.set(d, relation);
    }
    if (relation?.explains !== undefined && !this.explained.has(relation.explains))
      this.explained.set(relation.explains, d);
  }
}
