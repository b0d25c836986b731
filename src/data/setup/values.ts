// The values of a setup file as the daemon will read them, checked with the
// daemon's own parsers (routing/: policies, translation rules, money; the
// client: an external group's uri; a connection's destination as a SIP
// proxy takes it), and the names the file defines twice.
// Pure. Runs over the document as plain data, next to the schema check: a
// value of the wrong type is the schema's to report, and is skipped here.

import { parseUri, RpcCallError } from '../../client/rpc-client.js';
import { DestinationError, formatMicros, parseDestination, parseMicros, parsePolicy, parseRule, RuleSyntaxError } from '../../routing/index.js';
import { isSippyError } from '../../errors.js';

export type ValuePath = readonly (string | number)[];

export interface ValueProblem {
  readonly path: ValuePath;
  readonly message: string;
}

/** DECIMAL(16,6): ten whole digits. */
const MAX_MONEY_MICROS = 10n ** 16n - 1n;
const CURRENCY = /^[A-Z]{3}$/;
/** With the u flag, only a surrogate that is not half of a pair matches (as in routing/external/external-map.ts). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The policy's problem as the daemon would report it, or undefined. */
export function policyProblem(policy: string): string | undefined {
  try {
    parsePolicy(policy, '');
    return undefined;
  } catch (err) {
    if (!isSippyError(err, 'ROUTING_BAD_POLICY')) throw err;
    return `unknown key ${JSON.stringify(err.data?.key)} in policy ${JSON.stringify(policy)}; the keys are lcr, prefix, preference, order, weight, comma-separated`;
  }
}

/** The message of the `kind` of error `parse` throws, or undefined when it does not. */
function thrownProblem(parse: () => unknown, kind: abstract new (...args: never[]) => Error): string | undefined {
  try {
    parse();
    return undefined;
  } catch (err) {
    if (!(err instanceof kind)) throw err;
    return err.message;
  }
}

export function ruleProblem(rule: string): string | undefined {
  return thrownProblem(() => parseRule(rule), RuleSyntaxError);
}

/** Money as the database stores it ("0.010000"), or the problem. */
export function parseMoney(text: string): { value: string } | { problem: string } {
  let micros: bigint;
  try {
    micros = parseMicros(text);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { problem: `${err.message} (write a decimal with at most 6 places, e.g. "0.010000")` };
  }
  if (micros > MAX_MONEY_MICROS || micros < -MAX_MONEY_MICROS) return { problem: `${JSON.stringify(text)} is out of range (at most 10 digits before the point)` };
  return { value: formatMicros(micros) };
}

export function currencyProblem(currency: string): string | undefined {
  return CURRENCY.test(currency) ? undefined : `currency ${JSON.stringify(currency)} is not an ISO 4217 code of three capital letters (USD, EUR, GBP)`;
}

export function uriProblem(uri: string): string | undefined {
  return thrownProblem(() => parseUri(uri), RpcCallError);
}

/** As a SIP proxy takes it (the parser the daemon reads destinations with). */
export function destinationProblem(destination: string): string | undefined {
  const parsed = parseDestination(destination);
  return parsed instanceof DestinationError ? parsed.message : undefined;
}

/** Names compare exactly here, but the database's collation ignores trailing spaces: a name with either is refused. */
export function nameProblem(name: string): string | undefined {
  return name.trim() === name ? undefined : `name ${JSON.stringify(name)} starts or ends with a space`;
}

type Data = Record<string, unknown>;

function isRecord(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function itemsOf(value: unknown): Data[] {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : {})) : [];
}

/** Remembers the first place of each name and reports the later ones. */
class Names {
  private readonly first = new Map<string, ValuePath>();
  /** `what(name)`: how the message names the object, e.g. `vendor "Carrier A"`. */
  constructor(private readonly what: (name: string) => string, private readonly problems: ValueProblem[]) {}

  add(name: unknown, path: ValuePath): void {
    if (typeof name !== 'string') return;
    const problem = nameProblem(name);
    if (problem !== undefined) this.problems.push({ path, message: problem });
    const earlier = this.first.get(name);
    if (earlier === undefined) this.first.set(name, path);
    else this.problems.push({ path, message: `${this.what(name)} is defined twice (first at ${formatPath(earlier.slice(0, -1))})` });
  }
}

const named = (kind: string) => (name: string): string => `${kind} ${JSON.stringify(name)}`;

/** `vendors[0].connections[1].name`. */
export function formatPath(path: ValuePath): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');
}

/** Every value problem of the document, in document order. */
export function valueProblems(document: unknown): ValueProblem[] {
  const problems: ValueProblem[] = [];
  if (!isRecord(document)) return problems;
  const check = (value: unknown, path: ValuePath, test: (text: string) => string | undefined): void => {
    if (typeof value !== 'string') return;
    const problem = test(value);
    if (problem !== undefined) problems.push({ path, message: problem });
  };
  const text = (value: unknown, path: ValuePath): void => {
    check(value, path, (t) => (LONE_SURROGATE.test(t) ? 'holds a lone UTF-16 surrogate, which is not text' : undefined));
  };
  walkStrings(document, [], text);

  const vendors = new Names(named('vendor'), problems);
  itemsOf(document.vendors).forEach((vendor, v) => {
    vendors.add(vendor.name, ['vendors', v, 'name']);
    const connections = new Names((name) => `connection ${JSON.stringify(name)} of vendor ${JSON.stringify(vendor.name)}`, problems);
    itemsOf(vendor.connections).forEach((connection, c) => {
      const at = ['vendors', v, 'connections', c];
      connections.add(connection.name, [...at, 'name']);
      check(connection.destination, [...at, 'destination'], destinationProblem);
      check(connection.cli_translation_rule, [...at, 'cli_translation_rule'], ruleProblem);
      check(connection.cld_translation_rule, [...at, 'cld_translation_rule'], ruleProblem);
    });
  });

  const sets = new Names(named('destination set'), problems);
  itemsOf(document.destination_sets).forEach((set, s) => {
    const at = ['destination_sets', s];
    sets.add(set.name, [...at, 'name']);
    check(set.currency, [...at, 'currency'], currencyProblem);
    for (const field of ['connect_fee', 'post_call_surcharge']) {
      check(set[field], [...at, field], (t) => {
        const money = parseMoney(t);
        return 'problem' in money ? money.problem : undefined;
      });
    }
  });

  const groups = new Names(named('routing group'), problems);
  itemsOf(document.routing_groups).forEach((group, g) => {
    const at = ['routing_groups', g];
    groups.add(group.name, [...at, 'name']);
    check(group.policy, [...at, 'policy'], policyProblem);
    check(group.uri, [...at, 'uri'], uriProblem);
    itemsOf(group.entries).forEach((entry, e) => {
      for (const field of ['connection', 'vendor', 'destination_set']) check(entry[field], [...at, 'entries', e, field], nameProblem);
    });
    if (group.external === true && (group.uri === undefined || group.uri === null)) {
      problems.push({ path: [...at, 'external'], message: 'an external group needs a uri (unix:/path, http://HOST:PORT/PATH or https://...)' });
    }
  });
  return problems;
}

function walkStrings(value: unknown, path: ValuePath, visit: (text: string, path: ValuePath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, [...path, i], visit));
  else if (isRecord(value)) for (const [key, item] of Object.entries(value)) walkStrings(item, [...path, key], visit);
}
