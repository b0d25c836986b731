// What `sippy_routed rates` prints for people: the diff of an import, its
// errors as FILE:LINE:COLUMN, a prefix's history. Text from the deck
// (descriptions, cells quoted in errors) goes through terminalSafe. The
// --json forms are the reports themselves (jsonReport).

import type { Diff, ImportReport, PriceChange, WarningKind, HistoryRow, DeckError } from '../data/index.js';
import { datetimeText, formatRatio } from '../data/index.js';
import { formatTable } from './table.js';
import { terminalSafe } from './terminal-text.js';

const WARNING_TITLES: Readonly<Record<WarningKind, string>> = {
  notice: 'increases with less than the notice period',
  zero: 'prices of 0',
  jump: 'changes over 10x either way',
  duplicate: 'repeated rows (same prefix, date and rate; kept once)',
};

function plural(n: number, what: string): string {
  return `${n.toLocaleString('en')} ${what}${n === 1 ? '' : 's'}`;
}

/** FILE:LINE:COLUMN: problem, one line each, then how many more. */
export function formatDeckErrors(file: string, errors: { readonly count: number; readonly first: readonly DeckError[] }): string {
  let out = errors.first.map((e) => `${file}:${e.line}:${e.column}: ${terminalSafe(e.problem)}\n`).join('');
  if (errors.count > errors.first.length) out += `... and ${errors.count - errors.first.length} more errors\n`;
  return out;
}

function changesTable(changes: readonly PriceChange[]): string {
  return formatTable(
    ['prefix', 'description', 'old', 'new', 'ratio', 'effective'],
    changes.map((c) => [c.prefix, terminalSafe(c.description ?? '-'), rateText(c.old), rateText(c.new), formatRatio(c.ratio), datetimeText(c.effective)]),
  ).replace(/^/gm, '  ');
}

function rateText(rate: PriceChange['old']): string {
  const intervals = `${rate.interval1}/${rate.intervalN}`;
  return `${rate.price1}${rate.priceN === rate.price1 ? '' : `/${rate.priceN}`} ${intervals}`;
}

export function formatImport(report: ImportReport): string {
  const state = report.set.created ? '; created' : report.set.i_destination_set === undefined ? '; new: an import creates it' : '';
  const where = `set ${JSON.stringify(report.set.name)} in environment ${report.environment} (${report.set.currency}${state})`;
  let out = `${report.file}: ${report.format ?? 'deck'}, ${report.notes.map(terminalSafe).join(', ')}${report.notes.length > 0 ? ', ' : ''}`
    + `${plural(report.rows, 'row')}${report.titleLines > 0 ? ` below ${plural(report.titleLines, 'title line')}` : ''}\n`;
  out += `${where}: ${report.mode} deck, effective ${datetimeText(report.effective)} UTC unless a row says\n`;
  const diff = report.diff;
  if (diff === undefined) return out;
  out += formatCounts(diff);
  if (diff.increases.length > 0) out += `\nlargest increases:\n${changesTable(diff.increases)}`;
  if (diff.decreases.length > 0) out += `\nlargest decreases:\n${changesTable(diff.decreases)}`;
  out += formatWarnings(report.file, diff);
  return out;
}

function formatCounts(diff: Diff): string {
  const c = diff.counts;
  const rows: [string, number, string][] = [
    ['new', c.new, 'prefixes that had no rate'],
    ['increased', c.increased, ''],
    ['decreased', c.decreased, ''],
    ['unchanged', c.unchanged, 'nothing written'],
    ['removed', c.removed, 'prefixes not in a full deck: expired'],
    ['forbidden', c.forbidden, ''],
    ['replaced', c.replaced, 'rows dated at or after their date, deleted'],
  ];
  const width = Math.max(...rows.map(([, n]) => n.toLocaleString('en').length));
  return rows.map(([name, n, note]) => `  ${name.padEnd(10)} ${n.toLocaleString('en').padStart(width)}${note === '' ? '' : `  (${note})`}\n`).join('');
}

function formatWarnings(file: string, diff: Diff): string {
  let out = '';
  for (const [kind, { count, examples }] of Object.entries(diff.warnings) as [WarningKind, Diff['warnings'][WarningKind]][]) {
    if (count === 0) continue;
    out += `\nwarning: ${count.toLocaleString('en')} ${WARNING_TITLES[kind]}\n`;
    for (const w of examples) out += `  ${file}:${w.line}: ${terminalSafe(w.message)}\n`;
    if (count > examples.length) out += `  ... and ${(count - examples.length).toLocaleString('en')} more\n`;
  }
  return out;
}

/** The outcome line of an import that wrote or, with --dry-run, would have. */
export function formatOutcome(report: ImportReport, dryRun: boolean): string {
  const w = report.diff!.writes;
  const rows = `${plural(w.inserted, 'row')} added, ${plural(w.expired, 'row')} expired, ${plural(w.deleted, 'row')} deleted`;
  if (w.inserted + w.expired + w.deleted === 0) return '\nnothing to write: the set already says what the deck says\n';
  if (dryRun) return `\ndry run: nothing written (the import would have: ${rows})\n`;
  return `\nwritten in one transaction: ${rows} (${((report.timings.read + report.timings.diff + report.timings.apply) / 1000).toFixed(1)} s)\n`;
}

export function formatHistory(set: string, environment: number, prefix: string, rows: readonly HistoryRow[]): string {
  return `set ${JSON.stringify(set)} in environment ${environment}, prefix ${prefix}: ${rows.length} rows, oldest first\n` + formatTable(
    ['i_route', 'activation', 'expiration', 'price_1', 'price_n', 'intervals', 'forbidden', 'description', 'routed'],
    rows.map((r) => [
      String(r.i_route), datetimeText(r.activation), r.expiration === null ? '-' : datetimeText(r.expiration), r.price1, r.priceN,
      `${r.interval1}/${r.intervalN}`, r.forbidden ? 'yes' : 'no', terminalSafe(r.description ?? '-'),
      r.inForce.length === 0 ? 'never (superseded)' : r.inForce.map((s) => `${datetimeText(s.from)} .. ${s.until === null ? '' : datetimeText(s.until)}`).join('; ') + (r.now ? ' (now)' : ''),
    ]),
  );
}

/** A report as JSON: instants as DATETIME text (UTC), a ratio from 0 as null. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === 'number' && (key === 'effective' || key === 'activation' || key === 'expiration' || key === 'from' || key === 'until' || key === 'at')) return datetimeText(v);
    if (v === Infinity) return null;
    return v;
  }, 2)}\n`;
}
