// The persistent ledger, in the state dir (`~/.agent-meter/ledger/`). A restart reads only log bytes it has not
// seen, and history survives the agents deleting their logs. Layout:
//   snapshot.json  every file's contribution + checkpoint, written whole (temp file + rename) at compaction;
//   journal.jsonl  one line per flush: the ops each read fed the ledger + the files' new checkpoints. A line is
//                  self-contained (ops and the checkpoint they reach), so a torn last line loses only bytes that
//                  will be read again from the logs. Lines carry the snapshot generation they extend;
//   writer.lock    see writerLock.ts; only the holder writes.
// A store that cannot be read, or is of another version, is rebuilt from the logs with a warning, never a crash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ledger } from '../core/ledger';
import { applyOps, encodeContribution, inlineStrings, tableStrings, type FileOps, type Item } from './ledgerCodec';
import type { FileCheckpoint } from './logReader';

export const STORE_FORMAT = 'agent-meter-ledger';
export const STORE_VERSION = 1;

interface SnapshotFile {
  format: typeof STORE_FORMAT;
  version: number;
  generation: number;
  savedAt: string;
  strings: string[];
  files: { path: string; cp: FileCheckpoint | null; lines: number; repaired?: Record<string, number>; items: Item[] }[];
}

interface JournalLine {
  g: number;
  at: string;
  files: { ops: FileOps; cp: FileCheckpoint | null }[];
}

export interface LoadedStore {
  /** Files under the roots asked about. */
  ledger: Ledger;
  /** Files under other roots: not reported on by this process, but kept and written back intact. */
  foreign: Ledger;
  checkpoints: Map<string, FileCheckpoint>;
  /** Identifies the stored state; changes with every write. */
  stamp: string;
  warnings: string[];
}

/** Compact the journal into a new snapshot once it holds this many bytes and a quarter of the snapshot. */
const COMPACT_MIN_BYTES = 4 << 20;

/** Writes a file so that readers see the old or the new content, never a mix. */
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

export class LedgerStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly lockPath: string;
  private generation = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;

  constructor(readonly dir: string) {
    this.snapshotPath = path.join(dir, 'snapshot.json');
    this.journalPath = path.join(dir, 'journal.jsonl');
    this.lockPath = path.join(dir, 'writer.lock');
  }

  ensureDir(): void {
    fs.mkdirSync(this.dir, { recursive: true });
  }

  get stamp(): string {
    return `${this.generation}:${this.journalBytes}`;
  }

  /**
   * Reads snapshot + journal into fresh ledgers: files for which `inScope` holds into `ledger`, the rest into
   * `foreign`. Never throws for bad content: it warns and starts over.
   */
  load(inScope: (path: string) => boolean = () => true): LoadedStore {
    const ledger = new Ledger();
    const foreign = new Ledger();
    const target = (p: string) => (inScope(p) ? ledger : foreign);
    const checkpoints = new Map<string, FileCheckpoint>();
    const warnings: string[] = [];
    this.generation = 0;
    this.journalBytes = 0;
    this.snapshotBytes = 0;

    let snapshot: SnapshotFile | undefined;
    let text: string | undefined;
    try {
      text = fs.readFileSync(this.snapshotPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`ledger snapshot unreadable (${(err as Error).message}); rebuilding from the logs`);
    }
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as Partial<SnapshotFile>;
        if (parsed.format !== STORE_FORMAT || parsed.version !== STORE_VERSION || !Array.isArray(parsed.files) || !Array.isArray(parsed.strings)) {
          warnings.push(`ledger store is of another format or version (${String(parsed.version)}); rebuilding from the logs`);
        } else {
          snapshot = parsed as SnapshotFile;
        }
      } catch {
        warnings.push('ledger snapshot is corrupt; rebuilding from the logs');
      }
    }
    if (snapshot) {
      try {
        const codec = tableStrings(snapshot.strings);
        for (const f of snapshot.files) {
          applyOps({ path: f.path, lines: f.lines, repaired: f.repaired, items: f.items }, target(f.path), codec);
          if (f.cp) checkpoints.set(f.path, f.cp);
        }
        this.generation = snapshot.generation;
        this.snapshotBytes = text?.length ?? 0;
      } catch {
        warnings.push('ledger snapshot is corrupt; rebuilding from the logs');
        return { ledger: new Ledger(), foreign: new Ledger(), checkpoints: new Map(), stamp: this.stamp, warnings };
      }
    } else if (text !== undefined) {
      return { ledger, foreign, checkpoints, stamp: this.stamp, warnings };
    }

    let journal = '';
    try {
      journal = fs.readFileSync(this.journalPath, 'utf8');
    } catch {
      // no journal yet
    }
    let offset = 0;
    while (offset < journal.length) {
      const nl = journal.indexOf('\n', offset);
      if (nl === -1) break; // a torn last line: its bytes will be read again from the logs
      const raw = journal.slice(offset, nl);
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        warnings.push('ledger journal has a damaged line; the logs after it are read again');
        break;
      }
      offset = nl + 1;
      if (line.g !== this.generation) continue; // belongs to an older snapshot
      for (const f of line.files) {
        applyOps(f.ops, target(f.ops.path), inlineStrings);
        if (f.cp) checkpoints.set(f.ops.path, f.cp);
        else checkpoints.delete(f.ops.path);
      }
    }
    this.journalBytes = offset;
    return { ledger, foreign, checkpoints, stamp: this.stamp, warnings };
  }

  /** Appends one flush to the journal (writer only). Drops a torn tail first so the new line starts clean. */
  append(files: { ops: FileOps; cp: FileCheckpoint | null }[]): void {
    if (files.length === 0) return;
    const line = `${JSON.stringify({ g: this.generation, at: new Date().toISOString(), files } satisfies JournalLine)}\n`;
    let size = 0;
    try {
      size = fs.statSync(this.journalPath).size;
    } catch {
      // created below
    }
    if (size !== this.journalBytes) fs.truncateSync(this.journalPath, Math.min(size, this.journalBytes));
    fs.appendFileSync(this.journalPath, line);
    this.journalBytes += Buffer.byteLength(line);
  }

  shouldCompact(): boolean {
    return this.journalBytes > COMPACT_MIN_BYTES && this.journalBytes > this.snapshotBytes / 4;
  }

  /** Writes the ledgers as a new snapshot generation and starts an empty journal (writer only). */
  compact(ledgers: Ledger[], checkpoints: Map<string, FileCheckpoint>): void {
    const codec = tableStrings();
    const files: SnapshotFile['files'] = [];
    for (const ledger of ledgers) {
      for (const f of ledger.fileContributions()) {
        files.push({ path: f.path, cp: checkpoints.get(f.path) ?? null, ...encodeContribution(f, codec) });
      }
    }
    const generation = this.generation + 1;
    const body: SnapshotFile = { format: STORE_FORMAT, version: STORE_VERSION, generation, savedAt: new Date().toISOString(), strings: codec.table, files };
    const text = JSON.stringify(body);
    writeFileAtomic(this.snapshotPath, text);
    // Old journal lines carry the previous generation and are ignored from here on; empty it anyway.
    writeFileAtomic(this.journalPath, '');
    this.generation = generation;
    this.snapshotBytes = text.length;
    this.journalBytes = 0;
  }
}
