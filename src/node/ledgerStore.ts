// The persistent ledger, in the state dir (`~/.agent-meter/ledger/`). A restart reads only log bytes it has not
// seen, and history survives the agents deleting their logs. Layout:
//   snapshot.jsonl every file's contribution + checkpoint, one line per file after a header line, the string table
//                  on the last line; written at compaction (temp file + rename), read and applied line by line;
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
import { writeFileAtomic } from './atomicWrite';

export const STORE_FORMAT = 'agent-meter-ledger';
export const STORE_VERSION = 2;

interface SnapshotHeader {
  format: typeof STORE_FORMAT;
  version: number;
  generation: number;
  savedAt: string;
}

interface SnapshotEntry {
  path: string;
  cp: FileCheckpoint | null;
  lines: number;
  repaired?: Record<string, number>;
  items: Item[];
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

export class LedgerStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly lockPath: string;
  private generation = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;

  constructor(readonly dir: string) {
    this.snapshotPath = path.join(dir, 'snapshot.jsonl');
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

    let text: string | undefined;
    try {
      text = fs.readFileSync(this.snapshotPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`ledger snapshot unreadable (${(err as Error).message}); rebuilding from the logs`);
    }
    if (text !== undefined) {
      const problem = this.applySnapshot(text, target, checkpoints);
      if (problem) {
        warnings.push(problem);
        return { ledger: new Ledger(), foreign: new Ledger(), checkpoints: new Map(), stamp: this.stamp, warnings };
      }
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

  /** Applies a snapshot's text; returns what is wrong with it, or undefined when it was applied whole. */
  private applySnapshot(text: string, target: (p: string) => Ledger, checkpoints: Map<string, FileCheckpoint>): string | undefined {
    const firstEnd = text.indexOf('\n');
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    if (firstEnd === -1 || lastStart <= firstEnd) return 'ledger snapshot is corrupt; rebuilding from the logs';
    let header: Partial<SnapshotHeader>;
    let strings: unknown;
    try {
      header = JSON.parse(text.slice(0, firstEnd)) as Partial<SnapshotHeader>;
      strings = (JSON.parse(text.slice(lastStart)) as { strings?: unknown }).strings;
    } catch {
      return 'ledger snapshot is corrupt; rebuilding from the logs';
    }
    if (header.format !== STORE_FORMAT || header.version !== STORE_VERSION) {
      return `ledger store is of another format or version (${String(header.version)}); rebuilding from the logs`;
    }
    if (!Array.isArray(strings) || typeof header.generation !== 'number') return 'ledger snapshot is corrupt; rebuilding from the logs';
    const codec = tableStrings(strings as string[]);
    try {
      // Line by line: only one file's entry is parsed at a time.
      for (let at = firstEnd + 1; at < lastStart; ) {
        const nl = text.indexOf('\n', at);
        const f = JSON.parse(text.slice(at, nl)) as SnapshotEntry;
        applyOps({ path: f.path, lines: f.lines, repaired: f.repaired, items: f.items }, target(f.path), codec);
        if (f.cp) checkpoints.set(f.path, f.cp);
        at = nl + 1;
      }
    } catch {
      return 'ledger snapshot is corrupt; rebuilding from the logs';
    }
    this.generation = header.generation;
    this.snapshotBytes = text.length;
    return undefined;
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

  /**
   * Writes the ledgers as a new snapshot generation and starts an empty journal (writer only). The snapshot is
   * written file by file (the string table last), never held whole in memory.
   */
  compact(ledgers: Ledger[], checkpoints: Map<string, FileCheckpoint>): void {
    const codec = tableStrings();
    const generation = this.generation + 1;
    const tmp = `${this.snapshotPath}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    let pending: string[] = [];
    let pendingBytes = 0;
    const write = (text: string) => {
      pending.push(text);
      pendingBytes += text.length;
      if (pendingBytes > 1 << 20) flush();
    };
    const flush = () => {
      const chunk = pending.join('');
      fs.writeSync(fd, chunk);
      bytes += Buffer.byteLength(chunk);
      pending = [];
      pendingBytes = 0;
    };
    try {
      const header: SnapshotHeader = { format: STORE_FORMAT, version: STORE_VERSION, generation, savedAt: new Date().toISOString() };
      write(`${JSON.stringify(header)}\n`);
      for (const ledger of ledgers) {
        for (const f of ledger.fileContributions()) {
          const entry: SnapshotEntry = { path: f.path, cp: checkpoints.get(f.path) ?? null, ...encodeContribution(f, codec) };
          write(`${JSON.stringify(entry)}\n`);
        }
      }
      write(`${JSON.stringify({ strings: codec.table })}\n`);
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.snapshotPath);
    // Old journal lines carry the previous generation and are ignored from here on; empty it anyway.
    writeFileAtomic(this.journalPath, '');
    this.generation = generation;
    this.snapshotBytes = bytes;
    this.journalBytes = 0;
  }
}
