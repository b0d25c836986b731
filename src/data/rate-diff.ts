// The diff an import prints before it writes anything (rates.md, "The
// diff"): counts, the ten largest increases and decreases, and warnings,
// gathered prefix by prefix from the plans (rate-plan.ts). Bounded: a
// million-row deck keeps counts, ten rows each way, and the first examples
// of each warning, never a list per row. Pure.

import { datetimeText, type DeckError } from './deck-values.js';
import { compareAmounts, direction, type Change, type PrefixPlan, type Rate, type RateField } from './rate-plan.js';

/** Rows in each of the largest increases and decreases. */
export const LARGEST_CHANGES = 10;
/** Examples kept of each warning kind (the lowest lines); the count covers all. */
export const WARNING_EXAMPLES = 20;
/** A change this many times up or down is warned about. */
export const JUMP_FACTOR = 10;

export interface DiffCounts {
  new: number;
  increased: number;
  decreased: number;
  unchanged: number;
  removed: number;
  forbidden: number;
  /** Rows dated at or after their E deleted: scheduled rates the deck replaces. */
  replaced: number;
}

export interface PriceChange {
  readonly prefix: string;
  readonly description: string | null;
  readonly line: number;
  readonly effective: number;
  readonly old: Rate;
  readonly new: Rate;
  /** new ÷ old of the first price that changed; Infinity from 0; null when only intervals changed. */
  readonly ratio: number | null;
}

export type WarningKind = 'notice' | 'zero' | 'jump' | 'duplicate';

export interface DeckWarning {
  readonly kind: WarningKind;
  readonly line: number;
  readonly prefix: string;
  readonly message: string;
}

/** The rows the write changes: what the counts mean in rows. */
export interface DiffWrites {
  inserted: number;
  expired: number;
  deleted: number;
}

export interface Diff {
  readonly counts: DiffCounts;
  readonly writes: DiffWrites;
  readonly increases: readonly PriceChange[];
  readonly decreases: readonly PriceChange[];
  /** Per kind: how many, and the examples of the lowest lines. */
  readonly warnings: Readonly<Record<WarningKind, { readonly count: number; readonly examples: readonly DeckWarning[] }>>;
  /** Rows that give another rate for a prefix and date than an earlier row (rates.md: an error). */
  readonly conflicts: { readonly count: number; readonly first: readonly DeckError[] };
}

export interface DiffOptions {
  /** The import's start, epoch ms. */
  readonly now: number;
  /** --notice: an increase effective sooner than this is warned about. */
  readonly noticeDays: number;
  /** The column of a rate field in the deck, for conflicts. */
  readonly columnOf: (field: RateField) => number;
  /** Errors kept (the lowest lines). */
  readonly maxErrors: number;
}

/** Keeps the `size` items that come first in `order`. */
class Lowest<T> {
  readonly items: T[] = [];
  count = 0;

  constructor(private readonly size: number, private readonly order: (a: T, b: T) => number) {}

  add(item: T): void {
    this.count++;
    if (this.items.length === this.size && this.order(item, this.items[this.size - 1]!) >= 0) return;
    this.items.push(item);
    this.items.sort(this.order);
    if (this.items.length > this.size) this.items.pop();
  }
}

const DAY_MS = 86_400_000;
/** A price of 0 as a rate holds it (canonical DECIMAL(16,6) text). */
const ZERO = '0.000000';
const byLine = (a: { line: number }, b: { line: number }): number => a.line - b.line;

/** Ratio for ordering: null (intervals only) counts as no change. */
const rank = (c: PriceChange): number => c.ratio ?? 1;
const spread = (c: PriceChange): number => Math.abs(Number(c.new.price1) - Number(c.old.price1));

export class DiffCollector {
  private readonly counts: DiffCounts = { new: 0, increased: 0, decreased: 0, unchanged: 0, removed: 0, forbidden: 0, replaced: 0 };
  private readonly writes: DiffWrites = { inserted: 0, expired: 0, deleted: 0 };
  private readonly increases = new Lowest<PriceChange>(LARGEST_CHANGES, (a, b) => rank(b) - rank(a) || spread(b) - spread(a) || a.line - b.line);
  private readonly decreases = new Lowest<PriceChange>(LARGEST_CHANGES, (a, b) => rank(a) - rank(b) || spread(b) - spread(a) || a.line - b.line);
  private readonly warnings: Record<WarningKind, Lowest<DeckWarning>> = {
    notice: new Lowest<DeckWarning>(WARNING_EXAMPLES, byLine),
    zero: new Lowest<DeckWarning>(WARNING_EXAMPLES, byLine),
    jump: new Lowest<DeckWarning>(WARNING_EXAMPLES, byLine),
    duplicate: new Lowest<DeckWarning>(WARNING_EXAMPLES, byLine),
  };
  private readonly conflicts: Lowest<DeckError>;

