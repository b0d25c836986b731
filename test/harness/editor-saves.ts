// The ways editors and operators save a file, reproduced step by step, so
// that the supervisor's watcher sees the same event sequences it meets in
// production (operations.md: "any editor's way of saving").

import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { delay } from './rpc.js';

export type SaveStyle = 'in-place' | 'rename-over' | 'vim' | 'half-written';

/** Truncates and rewrites the file (same inode): `echo > file`, most IDEs. */
function saveInPlace(path: string, text: string): void {
  writeFileSync(path, text);
}

/** Writes a temporary file beside it and renames it over the original (new inode): emacs, sed -i, most tools. */
function saveRenameOver(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.tmp${process.pid}`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * vim with `backupcopy=no`: a swap file appears, the new text goes to a
 * temporary file, the original is renamed to the backup `FILE~`, the
 * temporary is renamed over, the backup deleted, and the swap file removed
 * when the editor quits. For a moment the file does not exist at all.
 */
function saveLikeVim(path: string, text: string): void {
  const dir = dirname(path);
  const swap = join(dir, `.${basename(path)}.swp`);
  const temporary = join(dir, '4913');
  const backup = `${path}~`;
  writeFileSync(swap, 'b0VIM 9.0\0swap of the file being edited\n');
  writeFileSync(temporary, text);
  renameSync(path, backup);
  renameSync(temporary, path);
  rmSync(backup);
  rmSync(swap);
}

/**
 * A slow writer: the first half of the text (not a valid file on its own
 * when cut mid-line), a pause shorter than the debounce, then the rest.
 */
async function saveHalfWritten(path: string, text: string, pauseMs = 100): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const half = Math.floor(bytes.length / 2);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, bytes, 0, half);
    await delay(pauseMs);
    writeSync(fd, bytes, half, bytes.length - half);
  } finally {
    closeSync(fd);
  }
}

export async function save(style: SaveStyle, path: string, text: string): Promise<void> {
  switch (style) {
    case 'in-place':
      return saveInPlace(path, text);
    case 'rename-over':
      return saveRenameOver(path, text);
    case 'vim':
      return saveLikeVim(path, text);
    case 'half-written':
      return saveHalfWritten(path, text);
  }
}
