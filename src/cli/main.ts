// run(argv, io) -> exit status: the whole command line, testable in-process.
// The only place that turns errors into text for humans.

import { SippyError } from '../errors.js';
import { describeForLog } from '../log.js';
import { VERSION } from '../version.js';
import { checkCommand } from './check-command.js';
import { dbCommand } from './db-command.js';
import { isListenerCommandLine, listenerCommand } from './listener-command.js';
import { queryCommand } from './query-command.js';
import { groupsCommand, routesCommand } from './inspect-commands.js';
import { reloadCommand, statusCommand } from './control-command.js';
import { superviseCommand } from './supervise-command.js';
import { demoCommand } from './demo-command.js';
import { applyCommand, exportCommand } from './setup-commands.js';
import type { CliIo, Command } from './io.js';

export const MAIN_HELP = `sippy_routed ${VERSION}: external call-routing daemon (JSON-RPC over MySQL)

Usage:
  sippy_routed supervise [-f ECONFIG] [-d DSN] [--environments LIST] [--rundir DIR]
                         [--pidfile FILE] [--control SOCKET] [--log-file FILE]
                         [--log-level LEVEL] [--env-poll SECONDS] [--drain MS]
                         [--metrics URI [--metrics-allow PREFIXES]]
                                       run every environment's listener, following the econfig file
  sippy_routed status [--control SOCKET] [--json]
  sippy_routed reload [--data] [--control SOCKET] [--json]
                                       ask a running supervisor (--data: rebuild the routing snapshots)
  sippy_routed -e N [listener options] [--log-level LEVEL] [--log-file FILE] [--rundir DIR]
                                       run environment N's listener in the foreground
  sippy_routed query URI --group NAME --cld CLD [--cli CLI] [--time T] [--max-routes N]
                     [--explain] [--json] [--timeout MS]
                                       ask a daemon for routes
  sippy_routed groups URI [--limit N] [--offset N] [--json] [--timeout MS]
                                       list a daemon's routing groups
  sippy_routed routes URI --group NAME [--cld CLD] [--limit N] [--offset N] [--json] [--timeout MS]
                                       list the routes a group's entries consider
  sippy_routed demo [--dir DIR] [--econfig FILE] [--metrics URI]
                                       run the daemon on the demo setup (what make demo runs)
  sippy_routed db migrate [-d DSN]     create or upgrade the database schema
  sippy_routed db demo [-d DSN] [--rundir DIR]
                                       migrate, then load the demo data set
  sippy_routed check [-f FILE] [--environments LIST | -d DSN] [--json] [--rundir DIR]
                                       validate an econfig file (default /usr/local/etc/sippy_routed/econfig)
  sippy_routed rates import FILE --set NAME [-d DSN] [--env N] [--mode full|partial]
                     [--effective T] [--notice DAYS] [--columns MAP] [--decimal-comma]
                     [--encoding E] [--sheet NAME] [--strip LIST] [--currency C]
                     [--dry-run] [--json]
                                       import a carrier's rate deck (CSV or XLSX) into a destination set
  sippy_routed rates export --set NAME [-d DSN] [--env N] [--at T] [--output FILE]
                                       write a destination set's rates as a CSV deck
  sippy_routed rates history --set NAME --prefix P [-d DSN] [--env N] [--json]
                                       a prefix's rates over time
  sippy_routed export [-d DSN] --env N [--output FILE]
                                       write an environment's routing setup as YAML (no rates)
  sippy_routed apply FILE [-d DSN] [--dry-run] [--prune] [--json]
                                       make the routing setup what FILE says (diff, one transaction)
  sippy_routed --help | --version

Every command takes --help (the listener form: sippy_routed -e N --help).
The database DSN may also come from SIPPY_ROUTED_DB. Exit status: 0 success,
1 runtime failure, 2 usage or configuration error; an error's line ends in
its code (docs/errors.md). The manual page is sippy_routed(8).
`;

const commands: Record<string, Command> = {
  db: dbCommand,
  check: checkCommand,
  query: queryCommand,
  groups: groupsCommand,
  routes: routesCommand,
  supervise: superviseCommand,
  status: statusCommand,
  reload: reloadCommand,
  demo: demoCommand,
  // Loaded when used: rate decks bring csv-parse, iconv-lite and exceljs, which the daemon never needs.
  rates: async (argv, io) => (await import('./rates-command.js')).ratesCommand(argv, io),
  export: exportCommand,
  apply: applyCommand,
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      io.stdout.write(MAIN_HELP);
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (isListenerCommandLine(argv)) return await listenerCommand(argv, io);
    // Own keys only: `sippy_routed constructor` is an unknown command, not Object.
    const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
    if (command === undefined) throw new SippyError('USAGE', `unknown command ${JSON.stringify(first)}; see sippy_routed --help`);
    return await command(rest, io);
  } catch (err) {
    if (err instanceof SippyError) {
      // The code of docs/errors.md ends the line: what to search for, stable across releases.
      io.stderr.write(`sippy_routed: ${err.message} [${err.code}]\n`);
      return err.exitCode;
    }
    // A bug, not an expected failure: say so, without secrets.
    io.stderr.write(`sippy_routed: internal error: ${describeForLog(err)}\n`);
    return 1;
  }
}
