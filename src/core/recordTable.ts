// Columnar storage for the ledger's usage records. A year of heavy use is hundreds of thousands of requests; as
// objects (a record, its tokens object, its timestamp string, two map entries) each cost about 420 bytes of heap and
// all of it survives every garbage collection. Here a record is one row: numbers in Float64Array blocks, repeated
// strings (model, session, project, branch, ...) as ids into a pool, about 220 bytes in all, most of it outside the
// JS heap (the timestamp stays text: turning it into epoch ms and back cost more time than its 40 bytes are
// worth). Records are handed out as fresh UsageRecord objects (`get`), so callers keep the plain object API; the table itself only answers what the ledger needs to choose among copies.
import { type AgentKind, type UsageRecord } from './usageRecord';

/** Rows per block: blocks are allocated as needed, so growing never copies (no doubling spike). */
const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

// Float64 columns, per row.
const F_INPUT = 0;
const F_OUTPUT = 1;
const F_CACHE_READ = 2;
const F_CACHE_WRITE_5M = 3;
const F_CACHE_WRITE_1H = 4;
const F_WEB_SEARCH = 5;
/** NaN = not reported. */
const F_CONTEXT_WINDOW = 6;
const F_STRIDE = 7;

// Int32 columns, per row (string ids: -1 = undefined).
const I_MODEL = 0;
const I_SESSION = 1;
const I_AGENT_ID = 2;
const I_PROJECT = 3;
const I_BRANCH = 4;
const I_STOP_REASON = 5;
/** Bit flags (FLAG_*); -1 marks a free row. */
const I_FLAGS = 6;
/** Next copy of the same response (a ring over every file's copy of one key). */
const I_NEXT_COPY = 7;
/** The ledger's id for the file the copy was read from. */
const I_FILE = 8;
const I_STRIDE = 9;

const FLAG_FAST = 1;
const FLAG_COPIED = 2;
const FLAG_CODEX = 4;
const FREE = -1;

/** Strings that repeat across records, stored once each. */
class StringPool {
  private readonly ids = new Map<string, number>();

  constructor(readonly strings: string[] = []) {
    strings.forEach((s, i) => this.ids.set(s, i));
  }

  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  at(id: number): string | undefined {
    return id < 0 ? undefined : this.strings[id];
  }
}

/**
 * A table as it is persisted: the column blocks as they are (raw bytes on disk), the rest as JSON-safe values.
 * Rows keep their numbers, so rings and file ids stay valid; free rows have null keys.
 */
export interface TableImage {
  rows: number;
  nums: Float64Array[];
  ints: Int32Array[];
  keys: (string | null)[];
  stamps: (string | null)[];
  strings: string[];
  free: number[];
}

/** Bytes of one block's columns, for readers of a persisted image. */
export const TABLE_BLOCK = { rows: BLOCK, nums: BLOCK * F_STRIDE, ints: BLOCK * I_STRIDE } as const;

export class RecordTable {
  private readonly nums: Float64Array[];
  private readonly ints: Int32Array[];
  /** The dedup key of each row (the same string the ledger's index holds); null for a free row. */
  private readonly keys: (string | null)[];
  private readonly stamps: (string | null)[];
  private readonly strings: StringPool;
  private readonly freeRows: number[];
  private rows: number;

  /** An empty table, or one restored from `image` (its arrays are taken over, not copied). */
  constructor(image?: TableImage) {
    this.nums = image?.nums ?? [];
    this.ints = image?.ints ?? [];
    this.keys = image?.keys ?? [];
    this.stamps = image?.stamps ?? [];
    this.strings = new StringPool(image?.strings);
    this.freeRows = image?.free ?? [];
    this.rows = image?.rows ?? 0;
  }

  /** The table as it is persisted (shares the column blocks: write it out before changing the table). */
  image(): TableImage {
    return {
      rows: this.rows,
      nums: this.nums,
      ints: this.ints,
      keys: this.keys,
      stamps: this.stamps,
      strings: this.strings.strings,
      free: this.freeRows,
    };
  }

  /** Every row in use, in row order. */
  *liveRows(): IterableIterator<number> {
    for (let row = 0; row < this.rows; row++) if (this.keys[row] !== null) yield row;
  }

