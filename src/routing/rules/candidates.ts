// Step 2 of routing.md: which entries of a group can carry the call, and why
// the others cannot. Pure: rows in, candidates and exclusions out.

import type { ExclusionReason } from '../../route-wire.js';
import type { BadValue, EntryRow, RouteRow } from './model.js';
import { matchRoute } from './match.js';
import { destinationSetProblem } from './route-values.js';
import { RuleCache, RuleSyntaxError, type TranslationRule } from './translation.js';
import { DestinationError } from './destination.js';

export interface Candidate {
  readonly entry: EntryRow;
  readonly route: RouteRow;
  readonly cliRule: TranslationRule;
  readonly cldRule: TranslationRule;
}

export interface Exclusion {
  readonly entry: EntryRow;
  readonly reason: ExclusionReason;
}

/** A connection setting that does not parse (a translation rule, or the destination): the entry is left out, the setting logged. */
export interface BadRule {
  readonly entry: EntryRow;
  readonly field: 'cli_translation_rule' | 'cld_translation_rule' | 'destination';
  readonly error: RuleSyntaxError | DestinationError;
}

export interface CandidateSet {
  /** In entry order. */
  readonly candidates: readonly Candidate[];
  readonly excluded: readonly Exclusion[];
  /** The rules and destinations that did not parse, for the log. */
  readonly badRules: readonly BadRule[];
  /** Entries left out as `bad_row`, with the value that could not be held, for the log. */
  readonly badRows: readonly BadRow[];
}

/** A row left out of routing because a value of it could not be held (route-values.ts). */
export interface BadRow {
  readonly entry: EntryRow;
  /** The route, or undefined when it is the destination set's connect fee. */
  readonly route: RouteRow | undefined;
  readonly bad: BadValue;
}

/**
 * Checks each entry in order: connection enabled (else `disabled`), a
 * destination set whose amounts can be held (else `bad_row`), a route
 * active at t for the CLD (else `no_match` / `not_active`) whose values can
 * be held (else `bad_row`, route-values.ts), not forbidden (else
 * `forbidden`), translation rules that parse (else `bad_translation_rule`),
 * a destination that parsed (else `bad_destination`).
 * `routesBySet` holds the rows of each destination set whose prefix may match.
 */
export function findCandidates(
  entries: readonly EntryRow[],
  routesBySet: ReadonlyMap<number, readonly RouteRow[]>,
  cld: string,
  tMs: number,
  rules: RuleCache,
): CandidateSet {
  const candidates: Candidate[] = [];
  const excluded: Exclusion[] = [];
  const badRules: BadRule[] = [];
  const badRows: BadRow[] = [];
  for (const entry of entries) {
    if (!entry.enabled) {
      excluded.push({ entry, reason: 'disabled' });
      continue;
    }
    const badFee = destinationSetProblem(entry);
    if (badFee !== undefined) {
      excluded.push({ entry, reason: 'bad_row' });
      badRows.push({ entry, route: undefined, bad: badFee });
      continue;
    }
    const match = matchRoute(routesBySet.get(entry.i_destination_set) ?? [], cld, tMs);
    if (match.kind !== 'route') {
      excluded.push({ entry, reason: match.kind });
      continue;
    }
    if (match.route.bad !== undefined) {
      excluded.push({ entry, reason: 'bad_row' });
      badRows.push({ entry, route: match.route, bad: match.route.bad });
      continue;
    }
    if (match.route.forbidden) {
      excluded.push({ entry, reason: 'forbidden' });
      continue;
    }
    const parsed = entryRules(entry, rules, excluded, badRules);
    if (parsed === undefined) continue;
    candidates.push({ entry, route: match.route, cliRule: parsed.cliRule, cldRule: parsed.cldRule });
  }
  return { candidates, excluded, badRules, badRows };
}

/** An entry's two rules parsed, or why its connection cannot carry calls: settings that do not parse. */
export type EntryRules =
  | { readonly cliRule: TranslationRule; readonly cldRule: TranslationRule; readonly bad?: undefined }
  | { readonly bad: readonly BadRule[]; readonly reason: 'bad_translation_rule' | 'bad_destination' };

/**
 * Parses an entry's rules and checks the destination parsed at load (pure;
 * the snapshot keeps the result with its entry). A bad rule is the reason
 * when both are bad: the rules are checked first, as before destinations were.
 */
export function parseEntryRules(entry: EntryRow, rules: RuleCache): EntryRules {
  const cliRule = rules.get(entry.cli_translation_rule);
  const cldRule = rules.get(entry.cld_translation_rule);
  const destination = entry.sipDestination;
  if (!(cliRule instanceof RuleSyntaxError) && !(cldRule instanceof RuleSyntaxError)) {
    if (destination instanceof DestinationError) return { bad: [{ entry, field: 'destination', error: destination }], reason: 'bad_destination' };
    return { cliRule, cldRule };
  }
  const bad: BadRule[] = [];
  if (cliRule instanceof RuleSyntaxError) bad.push({ entry, field: 'cli_translation_rule', error: cliRule });
  if (cldRule instanceof RuleSyntaxError) bad.push({ entry, field: 'cld_translation_rule', error: cldRule });
  if (destination instanceof DestinationError) bad.push({ entry, field: 'destination', error: destination });
  return { bad, reason: 'bad_translation_rule' };
}

/**
 * The entry's parsed translation rules; or, when a setting does not parse,
 * the exclusion (`bad_translation_rule` or `bad_destination`) and the
 * settings' errors for the log are recorded and undefined returned. Both
 * data sources decide this alike.
 */
export function entryRules(
  entry: EntryRow,
  rules: RuleCache | EntryRules,
  excluded: Exclusion[],
  badRules: BadRule[],
): { cliRule: TranslationRule; cldRule: TranslationRule } | undefined {
  const parsed = rules instanceof RuleCache ? parseEntryRules(entry, rules) : rules;
  if (parsed.bad === undefined) return parsed;
  badRules.push(...parsed.bad);
  excluded.push({ entry, reason: parsed.reason });
  return undefined;
}
