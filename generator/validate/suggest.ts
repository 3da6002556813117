// "Did you mean": the closest known name to a misspelt one, when one is close enough to be a
// plausible typo. Names compare case-insensitively and with `-`, `_` and `.` ignored, so
// `listnotes` finds `list-notes` and `ListNotes`.

const normal = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, '');

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** How many edits still read as a typo of a name this long. */
function tolerance(length: number): number {
  if (length <= 3) return 1;
  if (length <= 8) return 2;
  return 3;
}

/**
 * The closest of `known` to `name`, or undefined when none is close. Exact matches are not
 * suggestions (the caller looks those up itself); a tie keeps the first candidate.
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const target = normal(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate === name) continue;
    const distance = editDistance(target, normal(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= tolerance(Math.min(target.length, normal(best).length)) ? best : undefined;
}

/** `; did you mean "x"?` or the empty string. */
export function didYouMean(name: string, known: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const match = closest(name, known);
  return match === undefined ? '' : `; did you mean ${quote(match)}?`;
}
