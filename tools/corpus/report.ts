// Totals, the one-line summary and the progress bar of a corpus run.
import type { SpecResult, Status } from './spec.js';
import { unsupportedFeature } from './spec.js';

export interface Totals {
  files: number;
  capabilities: number;
  fragments: number;
  generated: number;
  generatedFully: number;
  generatedPartly: number;
  refused: number;
  typeErrors: number;
  crashed: number;
  smoke: {
    calls: number;
    passed: number;
    failed: number;
    mappedOutputs: number;
    specsWithFailures: number;
    /** Field-by-field differences from the intent oracle. */
    mismatches: number;
    /** Fully generated capabilities with at least one mismatch. */
    fullyGeneratedWithMismatches: number;
  };
  /** Intent-oracle mismatches by field and a normalised cause. */
  mismatchesByCause: Record<string, number>;
  /** Refusal diagnostics (severity error) by code. */
  refusalsByCode: Record<string, number>;
  /** Refused specs by the codes of their refusal, e.g. `nothing-to-generate`. */
  refusedSpecsByCode: Record<string, number>;
  warningsByCode: Record<string, number>;
  /** Skipped units by reason, over generated specs. */
  skippedByReason: Record<string, number>;
  skippedByUnit: Record<string, number>;
  /** Every `unsupported:` diagnostic (warnings and refusals), grouped by feature. */
  unsupportedByFeature: Record<string, number>;
  /** Failed smoke calls by their first reason, normalised. */
  smokeFailuresByCause: Record<string, number>;
  ms: number;
}

const bump = (o: Record<string, number>, k: string, n = 1) => {
  o[k] = (o[k] ?? 0) + n;
};

export function totals(results: SpecResult[], ms: number): Totals {
  const t: Totals = {
    files: results.length,
    capabilities: 0,
    fragments: 0,
    generated: 0,
    generatedFully: 0,
    generatedPartly: 0,
    refused: 0,
    typeErrors: 0,
    crashed: 0,
    smoke: {
      calls: 0,
      passed: 0,
      failed: 0,
      mappedOutputs: 0,
      specsWithFailures: 0,
      mismatches: 0,
      fullyGeneratedWithMismatches: 0,
    },
    mismatchesByCause: {},
    refusalsByCode: {},
    refusedSpecsByCode: {},
    warningsByCode: {},
    skippedByReason: {},
    skippedByUnit: {},
    unsupportedByFeature: {},
    smokeFailuresByCause: {},
    ms,
  };
  for (const r of results) {
    const count: Record<Status, () => void> = {
      fragment: () => t.fragments++,
      generated: () => (t.generated++, t.generatedFully++),
      'generated-partial': () => (t.generated++, t.generatedPartly++),
      refused: () => t.refused++,
      'type-error': () => t.typeErrors++,
      crashed: () => t.crashed++,
    };
    count[r.status]();
    if (r.status !== 'fragment') t.capabilities++;
    for (const d of r.refusals) bump(t.refusalsByCode, d.code);
    if (r.status === 'refused')
      for (const code of new Set(r.refusals.map((d) => d.code))) bump(t.refusedSpecsByCode, code);
    for (const d of r.warnings) bump(t.warningsByCode, d.code);
    for (const d of [...r.warnings, ...r.refusals])
      if (d.code === 'unsupported') bump(t.unsupportedByFeature, unsupportedFeature(d.message));
    for (const [k, v] of Object.entries(r.skipped)) bump(t.skippedByReason, k, v);
    for (const [k, v] of Object.entries(r.skippedUnits)) bump(t.skippedByUnit, k, v);
    if (r.smoke) {
      t.smoke.calls += r.smoke.calls;
      t.smoke.passed += r.smoke.passed;
      t.smoke.failed += r.smoke.failed;
      t.smoke.mappedOutputs += r.smoke.mappedOutputs;
      if (r.smoke.failed > 0) t.smoke.specsWithFailures++;
      for (const f of r.smoke.failures) bump(t.smokeFailuresByCause, `${f.kind}: ${cause(f.reason ?? '')}`);
      t.smoke.mismatches += r.smoke.mismatches ?? 0;
      if ((r.smoke.mismatches ?? 0) > 0 && r.status === 'generated') t.smoke.fullyGeneratedWithMismatches++;
      for (const m of r.smoke.baseUris ?? []) bump(t.mismatchesByCause, `baseUri: ${m.problem}`);
      // Mismatched calls are failures, or (when the run allows mismatches) passed calls kept apart.
      for (const f of [...r.smoke.failures, ...(r.smoke.mismatched ?? [])])
        for (const m of f.mismatches ?? []) bump(t.mismatchesByCause, `${m.field}: ${m.problem}`);
    }
  }
  return t;
}

