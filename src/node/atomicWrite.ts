// Atomic file replacement (temp file + fsync + rename): readers see the old or the new content, never a mix.
import * as fs from 'node:fs';

/** Writes `data` to `file` atomically. */
export function writeFileAtomic(file: string, data: string): void {
  writeFileAtomicWith(file, (fd) => fs.writeFileSync(fd, data));
}

/** Replaces `file` atomically with what `write` writes to the descriptor it is given. */
export function writeFileAtomicWith(file: string, write: (fd: number) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    write(fd);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
