// Text helpers shared by the tests that check where a diagnostic points.

/**
 * The 1-based number of the first line at or after line `from` that contains `pattern` (a
 * string) or matches it (a RegExp). Throws when no line does, so a test cannot pass on a
 * missing line.
 */
export function lineOf(text: string, pattern: string | RegExp, from = 1): number {
  const index = text
    .split('\n')
    .findIndex(
      (l, i) => i >= from - 1 && (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l)),
    );
  if (index < 0) throw new Error(`no line at or after line ${from} matches ${String(pattern)}`);
  return index + 1;
}

/**
 * Replaces the first match of `pattern` in a spec's text with what `replace` makes of the match's
 * groups, and throws when nothing matches, so a test cannot pass on an edit that did not happen
 * (a layout change to the seed once turned several plain `replace` calls into silent no-ops).
 */
export function edit(text: string, pattern: RegExp, replace: (...groups: string[]) => string): string {
  const match = pattern.exec(text);
  if (!match) throw new Error(`the spec no longer contains ${String(pattern)}`);
  const groups = match.slice(1).map((g) => g ?? '');
  return text.slice(0, match.index) + replace(...groups) + text.slice(match.index + match[0].length);
}

/** Dedents `text` and indents it by `n` spaces; blank lines stay blank. */
export function block(text: string, n: number): string {
  const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return '';
  const min = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return `${lines.map((l) => (l.trim() === '' ? '' : ' '.repeat(n) + l.slice(min))).join('\n')}\n`;
}