/** A failure reason without the values that make each one unique. */
function cause(reason: string): string {
  return (reason.split('; ')[0] ?? '')
    .replace(/\b(GET|POST|PUT|PATCH|DELETE|HEAD)[: ]\/\S*/g, 'METHOD …')
    .replace(/\bfor tool \S+/g, 'for tool …')
    .replace(/(route|Method) '(\[[^\]]*\]|[^']*)'/g, "$1 '…'")
    .replace(/(REST status \d+): .*/, '$1')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\{[^}]*\}/g, '{…}')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

const n = (x: number) => x.toLocaleString('en-US');

export function summaryLine(t: Totals): string {
  return (
    `corpus: ${n(t.files)} files — ${n(t.capabilities)} capabilities, ${n(t.fragments)} fragments skipped; ` +
    `${n(t.generated)} generated (${n(t.generatedFully)} fully, ${n(t.generatedPartly)} partly), ${n(t.refused)} refused; ` +
    `${n(t.crashed)} crashed; ${n(t.typeErrors)} type errors; ` +
    `${n(t.smoke.passed)}/${n(t.smoke.calls)} smoke calls passed, ${n(t.smoke.mismatches)} mismatches ` +
    `in ${n(Math.round(t.ms / 1000))} s`
  );
}

/** A progress bar on stderr: redrawn in place on a terminal, a line every few percent otherwise. */
export class Progress {
  #done = 0;
  #generated = 0;
  #refused = 0;
  #crashed = 0;
  #typeErrors = 0;
  #failedCalls = 0;
  #lastDraw = 0;
  #lastPercent = -1;
  #doneWeight = 0;
  readonly #totalWeight: number;
  readonly #started = performance.now();
  readonly #tty: boolean;
  /**
   * `weights` estimates each file's cost (the runner starts with the largest files, so counting
   * files alone would make the ETA far too long at first).
   */
  constructor(
    readonly total: number,
    readonly stream: NodeJS.WriteStream = process.stderr,
    readonly enabled = true,
    readonly weights: Map<string, number> = new Map(),
  ) {
    this.#tty = stream.isTTY === true;
    this.#totalWeight = weights.size > 0 ? [...weights.values()].reduce((a, b) => a + b, 0) : total;
  }

  add(r: SpecResult): void {
    this.#done++;
    this.#doneWeight += this.weights.size > 0 ? (this.weights.get(r.file) ?? 0) : 1;
    if (r.status === 'generated' || r.status === 'generated-partial') this.#generated++;
    if (r.status === 'refused') this.#refused++;
    if (r.status === 'crashed') this.#crashed++;
    if (r.status === 'type-error') this.#typeErrors++;
    this.#failedCalls += r.smoke?.failed ?? 0;
    this.draw();
  }

  draw(force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    const percent = this.total === 0 ? 100 : Math.floor((this.#done / this.total) * 100);
    if (this.#tty) {
      if (!force && now - this.#lastDraw < 100 && this.#done < this.total) return;
    } else if (
      !force &&
      percent - this.#lastPercent < 5 &&
      now - this.#lastDraw < 30_000 &&
      this.#done < this.total
    ) {
      return;
    }
    this.#lastDraw = now;
    this.#lastPercent = percent;
    const width = 24;
    const filled = Math.round((percent / 100) * width);
    const elapsed = (now - this.#started) / 1000;
    const eta =
      this.#doneWeight === 0
        ? '?'
        : `${Math.round((elapsed / this.#doneWeight) * Math.max(0, this.#totalWeight - this.#doneWeight))} s`;
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.total} ` +
      `generated ${this.#generated}, refused ${this.#refused}, crashed ${this.#crashed}, type errors ${this.#typeErrors}, ` +
      `failed calls ${this.#failedCalls} · ${Math.round(elapsed)} s, ETA ${eta}`;
    this.stream.write(this.#tty ? `\r\x1b[K${line}` : `${line}\n`);
  }

  finish(): void {
    if (!this.enabled) return;
    if (this.#tty || this.#lastPercent !== 100) this.draw(true);
    if (this.#tty) this.stream.write('\n');
  }
}
