// The persistent ledger, in the state dir (`~/.agent-meter/ledger/`). A restart reads only log bytes it has not
// seen, and history survives the agents deleting their logs. Layout:
//   snapshot.jsonl every file's contribution + checkpoint, one line per file after a header line, the string table
//                  on the last line; written at compaction (temp file + rename), read and applied line by line;
//                  its records are not in it but in the records file the header names:
//   records-<g>.bin the ledgers' record tables (recordTable.ts) as they are in memory: a JSON header (keys,
//                  timestamps, strings, counted rows, file ids), then the column blocks as raw bytes. Written
//                  before the snapshot that names it, so a crash in between leaves the old pair intact;
//   journal.jsonl  one line per flush: the ops each read fed the ledger + the files' new checkpoints. A line is
//                  self-contained (ops and the checkpoint they reach), so a torn last line loses only bytes that
//                  will be read again from the logs. Lines carry the snapshot generation they extend;
//   writer.lock    see writerLock.ts; only the holder writes.
// A store that cannot be read, or is of another version, is rebuilt from the logs with a warning, never a crash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ledger, type RecordsImage } from '../core/ledger';
import { RecordTable } from '../core/recordTable';
import { applyOps, encodeContribution, inlineStrings, tableStrings, type FileOps, type Item } from './ledgerCodec';
import type { FileCheckpoint } from './logReader';
import { writeFileAtomic, writeFileAtomicWith } from './atomicWrite';
import { readRecordsFile, writeRecordsFile, type StoredTable } from './recordsFile';
import { SNAPSHOT_FILE } from './stateDir';
import { heapCheckpoint } from './youngGeneration';

export const STORE_FORMAT = 'agent-meter-ledger';
export const STORE_VERSION = 3;

interface SnapshotHeader {
  format: typeof STORE_FORMAT;
  version: number;
  generation: number;
  savedAt: string;
  /** The records file of this generation (in the same folder). */
  records: string;
}

interface SnapshotEntry {
  path: string;
  cp: FileCheckpoint | null;
  lines: number;
  repaired?: Record<string, number>;
  items: Item[];
  /** The file's tool calls (Ledger.toolsImage; names as string-table ids) and failed tool ids. */
  tools?: number[];
  toolErrors?: number[];
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
  /** The snapshot loaded is of an older version that is still read: write the current one at the next chance. */
  private upgrade = false;

