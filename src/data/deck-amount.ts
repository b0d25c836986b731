// Exact amounts of a rate deck (rates.md, "Reading a deck"): the text of a
// cell in, integer micro-units out, never a binary float in between. Rates
// are stored as DECIMAL(16,6): more than six decimal places would have to be
// rounded, so they are an error, never rounded silently (zeros past the
// sixth place round nothing and are accepted). Pure.

/** Decimal places the database keeps. */
export const AMOUNT_DECIMALS = 6;
/** Largest amount a deck may give, in micro-units: 999,999,999.999999, exact in a double. */
export const MAX_AMOUNT_MICROS = 999_999_999_999_999;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** 1234.5 as the European "1.234,5": dots group thousands, the comma is the decimal point. */
const GROUPED_COMMA = /^\d{1,3}(\.\d{3})+(,\d*)?$/;

/**
 * An amount of a deck cell: "0.1175", "0,1175" (a comma with no point is a
 * decimal comma: detected per cell), "12", ".5". With `decimalComma`
 * (--decimal-comma) the comma is the decimal point and dots may group
 * thousands ("1.234,5"). No sign, no currency symbol, no exponent.
 */
export function parseAmount(text: string, decimalComma: boolean): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'is empty' };
  let plain: string;
  if (decimalComma) {
    if (GROUPED_COMMA.test(trimmed)) plain = trimmed.replace(/\./g, '').replace(',', '.');
    else if (/^\d*(,\d*)?$/.test(trimmed)) plain = trimmed.replace(',', '.');
    else return { ok: false, problem: `${JSON.stringify(text)} is not an amount with a decimal comma (like 0,1175 or 1.234,5)` };
  } else if (trimmed.includes(',') && trimmed.includes('.')) {
    return { ok: false, problem: `${JSON.stringify(text)} has both a comma and a point: for 1.234,5 give --decimal-comma` };
  } else {
    plain = trimmed.replace(',', '.');
  }
  const m = /^(\d*)(?:\.(\d*))?$/.exec(plain);
  if (m === null || (m[1] === '' && (m[2] ?? '') === '')) {
    return { ok: false, problem: `${JSON.stringify(text)} is not an amount (digits with one decimal point or comma; no sign, no currency)` };
  }
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > AMOUNT_DECIMALS) {
    return { ok: false, problem: `${JSON.stringify(text)} has more than ${AMOUNT_DECIMALS} decimal places; it would have to be rounded` };
  }
  const micros = Number(whole || '0') * 1_000_000 + Number(fraction.padEnd(AMOUNT_DECIMALS, '0'));
  if (whole.length > 9 || micros > MAX_AMOUNT_MICROS) return { ok: false, problem: `${JSON.stringify(text)} is too large (at most 999999999.999999)` };
  return { ok: true, value: micros };
}

/** Micro-units as the database's DECIMAL(16,6) text: "0.117500". */
export function formatAmount(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(AMOUNT_DECIMALS, '0')}`;
}

/**
 * The micro-units of an amount as the database sends DECIMAL(16,6)
 * ("0.117500"); NaN beyond what a double holds exactly (never in a set a
 * deck filled: those stay below MAX_AMOUNT_MICROS).
 */
export function storedAmount(text: string): number {
  const m = /^(-?)(\d+)\.(\d{6})$/.exec(text);
  if (m === null) return NaN;
  const micros = Number(m[2]) * 1_000_000 + Number(m[3]);
  if (!Number.isSafeInteger(micros)) return NaN;
  return m[1] === '-' ? -micros : micros;
}

/**
 * A spreadsheet number as the decimal text a person typed: the shortest
 * text that reads back as the same double (String(n)), with an exponent
 * written out ("1.5e-7" is "0.00000015"). Exact for what a person types;
 * a computed 0.1 + 0.2 shows as 0.30000000000000004 and is then refused for
 * its places, as it should be.
 */
export function numberText(n: number): string {
  const text = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const [, sign, lead, rest = '', exponentText] = m;
  const digits = lead! + rest;
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
