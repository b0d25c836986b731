// Reading a setup file: a regular file (a FIFO or a device is refused, not
// waited on), at most MAX_SETUP_FILE_BYTES, UTF-8 text (a BOM is dropped).
// Text that is not UTF-8 is refused with the line and column of the first
// byte that is not.

import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { SippyError } from '../../errors.js';

/** Far above any environment's setup (10,000 connections are about 2 MiB), far below a mistake worth reading. */
export const MAX_SETUP_FILE_BYTES = 16 * 1024 * 1024;

export async function readSetupFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new SippyError('SETUP_UNREADABLE', `cannot read setup file ${JSON.stringify(file)}: not a regular file`);
      if (stat.size > MAX_SETUP_FILE_BYTES) throw new SippyError('SETUP_UNREADABLE', `setup file ${JSON.stringify(file)} is larger than ${MAX_SETUP_FILE_BYTES / 1048576} MiB`);
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof SippyError) throw err;
    const code = (err as { code?: string }).code ?? 'unknown error';
    throw new SippyError('SETUP_UNREADABLE', `cannot read setup file ${JSON.stringify(file)} (${code})`);
  }
  return decodeUtf8(file, bytes);
}

/** `bytes` as UTF-8, or SETUP_UNREADABLE at FILE:LINE:COLUMN of the first byte that is not. */
export function decodeUtf8(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The lenient decoding re-encodes equal to the bytes up to the first bad one.
    // (A BOM kept, so that the bytes line up.)
    const lenient = Buffer.from(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), 'utf8');
    let bad = 0;
    while (bad < bytes.length && bytes[bad] === lenient[bad]) bad++;
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
    const lines = before.split('\n');
    throw new SippyError('SETUP_UNREADABLE', `${file}:${lines.length}:${lines[lines.length - 1]!.length + 1}: the setup file is not UTF-8 text (byte 0x${bytes[bad]?.toString(16).padStart(2, '0')}); save it as UTF-8`);
  }
}