  constructor(private readonly options: DiffOptions) {
    this.conflicts = new Lowest<DeckError>(options.maxErrors, byLine);
  }

  add(plan: PrefixPlan): void {
    for (const change of plan.changes) this.change(change);
    this.counts.replaced += plan.remove.length;
    this.writes.inserted += plan.inserts.length;
    this.writes.expired += plan.expire.length;
    this.writes.deleted += plan.remove.length;
    for (const d of plan.duplicates) {
      const prefix = plan.changes[0]?.prefix ?? '';
      this.warnings.duplicate.add({ kind: 'duplicate', line: d.line, prefix, message: `prefix ${prefix} repeats line ${d.first} with the same rate and date (kept once)` });
    }
    for (const c of plan.conflicts) {
      this.conflicts.add({ line: c.line, column: this.options.columnOf(c.field), problem: `prefix ${plan.changes[0]?.prefix ?? ''} has another ${c.field === 'price_1' ? 'rate' : c.field} for the same date on line ${c.first}` });
    }
  }

  result(): Diff {
    const warnings = Object.fromEntries(
      Object.entries(this.warnings).map(([kind, list]) => [kind, { count: list.count, examples: [...list.items] }]),
    ) as unknown as Diff['warnings'];
    return {
      counts: { ...this.counts },
      writes: { ...this.writes },
      increases: [...this.increases.items],
      decreases: [...this.decreases.items],
      warnings,
      conflicts: { count: this.conflicts.count, first: [...this.conflicts.items] },
    };
  }

  private change(change: Change): void {
    this.counts[change.kind]++;
    const next = change.new;
    const written = change.kind === 'new' || change.kind === 'increased' || change.kind === 'decreased';
    if (written && next !== null && (next.price1 === ZERO || next.priceN === ZERO)) {
      this.warn('zero', change, `prefix ${change.prefix} gets a price of 0 (${next.price1}/${next.priceN})`);
    }
    if ((change.kind !== 'increased' && change.kind !== 'decreased') || change.old === null || next === null) return;
    const priced: PriceChange = { prefix: change.prefix, description: change.description, line: change.line, effective: change.effective, old: change.old, new: next, ratio: ratioOf(change.old, next) };
    (change.kind === 'increased' ? this.increases : this.decreases).add(priced);
    if (change.kind === 'increased' && change.effective < this.options.now + this.options.noticeDays * DAY_MS) {
      this.warn('notice', change, `prefix ${change.prefix} goes up ${change.old.price1} -> ${next.price1} effective ${datetimeText(change.effective)}, less than ${this.options.noticeDays} days' notice`);
    }
    const ratio = priced.ratio;
    if (ratio !== null && (ratio >= JUMP_FACTOR || ratio <= 1 / JUMP_FACTOR)) {
      this.warn('jump', change, `prefix ${change.prefix} changes ${ratio === Infinity ? 'from 0' : `${formatRatio(ratio)}x`}: ${change.old.price1} -> ${next.price1}`);
    }
  }

  private warn(kind: WarningKind, change: Change, message: string): void {
    this.warnings[kind].add({ kind, line: change.line, prefix: change.prefix, message });
  }
}

/** new ÷ old of the first price that changed. */
export function ratioOf(old: Rate, next: Rate): number | null {
  const [a, b] = compareAmounts(old.price1, next.price1) !== 0 ? [old.price1, next.price1] : compareAmounts(old.priceN, next.priceN) !== 0 ? [old.priceN, next.priceN] : [];
  if (a === undefined || b === undefined) return direction(old, next) === 0 ? 1 : null;
  return Number(a) === 0 ? Infinity : Number(b) / Number(a);
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '-';
  if (ratio === Infinity) return 'from 0';
  return ratio >= 100 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(2) : ratio.toFixed(3);
}
