// Exact money for route selection (routing.md, "Cost"). Amounts are decimal
// strings with at most six decimals, held as BigInt counts of micro-units
// (1 unit = 1_000_000). No binary floating point ever touches money.
//
// estimated_cost = connect_fee + cost(D), D = max(0, average_duration - free_seconds),
// cost(0) = 0, else cost(D) = (price_1 * interval_1
//                              + price_n * interval_n * ceil(max(0, D - interval_1) / interval_n)) / 60.
// The whole sum is kept over the common denominator 60 and rounded half-up
// (half away from zero) to six decimals once, at the end.

const SCALE_DIGITS = 6;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** Parses a decimal string ("0.012000", "-1.5", "3") into micro-units; throws on anything else. */
export function parseMicros(text: string): bigint {
  const m = DECIMAL.exec(text.trim());
  if (m === null) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = m;
  // More than six decimals would need rounding the database never asks for (DECIMAL(16,6)).
  if (fraction.length > SCALE_DIGITS && /[^0]/.test(fraction.slice(SCALE_DIGITS))) {
    throw new RangeError(`more than ${SCALE_DIGITS} decimals: ${JSON.stringify(text)}`);
  }
  const micros = BigInt(whole!) * SCALE + BigInt(fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0'));
  return sign === '-' ? -micros : micros;
}

/** Formats micro-units as a decimal string with exactly six decimals ("0.040000", "-1.500000"). */
export function formatMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** numerator / denominator (denominator > 0) rounded half away from zero. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const rounded = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -rounded : rounded;
}

export interface Tariff {
  readonly price_1: string;
  readonly price_n: string;
  readonly interval_1: number;
  readonly interval_n: number;
  readonly connect_fee: string;
  readonly free_seconds: number;
}

/**
 * The estimated cost of a call of `averageDuration` seconds, in micro-units.
 * Guards where the formula has no meaning (documented in docs/routing.md):
 * interval_1 < 0 counts as 0 (no first interval), interval_n < 1 counts as 1
 * (per-second billing), so no division by zero and no negative counts. The
 * route still reports its intervals as stored.
 */
export function estimateCostMicros(tariff: Tariff, averageDuration: number): bigint {
  const interval1 = BigInt(Math.max(0, Math.trunc(tariff.interval_1)));
  const intervalN = BigInt(Math.max(1, Math.trunc(tariff.interval_n)));
  const billable = BigInt(Math.max(0, Math.trunc(averageDuration) - Math.trunc(tariff.free_seconds)));
  const connectFee = parseMicros(tariff.connect_fee);
  if (billable === 0n) return connectFee;
  const rest = billable > interval1 ? billable - interval1 : 0n;
  const nextIntervals = (rest + intervalN - 1n) / intervalN;
  // Everything over the common denominator 60, so the only rounding is the last one.
  const sixtieths =
    connectFee * 60n + parseMicros(tariff.price_1) * interval1 + parseMicros(tariff.price_n) * intervalN * nextIntervals;
  return divideRoundHalfUp(sixtieths, 60n);
}

/** estimateCostMicros as the six-decimal string of the getRoutes answer. */
export function estimateCost(tariff: Tariff, averageDuration: number): string {
  return formatMicros(estimateCostMicros(tariff, averageDuration));
}

// ---- Integer micro-units as JavaScript numbers (the snapshot's hot path) ----
//
// The snapshot parses each amount once, at load, into a number of
// micro-units. Numbers are exact integers up to 2^53 (about 9.007e15
// micro-units, 9,007,199,254 units): DECIMAL(16,6) goes beyond that, so an
// amount past it is held as NaN here and its cost is computed with BigInt
// from the text instead. Below the bound every step is an exact integer
// operation, checked term by term, so the result equals estimateCostMicros.

/** Bound on each term of the sum: three terms and the doubling in the rounding stay below 2^53. */
const SAFE_TERM = 2 ** 50;

/** Micro-units of a decimal string as an exact number, or NaN when beyond 2^53 (use parseMicros then). */
export function parseMicrosNumber(text: string): number {
  const micros = parseMicros(text);
  const asNumber = Number(micros);
  return Number.isSafeInteger(asNumber) && BigInt(asNumber) === micros ? asNumber : NaN;
}

/**
 * The micro-units of `text` when it is an amount in the canonical form the
 * database sends for DECIMAL(16,6) (optional minus, integer digits without
 * leading zeros, a point, exactly six decimals; never "-0.000000") and they
 * fit a 32-bit integer; NaN otherwise. Canonical only, so that
 * formatMicrosAny gives back exactly `text`. A loop of digits, no BigInt: it
 * runs for every route at load.
 */
export function int32Micros(text: string): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const point = n - 7;
  if (point <= i || text.charCodeAt(point) !== 46) return NaN;
  // No leading zero but "0." itself.
  if (text.charCodeAt(i) === 48 && point !== i + 1) return NaN;
  let value = 0;
  for (; i < n; i++) {
    if (i === point) continue;
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
    if (value > 2147483647) return NaN;
  }
  if (text.charCodeAt(0) === 45) return value === 0 ? NaN : -value;
  return value;
}

/** A tariff with its amounts already in micro-units (NaN where beyond 2^53). */
export interface MicroTariff {
  readonly price1: number;
  readonly priceN: number;
  readonly interval1: number;
  readonly intervalN: number;
  readonly connectFee: number;
  readonly freeSeconds: number;
}

/**
 * estimateCostMicros on numbers: the same formula, guards and rounding, or
 * NaN when some amount or intermediate term is beyond exact integer range
 * (the caller then falls back to estimateCostMicros on the decimal strings).
 */
export function estimateCostMicrosNumber(t: MicroTariff, averageDuration: number): number {
  const interval1 = Math.max(0, Math.trunc(t.interval1));
  const intervalN = Math.max(1, Math.trunc(t.intervalN));
  const billable = Math.max(0, Math.trunc(averageDuration) - Math.trunc(t.freeSeconds));
  if (billable === 0) return t.connectFee;
  const rest = billable > interval1 ? billable - interval1 : 0;
  const nextIntervals = Math.floor((rest + intervalN - 1) / intervalN);
  const fee = t.connectFee * 60;
  const first = t.price1 * interval1;
  const next = t.priceN * intervalN * nextIntervals;
  // NaN (an amount past 2^53) fails every comparison, so it lands here too.
  if (!(Math.abs(fee) <= SAFE_TERM && Math.abs(first) <= SAFE_TERM && Math.abs(next) <= SAFE_TERM)) return NaN;
  return divideRoundHalfUpNumber(fee + first + next, 60);
}

/** divideRoundHalfUp on exact integers below 2^52, with the float quotient corrected to the exact one. */
function divideRoundHalfUpNumber(numerator: number, denominator: number): number {
  const abs = Math.abs(numerator);
  const top = abs * 2 + denominator;
  const bottom = denominator * 2;
  let q = Math.floor(top / bottom);
  if (q * bottom > top) q -= 1;
  else if ((q + 1) * bottom <= top) q += 1;
  return numerator < 0 ? -q : q;
}

/** formatMicros for an exact number or a BigInt. */
export function formatMicrosAny(micros: number | bigint): string {
  if (typeof micros === 'bigint') return formatMicros(micros);
  const abs = Math.abs(micros);
  const fraction = String(abs % 1_000_000).padStart(SCALE_DIGITS, '0');
  return `${micros < 0 ? '-' : ''}${Math.floor(abs / 1_000_000)}.${fraction}`;
}
