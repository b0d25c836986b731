// A listener's swappable settings: everything of a ListenerSpec that can
// change while the socket stays open, plus the resolver. Built whole and
// swapped whole by update(), so a request sees one consistent set: the one
// current when it arrived.

import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { ListenerLimits, ListenerSpec } from '../econfig/listener-spec.js';
import { SippyError } from '../errors.js';
import type { Resolver } from '../routing/index.js';
import { AllowList } from './allow-list.js';

export interface ListenerSettings {
  readonly spec: ListenerSpec;
  readonly environment: number;
  readonly httpPath: string;
  readonly limits: ListenerLimits;
  /** undefined on UNIX sockets: access is by file permissions there. */
  readonly allowList: AllowList | undefined;
  readonly resolver: Resolver;
}

export function settingsFor(spec: ListenerSpec, resolver: Resolver): ListenerSettings {
  return Object.freeze({
    spec,
    environment: spec.environment,
    httpPath: spec.endpoint.kind === 'unix' ? '/' : spec.httpPath,
    limits: spec.limits,
    allowList: spec.endpoint.kind === 'unix' ? undefined : new AllowList(spec.allow),
    resolver,
  });
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads and checks an https listener's certificate and key (TLS_FILES_INVALID when unusable). */
export async function loadTls(spec: ListenerSpec): Promise<TlsMaterial> {
  if (spec.tls === undefined) {
    throw new SippyError('TLS_FILES_INVALID', `${spec.socket}: an https listener needs a certificate and a key file.`);
  }
  const read = async (what: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new SippyError('TLS_FILES_INVALID', `${spec.socket}: cannot read the TLS ${what} file ${path} (${reason}).`);
    }
  };
  const material = { cert: await read('certificate', spec.tls.cert), key: await read('key', spec.tls.key) };
  try {
    createSecureContext(material);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SippyError('TLS_FILES_INVALID', `${spec.socket}: the TLS certificate ${spec.tls.cert} and key ${spec.tls.key} are not a usable pair (${reason}).`);
  }
  return material;
}
