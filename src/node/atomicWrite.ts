// Atomic file replacement (temp file + rename): readers see the old or the new content, never a mix. The temp file is
// fsynced before the rename unless the caller says the content can be rebuilt (a cache, or a store's first snapshot
// of logs that are still there): a crash then leaves an empty or torn file that the reader rejects and rebuilds.
import * as fs from 'node:fs';

export interface AtomicWriteOptions {
  /** fsync before the rename (default true): false only for content that can be rebuilt when lost. */
  durable?: boolean;
}

/** Writes `data` to `file` atomically. */
export function writeFileAtomic(file: string, data: string, options: AtomicWriteOptions = {}): void {
  writeFileAtomicWith(file, (fd) => fs.writeFileSync(fd, data), options);
}

/** Replaces `file` atomically with what `write` writes to the descriptor it is given. */
export function writeFileAtomicWith(file: string, write: (fd: number) => void, options: AtomicWriteOptions = {}): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    write(fd);
    if (options.durable !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
