// The rate-deck benchmark's data (bench/rates/main.ts): a deck of N rows
// written as a carrier sends it (quoted CSV, decimal commas, destination
// names, rows in no prefix order), and the same rows as the TSV a raw LOAD
// DATA takes. Deterministic: row i always holds the same prefix and rate.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Distinct destination names, as a real A-Z deck has a few thousand. */
const NAMES = 5000;
/** A prime: i -> i * STEP mod N visits every number below N once (N not a multiple of it), so prefixes are distinct and unsorted. */
const STEP = 1_000_003;

export interface DeckRowValues {
  readonly prefix: string;
  readonly description: string;
  /** Micro-units. */
  readonly price: number;
}

/**
 * The prefix of slot k (0 <= k < n): a deck of n rows holds slots 0 to n-1,
 * so a bigger deck holds a smaller one's prefixes, at the same rates.
 */
export function slotPrefix(k: number): string {
  return String(100_000_000 + k);
}

/** The rate of slot k in micro-units; `changed` raises every tenth slot's by 0.0001 (a weekly update). */
export function slotPrice(k: number, changed = false): number {
  return 1000 + (k % 5000) * 100 + (changed && k % 10 === 0 ? 100 : 0);
}

/** Row i of a deck of n rows; `changed` as for slotPrice. */
export function deckRow(i: number, n: number, changed = false): DeckRowValues {
  const k = Number((BigInt(i) * BigInt(STEP)) % BigInt(n));
  const name = k % NAMES;
  return {
    prefix: slotPrefix(k),
    description: `Destination ${Math.floor(name / 3)} - ${['Fixed', 'Mobile', 'Premium'][name % 3]}`,
    price: slotPrice(k, changed),
  };
}

function decimalComma(micros: number): string {
  return `${Math.floor(micros / 1_000_000)},${String(micros % 1_000_000).padStart(6, '0').replace(/0+$/, '') || '0'}`;
}

/** Writes the deck as CSV ("DESTINATION","PREFIX","RATE" with decimal commas, CRLF), with backpressure. */
export async function writeDeck(path: string, n: number, changed = false): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '"DESTINATION","PREFIX","RATE"\r\n';
  for (let i = 0; i < n; i++) {
    const row = deckRow(i, n, changed);
    chunk += `"${row.description}","${row.prefix}","${decimalComma(row.price)}"\r\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

/** The same rows as LOAD DATA's TSV for routes (i_destination_set, prefix, description, price_1, price_n, activation_date), in chunks. */
export function* tsvChunks(set: number, n: number, activation: string): Generator<Buffer> {
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const row = deckRow(i, n);
    const price = `${Math.floor(row.price / 1_000_000)}.${String(row.price % 1_000_000).padStart(6, '0')}`;
    chunk += `${set}\t${row.prefix}\t${row.description}\t${price}\t${price}\t${activation}\n`;
    if (chunk.length > 1 << 16) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}
