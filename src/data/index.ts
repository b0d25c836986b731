// The data domain's face for the command line (rates.md): importing a
// carrier's rate deck into a destination set, exporting a set as a deck,
// a prefix's history. cli/ imports from here only.

export { importDeck, type ImportOptions, type ImportReport } from './rate-import.js';
export { exportRates, rateHistory, EXPORT_COLUMNS, type ExportResult, type HistoryRow, type SetQuery } from './rate-export.js';
export { formatRatio, LARGEST_CHANGES, type Diff, type PriceChange, type WarningKind } from './rate-diff.js';
export { parseColumnsOption, type ColumnOverrides } from './deck-columns.js';
export { datetimeText, parseDeckTime, type DeckError } from './deck-values.js';
export { MAX_ERRORS } from './deck-rows.js';
