// Rate decks for the tests of `sippy_routed rates`: files in a temporary
// directory, the command run in-process, and what a set holds as short
// comparable lines.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/db/pool.js';
import { runCli, type CliResult } from './cli.js';

export class DeckFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'sippy_routed-rates-'));
  private count = 0;

  /** Writes `content` (text as UTF-8, or bytes) to a new file; its path. */
  write(content: string | Buffer, extension = 'csv'): string {
    const path = join(this.dir, `deck-${++this.count}.${extension}`);
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `sippy_routed rates ARGS -d DSN`. */
export function rates(dsn: string, ...args: string[]): Promise<CliResult> {
  return runCli(['rates', ...args, '-d', dsn]);
}

/** The JSON report of `rates import ... --json` (stdout), whatever the exit status. */
export function jsonOf<T = Record<string, any>>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

/**
 * A set's rows as "PREFIX PRICE_1[/PRICE_N] I1/IN ACTIVATION..EXPIRATION [forbidden] [DESCRIPTION]",
 * by prefix, activation, i_route.
 */
export async function setLines(db: Database, setName: string, environment = 1): Promise<string[]> {
  const rows = await db.select(
    `SELECT r.prefix, r.price_1, r.price_n, r.interval_1, r.interval_n, r.activation_date, r.expiration_date, r.forbidden, r.description
       FROM routes r JOIN destination_sets d ON d.i_destination_set = r.i_destination_set
      WHERE d.i_environment = ? AND d.name = ? ORDER BY r.prefix, r.activation_date, r.i_route`,
    [environment, setName],
  );
  return rows.map((r) => [
    `${r.prefix} ${r.price_1}${r.price_n === r.price_1 ? '' : `/${r.price_n}`} ${r.interval_1}/${r.interval_n}`,
    `${String(r.activation_date).slice(0, 10)}..${r.expiration_date === null ? '' : String(r.expiration_date).slice(0, 10)}`,
    ...(Number(r.forbidden) === 1 ? ['forbidden'] : []),
    ...(r.description === null ? [] : [String(r.description)]),
  ].join(' '));
}

/** The change journal's head: unchanged when nothing was written to the routing tables. */
export async function journalHead(db: Database): Promise<number> {
  const [row] = await db.select('SELECT COALESCE(MAX(seq), 0) AS seq FROM routing_changes');
  return Number(row!.seq);
}