  /** Stores `r`, read from file `file`, in a new row (a ring of its own) and returns the row. */
  add(r: UsageRecord, file: number): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.rows++;
      if ((row & MASK) === 0) {
        this.nums.push(new Float64Array(BLOCK * F_STRIDE));
        this.ints.push(new Int32Array(BLOCK * I_STRIDE));
      }
    }
    this.write(row, r);
    const k = (row & MASK) * I_STRIDE;
    this.ints[row >>> BLOCK_BITS]![k + I_NEXT_COPY] = row;
    this.ints[row >>> BLOCK_BITS]![k + I_FILE] = file;
    return row;
  }

  /** Overwrites a row with another copy of its response (the ring is kept). */
  write(row: number, r: UsageRecord): void {
    const n = this.nums[row >>> BLOCK_BITS]!;
    const i = this.ints[row >>> BLOCK_BITS]!;
    const f = (row & MASK) * F_STRIDE;
    const k = (row & MASK) * I_STRIDE;
    const t = r.tokens;
    n[f + F_INPUT] = t.input;
    n[f + F_OUTPUT] = t.output;
    n[f + F_CACHE_READ] = t.cacheRead;
    n[f + F_CACHE_WRITE_5M] = t.cacheWrite5m;
    n[f + F_CACHE_WRITE_1H] = t.cacheWrite1h;
    n[f + F_WEB_SEARCH] = r.webSearchRequests;
    n[f + F_CONTEXT_WINDOW] = r.contextWindow ?? Number.NaN;
    i[k + I_MODEL] = this.strings.id(r.model);
    i[k + I_SESSION] = this.strings.id(r.sessionId);
    i[k + I_AGENT_ID] = this.strings.id(r.agentId);
    i[k + I_PROJECT] = this.strings.id(r.project);
    i[k + I_BRANCH] = this.strings.id(r.branch);
    i[k + I_STOP_REASON] = this.strings.id(r.stopReason);
    i[k + I_FLAGS] = (r.fast ? FLAG_FAST : 0) | (r.copied ? FLAG_COPIED : 0) | (r.agent === 'codex' ? FLAG_CODEX : 0);
    this.keys[row] = r.key;
    this.stamps[row] = r.timestamp;
  }

  /** The row as a fresh record object. */
  get(row: number): UsageRecord {
    const n = this.nums[row >>> BLOCK_BITS]!;
    const i = this.ints[row >>> BLOCK_BITS]!;
    const f = (row & MASK) * F_STRIDE;
    const k = (row & MASK) * I_STRIDE;
    const flags = i[k + I_FLAGS]!;
    const window = n[f + F_CONTEXT_WINDOW]!;
    const agent: AgentKind = flags & FLAG_CODEX ? 'codex' : 'claude-code';
    const record: UsageRecord = {
      agent,
      key: this.keys[row]!,
      timestamp: this.stamps[row]!,
      model: this.strings.at(i[k + I_MODEL]!) ?? 'unknown',
      sessionId: this.strings.at(i[k + I_SESSION]!) ?? '',
      agentId: this.strings.at(i[k + I_AGENT_ID]!),
      project: this.strings.at(i[k + I_PROJECT]!),
      branch: this.strings.at(i[k + I_BRANCH]!),
      tokens: {
        input: n[f + F_INPUT]!,
        output: n[f + F_OUTPUT]!,
        cacheRead: n[f + F_CACHE_READ]!,
        cacheWrite5m: n[f + F_CACHE_WRITE_5M]!,
        cacheWrite1h: n[f + F_CACHE_WRITE_1H]!,
      },
      webSearchRequests: n[f + F_WEB_SEARCH]!,
      fast: (flags & FLAG_FAST) !== 0,
      stopReason: this.strings.at(i[k + I_STOP_REASON]!),
      contextWindow: Number.isNaN(window) ? undefined : window,
    };
    if (flags & FLAG_COPIED) record.copied = true;
    return record;
  }

  /** The row's dedup key (undefined for a free row). */
  key(row: number): string | undefined {
    return this.keys[row] ?? undefined;
  }

  contextWindow(row: number): number | undefined {
    const w = this.nums[row >>> BLOCK_BITS]![(row & MASK) * F_STRIDE + F_CONTEXT_WINDOW]!;
    return Number.isNaN(w) ? undefined : w;
  }

  setContextWindow(row: number, window: number): void {
    this.nums[row >>> BLOCK_BITS]![(row & MASK) * F_STRIDE + F_CONTEXT_WINDOW] = window;
  }

  totalTokens(row: number): number {
    const n = this.nums[row >>> BLOCK_BITS]!;
    const f = (row & MASK) * F_STRIDE;
    return n[f + F_INPUT]! + n[f + F_OUTPUT]! + n[f + F_CACHE_READ]! + n[f + F_CACHE_WRITE_5M]! + n[f + F_CACHE_WRITE_1H]!;
  }

  copied(row: number): boolean {
    return (this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_FLAGS]! & FLAG_COPIED) !== 0;
  }

  sessionId(row: number): string {
    return this.strings.at(this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_SESSION]!) ?? '';
  }

  file(row: number): number {
    return this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_FILE]!;
  }

  /** The row of `file`'s copy in the ring of `row`, or -1. */
  copyIn(row: number, file: number): number {
    let r = row;
    do {
      if (this.file(r) === file) return r;
      r = this.nextCopy(r);
    } while (r !== row);
    return -1;
  }

  /** The next row in the ring of copies of one response (the row itself when it is the only copy). */
  nextCopy(row: number): number {
    return this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_NEXT_COPY]!;
  }

  private setNext(row: number, next: number): void {
    this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_NEXT_COPY] = next;
  }

  /** Puts the single-row ring `row` into the ring that `member` belongs to. */
  joinRing(member: number, row: number): void {
    this.setNext(row, this.nextCopy(member));
    this.setNext(member, row);
  }

  /** Takes `row` out of its ring and frees it; returns another member of the ring, or -1 when it was alone. */
  release(row: number): number {
    const next = this.nextCopy(row);
    let other = -1;
    if (next !== row) {
      let prev = next;
      while (this.nextCopy(prev) !== row) prev = this.nextCopy(prev);
      this.setNext(prev, next);
      other = next;
    }
    this.ints[row >>> BLOCK_BITS]![(row & MASK) * I_STRIDE + I_FLAGS] = FREE;
    this.keys[row] = null;
    this.stamps[row] = null;
    this.freeRows.push(row);
    return other;
  }
}
