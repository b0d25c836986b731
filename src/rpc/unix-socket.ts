// UNIX socket files: stale-or-live detection, binding, and removing only
// what we created.
//
// libuv unlinks a UNIX socket's path when the server closes, whatever file
// is at that path by then, which could be another listener's socket. So the
// server binds a temporary name in the same directory, gets its mode, and is
// renamed onto the wanted path (atomically replacing a stale socket file).
// libuv then only ever unlinks the temporary name, which no longer exists,
// and on close we unlink the real path only if it is still our inode.

import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { chmod, lstat, rename, stat, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { SippyError } from '../errors.js';

/** The socket file this listener created: dev and inode after bind. */
export interface SocketIdentity {
  readonly dev: number;
  readonly ino: number;
}

const PROBE_TIMEOUT_MS = 1000;

/**
 * Makes sure `path` can be taken: absent, or a socket file nothing accepts
 * on (stale: it will be replaced). A socket that answers is SOCKET_IN_USE;
 * anything else at the path (a regular file, a directory) is never removed.
 */
export async function checkSocketPath(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw bindFailed(path, err);
  }
  if (!info.isSocket()) {
    throw new SippyError('SOCKET_BIND_FAILED', `cannot listen on unix:${path}: the path exists and is not a socket; remove it or choose another path.`);
  }
  if (await answers(path)) {
    throw new SippyError('SOCKET_IN_USE', `cannot listen on unix:${path}: the socket is in use by a running process.`);
  }
}

/** Whether something accepts connections on the socket at `path`. A timeout counts as in use (it may be a busy daemon). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    const done = (live: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    probe.once('connect', () => done(true));
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}

/** Binds `server` on `path` with `mode` (see the module comment); returns the socket's identity. */
export async function bindUnixSocket(server: Server, path: string, mode: number): Promise<SocketIdentity> {
  const temporary = join(dirname(path), `.${basename(path).slice(0, 8)}.${randomBytes(4).toString('hex')}`);
  await listen(server, temporary, path);
  // A listening server emits 'error' when accept() fails (EMFILE under a
  // descriptor shortage) and keeps listening; with no listener that error
  // would end the process. Owners that log it add their own listener.
  server.on('error', () => undefined);
  try {
    await chmod(temporary, mode);
    const info = await stat(temporary);
    await rename(temporary, path);
    return { dev: info.dev, ino: info.ino };
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(temporary).catch(() => undefined);
    throw bindFailed(path, err);
  }
}

function listen(server: Server, temporary: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(bindFailed(path, err));
    server.once('error', onError);
    server.listen(temporary, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Whether `path` is still the socket we created (another listener may own the path by now). */
export async function isOwnSocket(path: string, identity: SocketIdentity): Promise<boolean> {
  try {
    const info = await lstat(path);
    return info.dev === identity.dev && info.ino === identity.ino;
  } catch {
    return false;
  }
}

export async function unlinkIfOwn(path: string, identity: SocketIdentity): Promise<boolean> {
  if (!(await isOwnSocket(path, identity))) return false;
  await unlink(path).catch(() => undefined);
  return true;
}

export async function chmodIfOwn(path: string, identity: SocketIdentity, mode: number): Promise<void> {
  if (!(await isOwnSocket(path, identity))) return;
  try {
    await chmod(path, mode);
  } catch (err) {
    throw bindFailed(path, err);
  }
}

function bindFailed(path: string, err: unknown): SippyError {
  // Node reports a bind in a missing directory as EACCES: look before blaming permissions.
  const code = directoryMissing(path) ? 'ENOENT' : (err as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'the directory does not exist' : (code ?? (err instanceof Error ? err.message : String(err)));
  return new SippyError('SOCKET_BIND_FAILED', `cannot listen on unix:${path}: ${reason}.`);
}

function directoryMissing(path: string): boolean {
  try {
    statSync(dirname(path));
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}
