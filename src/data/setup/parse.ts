// A setup file's text → the setup it asks for, or every problem of it with
// its line and column (rates.md "The routing setup"). Pure: the file is
// read by the caller. Stages: YAML (syntax, duplicate keys, one document),
// the JSON Schema (shape, types, ranges), the values as the daemon reads
// them and names defined twice; the setup is built only from a file with
// none. Names that must resolve against the database are resolve.ts's.

import { LineCounter, parseDocument } from 'yaml';
import { SETUP_DEFAULTS, type ConnectionSpec, type DestinationSetSpec, type EntrySpec, type RoutingGroupSpec, type SetupProblem, type SetupSpec, type VendorSpec } from './model.js';
import { schemaViolations } from './schema.js';
import { formatPath, parseMoney, valueProblems } from './values.js';
import { YamlSource } from './yaml-source.js';

export type ParsedSetup = { readonly ok: true; readonly setup: SetupSpec } | { readonly ok: false; readonly problems: readonly SetupProblem[] };

/** Anchors and aliases are YAML; an alias bomb is not (the library's default bound). */
const MAX_ALIAS_COUNT = 100;
const MONEY_FIELDS = ['connect_fee', 'post_call_surcharge'] as const;

export function parseSetup(text: string): ParsedSetup {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new YamlSource(document, lines);
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((e) => ({ ...source.position(e.pos[0]), path: '', message: yamlMessage(e.message) })),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, problems: [{ line: 1, column: 1, path: '', message: err instanceof Error ? err.message : String(err) }] };
  }
  moneyAsWritten(data, source);
  const problems: SetupProblem[] = [
    ...schemaViolations(data).map((v) => ({ ...source.at(v.path, v.atKey), path: formatPath(v.path), message: v.message })),
    ...valueProblems(data).map((p) => ({ ...source.at(p.path), path: formatPath(p.path), message: p.message })),
  ];
  if (problems.length > 0) return { ok: false, problems: sortedByPlace(problems) };
  return { ok: true, setup: buildSetup(data as RawSetup, source) };
}

/** The library's message without its own "at line N, column M" (the problem carries both). */
function yamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function sortedByPlace(problems: SetupProblem[]): SetupProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Money written as a plain number (`connect_fee: 0.0100`) is read as the
 * text written, never through a binary float: the schema then sees a string
 * and the value check the exact decimal.
 */
function moneyAsWritten(data: unknown, source: YamlSource): void {
  const sets = (data as RawSetup | null)?.destination_sets;
  if (!Array.isArray(sets)) return;
  sets.forEach((set: unknown, s) => {
    if (set === null || typeof set !== 'object') return;
    const record = set as Record<string, unknown>;
    for (const field of MONEY_FIELDS) {
      if (typeof record[field] !== 'number') continue;
      const written = source.plainText(['destination_sets', s, field]);
      if (written !== undefined) record[field] = written;
    }
  });
}

// The document once the schema and value checks passed: these are its types.
interface RawConnection { name: string; destination: string; cli_translation_rule?: string | null; cld_translation_rule?: string | null; capacity?: number; enabled?: boolean }
interface RawVendor { name: string; connections?: RawConnection[] | null }
interface RawSet { name: string; currency?: string; connect_fee?: string; free_seconds?: number; grace_period?: number; post_call_surcharge?: string }
interface RawEntry { connection: string; vendor?: string; destination_set: string; order?: number; weight?: number | null }
interface RawGroup { name: string; policy?: string; average_duration?: number; external?: boolean; uri?: string | null; entries?: RawEntry[] | null }
interface RawSetup { environment: number; environment_name?: string; vendors?: RawVendor[] | null; destination_sets?: RawSet[] | null; routing_groups?: RawGroup[] | null }

function money(text: string | undefined, fallback: string): string {
  if (text === undefined) return fallback;
  const parsed = parseMoney(text);
  if ('problem' in parsed) throw new Error(`unchecked money ${JSON.stringify(text)}`);
  return parsed.value;
}

function buildSetup(raw: RawSetup, source: YamlSource): SetupSpec {
  const d = SETUP_DEFAULTS;
  const vendors: VendorSpec[] = (raw.vendors ?? []).map((vendor, v) => ({
    name: vendor.name,
    at: source.at(['vendors', v, 'name']),
    connections: (vendor.connections ?? []).map((c, i): ConnectionSpec => ({
      name: c.name,
      at: source.at(['vendors', v, 'connections', i, 'name']),
      destination: c.destination,
      cli_translation_rule: c.cli_translation_rule ?? d.connection.cli_translation_rule,
      cld_translation_rule: c.cld_translation_rule ?? d.connection.cld_translation_rule,
      capacity: c.capacity ?? d.connection.capacity,
      enabled: c.enabled ?? d.connection.enabled,
    })),
  }));
  const sets: DestinationSetSpec[] = (raw.destination_sets ?? []).map((s, i) => ({
    name: s.name,
    at: source.at(['destination_sets', i, 'name']),
    currency: s.currency ?? d.destination_set.currency,
    connect_fee: money(s.connect_fee, d.destination_set.connect_fee),
    free_seconds: s.free_seconds ?? d.destination_set.free_seconds,
    grace_period: s.grace_period ?? d.destination_set.grace_period,
    post_call_surcharge: money(s.post_call_surcharge, d.destination_set.post_call_surcharge),
  }));
  const groups: RoutingGroupSpec[] = (raw.routing_groups ?? []).map((g, i) => ({
    name: g.name,
    at: source.at(['routing_groups', i, 'name']),
    policy: g.policy ?? d.routing_group.policy,
    average_duration: g.average_duration ?? d.routing_group.average_duration,
    external: g.external ?? d.routing_group.external,
    uri: g.uri ?? d.routing_group.uri,
    entries: (g.entries ?? []).map((e, j): EntrySpec => {
      const at = ['routing_groups', i, 'entries', j];
      return {
        connection: e.connection,
        vendor: e.vendor ?? null,
        destination_set: e.destination_set,
        order: e.order ?? d.entry.order,
        weight: e.weight ?? d.entry.weight,
        at: source.at(at),
        connectionAt: source.at([...at, 'connection']),
        vendorAt: source.at([...at, e.vendor === undefined ? 'connection' : 'vendor']),
        destinationSetAt: source.at([...at, 'destination_set']),
        path: formatPath(at),
      };
    }),
  }));
  return {
    environment: raw.environment,
    environment_name: raw.environment_name ?? null,
    environmentAt: source.at(['environment']),
    vendors,
    destination_sets: sets,
    routing_groups: groups,
  };
}
