// `sippy_routed db migrate|demo`: schema and demo data.

import { resolve } from 'node:path';
import { SippyError } from '../errors.js';
import { dsnFromOptions } from '../db/dsn.js';
import { Database } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { loadDemo } from '../db/demo.js';
import { DEFAULT_RUNDIR } from '../econfig/index.js';
import { demoRouteCount } from '../db/demo-data.js';
import { parseCommandLine, stringOption } from './args.js';
import type { CliIo } from './io.js';

export const DB_HELP = `Usage:
  sippy_routed db migrate [-d DSN]
      Create the schema or upgrade it to this version; a second run changes nothing.
  sippy_routed db demo [-d DSN] [--rundir DIR]
      Migrate, then load the demo data set (two environments, ${demoRouteCount()} routes).
      Loading again changes nothing. --rundir sets where environment 2's
      external group expects environment 1's socket (default /var/run).

Options:
  -d, --dsn DSN   mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path
                  (default: $SIPPY_ROUTED_DB)
  -h, --help      this text
`;

export async function dbCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('db', argv, {
    dsn: { type: 'string', short: 'd' },
    rundir: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (parsed.values.help === true) {
    io.stdout.write(DB_HELP);
    return 0;
  }
  const [action, ...extra] = parsed.positionals;
  if (action !== 'migrate' && action !== 'demo') {
    throw new SippyError('USAGE', `db: expected migrate or demo, got ${action === undefined ? 'nothing' : JSON.stringify(action)}; see sippy_routed db --help`);
  }
  if (extra.length > 0) throw new SippyError('USAGE', `db ${action}: unexpected argument ${JSON.stringify(extra[0])}`);
  if (action === 'migrate' && parsed.values.rundir !== undefined) throw new SippyError('USAGE', 'db migrate: --rundir applies to db demo only');

  const db = new Database(dsnFromOptions(stringOption(parsed, 'dsn'), io.env));
  try {
    const result = await migrate(db);
    if (result.repaired.length > 0) {
      io.stdout.write(`re-created ${result.repaired.length} change journal trigger(s) that were missing or on another table: ${result.repaired.join(', ')}\n`);
    }
    io.stdout.write(
      result.applied.length > 0 ? `schema migrated from version ${result.from} to ${result.to} (${db.dsn.redacted})\n`
      : result.repaired.length > 0 ? `schema is at version ${result.to}; triggers repaired (${db.dsn.redacted})\n`
      : `schema is at version ${result.to}; nothing to do (${db.dsn.redacted})\n`,
    );
    if (action === 'demo') {
      const rundir = resolve(stringOption(parsed, 'rundir') ?? DEFAULT_RUNDIR);
      const demo = await loadDemo(db, rundir);
      io.stdout.write(
        demo.routesInserted === 0
          ? `demo data already present in ${demo.environments} environments; nothing to do\n`
          : `demo data loaded: ${demo.environments} environments, ${demo.routesInserted} routes\n`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}
