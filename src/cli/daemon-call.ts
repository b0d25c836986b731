// What the commands that ask a daemon (query, groups, routes) share: the URI
// checked before any call, with the fix spelled out when a path was given
// where a URI belongs, and a failed call turned into a line that carries
// the stable code of docs/errors.md.

import { resolve } from 'node:path';
import { catalogue, SippyError, type CatalogueEntry, type ErrorCode } from '../errors.js';
import { RpcCallError } from '../client/rpc-client.js';
import type { CliIo } from './io.js';

/** The URI as given when it names a daemon (USAGE otherwise, saying what to write). */
export function daemonUri(command: string, uri: string): string {
  if (uri.startsWith('unix:')) {
    const path = uri.slice('unix:'.length);
    if (path.startsWith('/')) return uri;
    throw new SippyError('USAGE', `${command}: ${JSON.stringify(uri)}: unix: needs an absolute path; from here that is unix:${resolve(path)}`);
  }
  if (/^https?:\/\/./.test(uri)) return uri;
  if (uri.includes('/') || uri.endsWith('.sock')) {
    throw new SippyError('USAGE', `${command}: ${JSON.stringify(uri)} is not a URI; for a UNIX socket write unix:${resolve(uri)}`);
  }
  throw new SippyError('USAGE', `${command}: ${JSON.stringify(uri)} is not a URI: expected unix:/path, http://HOST:PORT/PATH or https://HOST:PORT/PATH`);
}

/** The catalogue's name of a JSON-RPC error code, when exactly one code has it. */
export function catalogueNameOf(rpcCode: number): ErrorCode | undefined {
  const names = (Object.entries(catalogue) as [ErrorCode, CatalogueEntry][]).filter(([, entry]) => entry.rpc === rpcCode).map(([name]) => name);
  return names.length === 1 ? names[0] : undefined;
}

/**
 * A failed call: the daemon's error is printed here with its JSON-RPC code
 * and catalogue name (exit 1); a daemon that cannot be reached or answers
 * nonsense becomes a catalogued SippyError for main.ts to print.
 */
export function daemonFailure(command: string, err: unknown, io: CliIo): number {
  if (!(err instanceof RpcCallError)) throw err;
  if (err.failure === 'remote' && err.remote !== undefined) {
    const data = err.remote.data === undefined ? '' : ` ${JSON.stringify(err.remote.data)}`;
    const name = catalogueNameOf(err.remote.code);
    io.stderr.write(`sippy_routed: ${command}: the daemon answered error ${err.remote.code}: ${err.remote.message}${data}${name === undefined ? '' : ` [${name}]`}\n`);
    return 1;
  }
  throw new SippyError(err.failure === 'invalid' ? 'DAEMON_BAD_ANSWER' : 'DAEMON_UNREACHABLE', `${command}: ${err.message}`);
}
