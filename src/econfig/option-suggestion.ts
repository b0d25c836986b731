// "Did you mean --max-batch?" for a mistyped long option: the nearest known
// option by edit distance, shared by the listener options (econfig and
// `sippy_routed -e N ...`) and the commands' own parsers (src/cli/args.ts).
// Here, in econfig, because econfig imports nothing of ours and cli may
// import econfig: one function for both.

/**
 * Edits a typo may take and still get a suggestion: one for short names,
 * two from five letters on. More would suggest unrelated options
 * (`--verbose` is not a typo of anything).
 */
function maxEdits(name: string): number {
  return name.length >= 5 ? 2 : 1;
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two neighbours (`--max-bacth`) each count one.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known long option nearest to `given` (both `--name`), or undefined when
 * none is within the edits a typo takes; the first in `known`'s order wins a tie.
 */
export function nearestOption(given: string, known: Iterable<string>): string | undefined {
  const name = given.replace(/^--/, '');
  let best: { option: string; distance: number } | undefined;
  for (const option of known) {
    const distance = editDistance(name, option.replace(/^--/, ''));
    if (distance <= maxEdits(name) && (best === undefined || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

/** ` (did you mean --max-batch?)`, or '' when no known option is near. */
export function didYouMean(given: string, known: Iterable<string>): string {
  const option = nearestOption(given, known);
  return option === undefined ? '' : ` (did you mean ${option}?)`;
}
