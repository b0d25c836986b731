// The snapshot's interned values: amounts, instants and prefixes, each
// distinct value once with an integer index that route records hold
// (route-set.ts). All append-only, so snapshots of several generations can
// share them; a full load starts new ones.

import { parseMicrosNumber } from './cost.js';

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
 * Every distinct prefix once, with an integer id (sets share most of their
 * prefixes). Append-only like MoneyTable: ids stay valid for every snapshot
 * built on this pool; a full load starts a new one.
 */
export class PrefixPool {
  readonly text: string[] = [];
  /** Code points of each prefix (the `prefix` policy key compares these). */
  readonly codePoints: number[] = [];
  private readonly ids = new Map<string, number>();
  /** Longest prefix in UTF-16 code units: no longer part of a CLD can match. */
  private longest = 0;

  intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.text.length;
      this.text.push(text);
      this.codePoints.push(codePoints(text));
      this.ids.set(text, id);
      if (text.length > this.longest) this.longest = text.length;
    }
    return id;
  }

  /**
   * The ids of the prefixes in the pool that start `cld`, longest first. By
   * UTF-16 units: a cut inside a surrogate pair is never a stored prefix.
   */
  prefixIdsOf(cld: string): number[] {
    const ids: number[] = [];
    for (let length = Math.min(cld.length, this.longest); length >= 0; length--) {
      const id = this.ids.get(length === cld.length ? cld : cld.slice(0, length));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