  constructor(readonly dir: string) {
    this.snapshotPath = path.join(dir, SNAPSHOT_FILE);
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
    this.upgrade = false;

    let fd: number | undefined;
    try {
      fd = fs.openSync(this.snapshotPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`ledger snapshot unreadable (${(err as Error).message}); rebuilding from the logs`);
    }
    if (fd !== undefined) {
      let problem: string | undefined;
      try {
        problem = this.applySnapshot(fd, target, checkpoints);
      } catch (err) {
        problem = `ledger snapshot unreadable (${(err as Error).message}); rebuilding from the logs`;
      } finally {
        fs.closeSync(fd);
      }
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

  /**
   * Applies a snapshot, streamed from `fd` (the file is never held whole: its string table, on the last line, is
   * read first from the end, then the entries one line at a time). Returns what is wrong with it, or undefined when
   * it was applied whole.
   */
  private applySnapshot(fd: number, target: (p: string) => Ledger, checkpoints: Map<string, FileCheckpoint>): string | undefined {
    const corrupt = 'ledger snapshot is corrupt; rebuilding from the logs';
    const size = fs.fstatSync(fd).size;
    const tableStart = lastLineStart(fd, size);
    if (tableStart <= 0) return corrupt;
    let strings: unknown;
    try {
      strings = (JSON.parse(readRange(fd, tableStart, size).toString('utf8')) as { strings?: unknown }).strings;
    } catch {
      return corrupt;
    }
    if (!Array.isArray(strings)) return corrupt;
    const codec = tableStrings(strings as string[]);
    let header: Partial<SnapshotHeader> | undefined;
    let problem: string | undefined;
    let recordsBytes = 0;
    try {
      forEachLine(fd, 0, tableStart, (line) => {
        if (problem) return;
        if (!header) {
          header = JSON.parse(line) as Partial<SnapshotHeader>;
          if (header.format !== STORE_FORMAT || (header.version !== STORE_VERSION && header.version !== 2)) {
            problem = `ledger store is of another format or version (${String(header.version)}); rebuilding from the logs`;
          } else if (typeof header.generation !== 'number') {
            problem = corrupt;
          } else if (header.version === 2) {
            // Version 2 kept the records in the snapshot's entries (applied below); the writer's next pass writes 3.
            // Read, not rebuilt: a rebuild would lose the history of logs the agents have deleted since.
            this.upgrade = true;
          } else if (typeof header.records !== 'string' || !RECORDS_FILE.test(header.records)) {
            problem = corrupt;
          } else {
            // Records first: the entries' events then land in the files the records restored.
            const recordsPath = path.join(this.dir, header.records);
            for (const t of readRecordsFile(recordsPath)) restoreTable(t, target);
            recordsBytes = fs.statSync(recordsPath).size;
          }
          return;
        }
        heapCheckpoint();
        const f = JSON.parse(line) as SnapshotEntry;
        applyOps({ path: f.path, lines: f.lines, repaired: f.repaired, items: f.items }, target(f.path), codec);
        if (Array.isArray(f.tools) || Array.isArray(f.toolErrors)) {
          target(f.path).restoreTools(f.path, numbers(f.tools), numbers(f.toolErrors), (id) => codec.dec(id));
        }
        if (f.cp) checkpoints.set(f.path, f.cp);
      });
    } catch {
      return corrupt;
    }
    if (problem) return problem;
    if (!header) return corrupt;
    this.generation = header.generation!;
    this.snapshotBytes = size + recordsBytes;
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
    return this.upgrade || this.journalBytes > COMPACT_MIN_BYTES && this.journalBytes > this.snapshotBytes / 4;
  }

  /**
   * Writes the ledgers as a new snapshot generation and starts an empty journal (writer only): the records file
   * first, then the snapshot naming it, file by file (the string table last), never held whole in memory.
   */
  compact(ledgers: Ledger[], checkpoints: Map<string, FileCheckpoint>): void {
    const codec = tableStrings();
    const generation = this.generation + 1;
    const records = `records-${generation}.bin`;
    // The first generation holds only what the logs still say (they were just read): if a crash loses it before the
    // kernel writes it out, the next run finds it torn and rebuilds it. Later ones may hold history the agents have
    // deleted since, and are fsynced.
    const durable = generation > 1;
    writeRecordsFile(
      path.join(this.dir, records),
      ledgers.map((l) => ({ records: l.recordsImage(), files: new Map([...l.fileContributions()].map((f) => [f.id, f.path])) })),
      { durable },
    );
    let bytes = fs.statSync(path.join(this.dir, records)).size;
    writeFileAtomicWith(this.snapshotPath, (fd) => {
      let pending: string[] = [];
      let pendingBytes = 0;
      const flush = () => {
        const chunk = pending.join('');
        fs.writeSync(fd, chunk);
        bytes += Buffer.byteLength(chunk);
        pending = [];
        pendingBytes = 0;
      };
      const write = (text: string) => {
        pending.push(text);
        pendingBytes += text.length;
        if (pendingBytes > 1 << 20) flush();
      };
      const header: SnapshotHeader = { format: STORE_FORMAT, version: STORE_VERSION, generation, savedAt: new Date().toISOString(), records };
      write(`${JSON.stringify(header)}\n`);
      for (const ledger of ledgers) {
        for (const f of ledger.fileContributions()) {
          const entry: SnapshotEntry = { path: f.path, cp: checkpoints.get(f.path) ?? null, ...encodeContribution(f, [], codec) };
          if (f.tools.length || f.toolErrors.length) Object.assign(entry, ledger.toolsImage(f, (name) => codec.enc(name) as number));
          write(`${JSON.stringify(entry)}\n`);
        }
      }
      write(`${JSON.stringify({ strings: codec.table })}\n`);
      flush();
    }, { durable });
    // Old journal lines carry the previous generation and are ignored from here on; empty it anyway (no fsync: a
    // crash that undoes this leaves only lines that are ignored).
    writeFileAtomic(this.journalPath, '', { durable: false });
    this.generation = generation;
    this.snapshotBytes = bytes;
    this.journalBytes = 0;
    this.upgrade = false;
    this.dropOldRecords(generation);
  }

  /** Removes records files older than the previous generation (a reader may still be loading that one). */
  private dropOldRecords(generation: number): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = RECORDS_FILE.exec(name);
      if (m && Number(m[1]) < generation - 1) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

const RECORDS_FILE = /^records-(\d+)\.bin$/;

/**
 * Puts a stored table's records into the ledgers its files belong to: taken over whole when they all go to one
 * ledger that has none yet (every load of an unchanged scope), else added row by row (the ledger picks among copies).
 */
function restoreTable(t: StoredTable, target: (p: string) => Ledger): void {
  const ledgers = new Set([...t.files.values()].map(target));
  const only = ledgers.size === 1 ? [...ledgers][0]! : undefined;
  if (only?.isEmpty) {
    only.restoreRecords(t.records, t.files);
    return;
  }
  const table = new RecordTable(t.records.table);
  for (const row of table.liveRows()) {
    const file = t.files.get(table.file(row));
    if (file === undefined) throw new Error('ledger records name an unknown file');
    target(file).add(file, { kind: 'usage', record: table.get(row) });
  }
}

const READ_CHUNK = 1 << 20;

function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(to - from);
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Offset of the last line of a file ending in a newline (-1 when there is no such line). */
function lastLineStart(fd: number, size: number): number {
  if (size < 2) return -1;
  const last = readRange(fd, size - 1, size);
  if (last[0] !== 0x0a) return -1;
  let end = size - 1;
  while (end > 0) {
    const from = Math.max(0, end - READ_CHUNK);
    const chunk = readRange(fd, from, end);
    const nl = chunk.lastIndexOf(0x0a);
    if (nl !== -1) return from + nl + 1;
    end = from;
  }
  return 0;
}

/** Calls `onLine` with each newline-ended line of bytes [from, to) of a file, read a chunk at a time. */
function forEachLine(fd: number, from: number, to: number, onLine: (line: string) => void): void {
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  let carry: Buffer[] = [];
  for (let offset = from; offset < to; ) {
    const n = fs.readSync(fd, chunk, 0, Math.min(READ_CHUNK, to - offset), offset);
    if (n === 0) break;
    offset += n;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1 || nl >= n) break;
      if (carry.length) {
        carry.push(chunk.subarray(start, nl));
        onLine(Buffer.concat(carry).toString('utf8'));
        carry = [];
      } else onLine(chunk.toString('utf8', start, nl));
      start = nl + 1;
    }
    // A line longer than what is left of the chunk: keep its bytes (a copy: the chunk is reused).
    if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
  }
  if (carry.length) throw new Error('the last line has no newline');
}

/** The numbers of a snapshot field that should be a number array (anything else: none). */
function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isSafeInteger(x)) : [];
}
