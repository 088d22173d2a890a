// Atomic file replacement (temp file + fsync + rename): readers see the old or the new content, never a mix.
import * as fs from 'node:fs';

/** Writes `data` to `file` atomically. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
