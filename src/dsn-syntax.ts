// DSN syntax and redaction. A DSN is where a database password lives, an
// upstream URI may hold one too: everything that shows either (logs, error
// data, metrics labels, status) shows redactUri's form of it, and every text
// that may hold a DSN passes through redactSecrets. A leaf (no driver, no
// I/O) so that every layer may import it: econfig checks -d, the log
// redacts, the RPC layer cleans error messages, without loading mysql2.

import { SippyError } from './errors.js';

export interface Dsn {
  readonly user: string;
  readonly password: string | undefined;
  /** TCP host, or undefined when `socket` is set. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly socketPath: string | undefined;
  readonly database: string;
  /** The DSN with the password replaced by `***`: safe for logs and status. */
  readonly redacted: string;
}

const SHAPE = 'expected mysql://USER[:PASS]@HOST[:PORT]/DB or mysql://USER@localhost/DB?socket=/path';

function invalid(why: string): SippyError {
  // Never echo the DSN itself: it may hold a password.
  return new SippyError('DB_DSN_INVALID', `invalid database DSN: ${why} (${SHAPE})`);
}

/** decodeURIComponent that reports a malformed %-escape as a DSN error instead of a URIError. */
function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`malformed %-escape in the ${what}`);
  }
}

export function parseDsn(text: string): Dsn {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('not a URL');
  }
  if (url.protocol !== 'mysql:') throw invalid(`scheme must be mysql:, got ${JSON.stringify(url.protocol.replace(/:$/, ''))}`);
  if (url.username === '') throw invalid('no user name');
  if (url.hostname === '') throw invalid('no host');
  if (url.hash !== '') throw invalid('unexpected #fragment');
  const database = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/')) throw invalid('the path must be exactly one database name');
  let socketPath: string | undefined;
  for (const [key, value] of url.searchParams) {
    if (key !== 'socket') throw invalid(`unknown parameter ${JSON.stringify(key)}`);
    if (!value.startsWith('/')) throw invalid('socket must be an absolute path');
    socketPath = value;
  }
  if (socketPath !== undefined && url.hostname !== 'localhost') throw invalid('socket= requires the host localhost');
  if (socketPath !== undefined && url.port !== '') throw invalid('socket= and a port exclude each other');
  const port = url.port === '' ? undefined : Number(url.port);
  const user = decode(url.username, 'user name');
  const password = url.password === '' ? undefined : decode(url.password, 'password');
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return Object.freeze({
    user,
    password,
    host: socketPath === undefined ? hostname : undefined,
    port,
    socketPath,
    database,
    redacted: redactUri(text),
  });
}

/** What redactUri shows for a URI it cannot parse: nothing of it, since where its password would be is unknown. */
export const UNPARSEABLE_URI = '<unparseable uri>';

/**
 * A URI (a DSN, an external group's upstream) as it may be shown: parsed
 * as a WHATWG URL after trimming, never matched by a pattern, so the
 * password is what the parser takes for one (up to the last `@` before the
 * host, whatever `@`, `:` or %-escapes it holds), and it is replaced by
 * `***`; the user name is kept. The rest is the parser's serialisation
 * (`http://h:80` shows as `http://h/`). Only two forms are shown: a URI
 * with an authority (`scheme://…`) and `unix:` followed by a path (no
 * authority, so no password). Anything else, whether the parser refuses it
 * or reads it some other way (`user:secret@host/`, written without a
 * scheme, parses with the scheme `user:`), is UNPARSEABLE_URI.
 */
export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return UNPARSEABLE_URI;
  }
  if (url.protocol !== 'unix:' && !url.href.startsWith(`${url.protocol}//`)) return UNPARSEABLE_URI;
  if (url.password !== '') url.password = '***';
  return url.href;
}

/**
 * A DSN with a password inside free text. The scheme in any case (URL
 * parsing accepts MYSQL://). The user: anything up to the first `:`, not
 * ending in `[` (the help text's `USER[:PASS]` is no DSN). The password may
 * hold blanks and `@` (URL parsing takes the last `@` before the host), so
 * it runs to the first `@` followed by a host part, that is a run without
 * `@` or blanks up to `/`, `?`, `#`, a blank, a quote or the end.
 */
const DSN_PASSWORD = /(mysql:\/\/[^:/?#@\n]*[^:/?#@\n[]):[^\n]*?@(?=[^@\s]*(?:[/?#\s'"]|$))/gi;

/** Best-effort redaction of any text that may hold a DSN (error messages, logs). */
export function redactSecrets(text: string): string {
  return text.replace(DSN_PASSWORD, '$1:***@');
}
