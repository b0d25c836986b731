// The manual page sippy_routed(8), made from what `--help` prints: the
// synopsis is the main usage, and each command's section is that command's
// own --help, captured by running it. So the page cannot drift from the
// program. `make build` writes it to dist/sippy_routed.8 (running this
// module), `make install` installs it under PREFIX/share/man/man8.

import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_RUNDIR } from '../econfig/index.js';
import { VERSION } from '../version.js';
import { DEFAULT_ECONFIG } from './check-command.js';
import { run } from './main.js';

/**
 * Where `make install` puts README.md and docs/ with the default PREFIX, as
 * DEFAULT_ECONFIG is the default PREFIX's econfig (the Makefile's DOCDIR).
 */
export const DOC_DIR = '/usr/local/share/doc/sippy_routed';

/** Each command's section: its title and the argv whose output is its text. */
const SECTIONS: readonly { readonly title: string; readonly argv: readonly string[] }[] = [
  { title: 'supervise', argv: ['supervise', '--help'] },
  { title: 'status, reload', argv: ['status', '--help'] },
  { title: '-e N (one listener)', argv: ['-e', '1', '--help'] },
  { title: 'query', argv: ['query', '--help'] },
  { title: 'groups', argv: ['groups', '--help'] },
  { title: 'routes', argv: ['routes', '--help'] },
  { title: 'check', argv: ['check', '--help'] },
  { title: 'db', argv: ['db', '--help'] },
  { title: 'demo', argv: ['demo', '--help'] },
  { title: 'rates', argv: ['rates', '--help'] },
  { title: 'export', argv: ['export', '--help'] },
  { title: 'apply', argv: ['apply', '--help'] },
];

/** What `sippy_routed ARGV` prints on stdout. */
export async function helpText(argv: readonly string[]): Promise<string> {
  let out = '';
  const sink = { write: (text: string) => (out += text) };
  await run(argv, { stdout: sink, stderr: { write: () => true }, env: {} });
  return out;
}

/** The lines after "Usage:" of the main --help, up to the blank line: the synopsis README shows too. */
export function usageBlock(mainHelp: string): string {
  const start = mainHelp.indexOf('Usage:\n');
  const end = mainHelp.indexOf('\n\n', start);
  if (start < 0 || end < 0) throw new Error('the main --help has no "Usage:" block');
  return mainHelp.slice(start + 'Usage:\n'.length, end).split('\n').map((line) => line.replace(/^ {2}/, '')).join('\n') + '\n';
}

/** Text as roff shows it verbatim inside .nf: backslashes and hyphens escaped, no line read as a request. */
export function roffLiteral(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function verbatim(text: string): string {
  return `.nf\n${roffLiteral(text.replace(/\n+$/, ''))}\n.fi\n`;
}

export async function manPage(): Promise<string> {
  const main = await helpText(['--help']);
  const description = main.slice(main.indexOf('\n\n', main.indexOf('Usage:\n')) + 2);
  let page = `.TH SIPPY_ROUTED 8 "" "sippy_routed ${VERSION}" "System Manager's Manual"
.SH NAME
sippy_routed \\- external call\\-routing daemon for VoIP softswitches (JSON\\-RPC over MySQL)
.SH SYNOPSIS
${verbatim(usageBlock(main))}.SH DESCRIPTION
A softswitch asks sippy_routed over JSON\\-RPC which outbound connections a
call should try, and at what rates; it answers from a MySQL or MariaDB
database, through an in\\-memory snapshot that follows the database. A
supervisor runs one listener per environment as the econfig file says and
follows every edit of it with no restart.
.PP
SIP proxies ask too: every listener also answers
.B GET /rtjson?routing_group=G&cld=N[&cli=N][&call_start_time=T][&max_routes=N]
(and getRoutes with \\fB"format": "rtjson"\\fR) with the same routes as
Kamailio's rtjson routing document, behind the same allow\\-list. The
Kamailio config that uses it is installed beside the econfig sample.
.PP
${verbatim(description)}.SH COMMANDS
`;
  for (const section of SECTIONS) page += `.SS ${roffLiteral(section.title)}\n${verbatim(await helpText(section.argv))}`;
  page += `.SH ENVIRONMENT
.TP
.B SIPPY_ROUTED_DB
The database DSN when \\-d is not given.
.SH FILES
.TP
.I ${roffLiteral(DEFAULT_ECONFIG)}
The econfig file (see docs/econfig.md).
.TP
.I ${roffLiteral(`${dirname(DEFAULT_ECONFIG)}/kamailio/sippy_routed.cfg`)}
A Kamailio 5.6+ config that routes calls through GET /rtjson with failover; its settings are at its top (see docs/kamailio.md).
.TP
.I ${roffLiteral(DOC_DIR)}
The documentation: README.md and docs/ (make install puts them under
PREFIX/share/doc/sippy_routed). The docs/ paths on this page are there.
.TP
.I ${roffLiteral(DEFAULT_RUNDIR)}
Default directory of the listeners' UNIX sockets, the pidfile and the control socket.
.SH EXIT STATUS
0 success, 1 runtime failure, 2 usage or configuration error. An error's
line ends in its stable code; docs/errors.md lists them all.
.B status
exits 3 when the supervisor answered but its last reload failed.
.SH SEE ALSO
README.md and docs/ in
.IR ${roffLiteral(DOC_DIR)} :
operations.md (supervisor, reloads, rc.d
and systemd), rpc.md (the JSON\\-RPC methods and GET /rtjson), kamailio.md,
routing.md, econfig.md, rates.md (rate decks), setup.md (the setup file of
export and apply), schema.md (the tables), errors.md.
`;
  return page;
}

// `node dist/src/cli/man-page.js > sippy_routed.8` (make build).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.stdout.write(await manPage());
}
