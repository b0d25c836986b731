// The snapshot's interned values: amounts, instants and prefixes, each
// distinct value once with an integer index that route records hold
// (route-set.ts). All append-only, so snapshots of several generations can
// share them; a full load starts new ones.

import { parseMicrosNumber } from '../rules/cost.js';
import { DigitKeyTable } from './digit-key-table.js';

/**
 * Amounts (DECIMAL text as the database sends it) interned: each distinct
 * text once, with its micro-units parsed once. Append-only, so snapshots of
 * several generations can share one table; a full load starts a new one.
 */
export class MoneyTable {
  readonly text: string[] = [];
  /** Exact micro-units, or NaN beyond 2^53 (cost.ts then uses the text). */
  readonly micros: number[] = [];
  private readonly index = new Map<string, number>();

  intern(text: string): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.text.length;
      this.text.push(text);
      this.micros.push(parseMicrosNumber(text));
      this.index.set(text, i);
    }
    return i;
  }
}

/**
 * Activation and expiration instants (epoch ms; NaN = never expires)
 * interned: most rows share a few (the default 1970, no expiry), so a route
 * holds two small indexes instead of two doubles. Append-only like MoneyTable.
 */
export class TimeTable {
  readonly ms: number[] = [];
  private readonly index = new Map<number, number>();

  intern(ms: number): number {
    let i = this.index.get(ms);
    if (i === undefined) {
      i = this.ms.length;
      this.ms.push(ms);
      this.index.set(ms, i);
    }
    return i;
  }
}

/**
 * Route descriptions (the rate deck's destination names) interned: a deck
 * names a few thousand destinations over hundreds of thousands of rows, so
 * a route holds a small index, and only sets that have descriptions hold
 * any (route-set.ts). Append-only like MoneyTable.
 */
export class DescriptionPool {
  readonly text: string[] = [];
  private readonly ids = new Map<string, number>();

  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.text.length;
      this.text.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
}

/**
 * Every distinct prefix once, with an integer id (sets share most of their
 * prefixes). Append-only like MoneyTable: ids stay valid for every snapshot
 * built on this pool; a full load starts a new one.
 *
 * Each prefix is in one table only: a rate deck of a million distinct
 * prefixes makes this the largest thing in memory (about 70 bytes a prefix
 * with its text, some 34 of them the digit keys' table, an array buffer
 * rather than V8 heap), and a second map by text for the digit prefixes
 * added 28 more.
 */
export class PrefixPool {
  readonly text: string[] = [];
  /** Code points of each prefix (the `prefix` policy key compares these). */
  readonly codePoints: number[] = [];
  /** Ids of the prefixes that have no digit key (digitKey): anything but up to DIGIT_KEY_MAX digits. */
  private readonly ids = new Map<string, number>();
  /**
   * Ids of the prefixes of digits only and at most DIGIT_KEY_MAX long (real
   * rate decks), by number: the key of "d1..dn" is the number 1d1..dn,
   * which a CLD's digits build one by one, so a request makes no substring
   * and hashes no string while every prefix is such (digitsOnly). A probe
   * touches one cache line (digit-key-table.ts), where a Map's touched
   * several pages.
   */
  private readonly digitIds = new DigitKeyTable();
  private digitsOnly = true;
  /**
   * Longest prefix in UTF-16 code units: no longer part of a CLD can match.
   * While digitsOnly, at most DIGIT_KEY_MAX, which the scratch below relies on.
   */
  private longest = 0;
  /** Scratch: the digit keys of a CLD's prefixes of length 0, 1, ..., built before any probe. */
  private readonly keys = new Float64Array(DIGIT_KEY_MAX + 1);

  intern(text: string): number {
    let id = this.idOf(text);
    if (id === undefined) {
      id = this.text.length;
      this.text.push(text);
      this.codePoints.push(codePoints(text));
      if (text.length > this.longest) this.longest = text.length;
      const key = digitKey(text);
      if (key === undefined) {
        this.ids.set(text, id);
        this.digitsOnly = false;
      } else {
        this.digitIds.set(key, id);
      }
    }
    return id;
  }

  /** The id of exactly `text`, or undefined. */
  private idOf(text: string): number | undefined {
    const key = digitKey(text);
    if (key === undefined) return this.ids.get(text);
    const id = this.digitIds.get(key);
    return id < 0 ? undefined : id;
  }

  /**
   * The ids of the prefixes in the pool that start `cld`, longest first. By
   * UTF-16 units: a cut inside a surrogate pair is never a stored prefix.
   */
  prefixIdsOf(cld: string): number[] {
    if (!this.digitsOnly) return this.prefixIdsBySubstring(cld);
    const ids: number[] = [];
    for (let n = this.digitKeysOf(cld); n > 0; ) {
      const id = this.digitIds.get(this.keys[--n]!);
      if (id >= 0) ids.push(id);
    }
    return ids;
  }

  /**
   * The id of the longest prefix in the pool that starts `cld`, or -1. The
   * other prefixes of `cld` in the pool are exactly those of that prefix, so
   * a lookup's result depends on `cld` only through this id
   * (chosen-routes.ts keys its memo by it).
   */
  longestIdOf(cld: string): number {
    if (!this.digitsOnly) {
      for (let length = Math.min(cld.length, this.longest); length >= 0; length--) {
        const id = this.idOf(length === cld.length ? cld : cld.slice(0, length));
        if (id !== undefined) return id;
      }
      return -1;
    }
    // Longest first, so the first hit is the answer and the probes of the
    // shorter prefixes (each a cache line, likely a page, of its own) are
    // never made.
    for (let n = this.digitKeysOf(cld); n > 0; ) {
      const id = this.digitIds.get(this.keys[--n]!);
      if (id >= 0) return id;
    }
    return -1;
  }

  /**
   * Fills `keys` with the digit keys of the prefixes of `cld` that could be
   * in the pool, shortest (the empty prefix, key 1) first, and returns how
   * many: up to the first non-digit or min(cld.length, longest). Touches no
   * table, so a request's probes can start at the longest. Only while
   * digitsOnly: only digits can continue a digits-only prefix.
   */
  private digitKeysOf(cld: string): number {
    const keys = this.keys;
    let key = 1;
    keys[0] = key;
    let n = 1;
    for (let i = 0, max = Math.min(cld.length, this.longest); i < max; i++) {
      const digit = cld.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      key = key * 10 + digit;
      keys[n++] = key;
    }
    return n;
  }

  private prefixIdsBySubstring(cld: string): number[] {
    const ids: number[] = [];
    for (let length = Math.min(cld.length, this.longest); length >= 0; length--) {
      const id = this.idOf(length === cld.length ? cld : cld.slice(0, length));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }
}

/** Longest prefix with a number key: 1 followed by 14 digits stays below 2^53. */
const DIGIT_KEY_MAX = 14;

/** The number key of a digits-only prefix of at most DIGIT_KEY_MAX digits, else undefined. */
function digitKey(text: string): number | undefined {
  if (text.length > DIGIT_KEY_MAX) return undefined;
  let key = 1;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    key = key * 10 + digit;
  }
  return key;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
