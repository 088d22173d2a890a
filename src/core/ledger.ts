// The ledger: every billed request exactly once. Copies of one response (Claude Code logs one line per content
// block; `--fork-session` copies whole histories into a new file) share a key; among copies the largest usage wins
// (a sidechain line can hold the stream's first snapshot, a later copy the final numbers), then the original over a
// fork's copy. What each log file contributed is kept apart, so a file that was truncated or replaced can be
// re-read and its contribution replaced (never added twice), and a deleted file keeps its records. The records
// themselves live in a columnar table (recordTable.ts); `records` reads like a Map of plain objects. Pure: no I/O.
import { RecordTable, type TableImage } from './recordTable';
import type { EstimateRecord, ParsedLine, RejectionReason, SessionEvent, UsageRecord } from './usageRecord';
import { totalTokens } from './usageRecord';

/** Counters shown as the data-quality line: what was read and what could not be used, by reason. */
export interface ReadDiagnostics {
  files: number;
  lines: number;
  rejectedLines: number;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Lines kept although something was off (e.g. invalid UTF-8 inside a string value). */
  repaired: Record<string, number>;
  /** Files or folders that could not be read, with the reason. */
  unreadable: { path: string; error: string }[];
}

export function emptyDiagnostics(): ReadDiagnostics {
  return { files: 0, lines: 0, rejectedLines: 0, rejected: {}, repaired: {}, unreadable: [] };
}

export interface SessionInfo {
  project?: string;
  branch?: string;
}

type Compaction = Extract<SessionEvent, { kind: 'compaction' }>;
type ApiError = Extract<SessionEvent, { kind: 'api-error' }>;
type SessionMeta = Extract<SessionEvent, { kind: 'session-meta' }>;

/** Everything one log file contributed. */
export interface FileContribution {
  readonly path: string;
  /** The ledger's id for the file (its records' rows carry it). */
  readonly id: number;
  /** The rows of the table holding this file's copy of each response it logged. */
  readonly rows: number[];
  readonly estimates: Map<string, EstimateRecord>;
  readonly compactions: Map<string, Compaction>;
  readonly apiErrors: Map<string, ApiError>;
  readonly sessionMeta: SessionMeta[];
  /**
   * The file's tool calls, TOOL_STRIDE numbers each: the row of this file's copy of the response that made the call,
   * the tool's name (index into Ledger.toolNames), input fingerprint, target hash, tool-use id hash. Numbers, not
   * objects: a large history holds hundreds of thousands of calls.
   */
  readonly tools: number[];
  /** Hashes of the tool-use ids whose results came back with is_error. */
  readonly toolErrors: number[];
  lines: number;
  rejected: Partial<Record<RejectionReason, number>>;
  repaired: Record<string, number>;
}

function emptyContribution(path: string, id: number): FileContribution {
  return {
    path,
    id,
    rows: [],
    estimates: new Map(),
    compactions: new Map(),
    apiErrors: new Map(),
    sessionMeta: [],
    tools: [],
    toolErrors: [],
    lines: 0,
    rejected: {},
    repaired: {},
  };
}

/**
 * True when `candidate` should replace `current` as the counted copy of a response: the larger usage, then the
 * original over a fork's copy, then (copies no log line tells apart) the smaller session id, so the result never
 * depends on the order files were read in.
 */
function isBetterCopy(candidate: UsageRecord, table: RecordTable, current: number): boolean {
  return prefers(totalTokens(candidate.tokens), candidate.copied === true, candidate.sessionId, table, current);
}

/** isBetterCopy between two stored rows. */
function isBetterRow(table: RecordTable, candidate: number, current: number): boolean {
  return prefers(table.totalTokens(candidate), table.copied(candidate), table.sessionId(candidate), table, current);
}

/** The rule of isBetterCopy, for a copy with these tokens, fork flag and session against row `current`. */
function prefers(tokens: number, copied: boolean, sessionId: string, table: RecordTable, current: number): boolean {
  const other = table.totalTokens(current);
  if (tokens !== other) return tokens > other;
  const otherCopied = table.copied(current);
  if (copied !== otherCopied) return otherCopied;
  return sessionId < table.sessionId(current);
}

/** Numbers per tool call in FileContribution.tools. */
export const TOOL_STRIDE = 5;

/** A tool call as Ledger.toolCalls() gives it: `row` is the counted copy of the response that made it. */
export interface ToolCallRow {
  row: number;
  name: string;
  fingerprint: number;
  target: number;
  toolId: number;
}

/** The persisted form of a ledger's records (see Ledger.recordsImage). */
export interface RecordsImage {
  table: TableImage;
  counted: number[];
}

/** The counted records, read like a Map (each value is a fresh object; change the ledger through `add`). */
export interface RecordView extends Iterable<[string, UsageRecord]> {
  readonly size: number;
  get(key: string): UsageRecord | undefined;
  has(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<UsageRecord>;
  entries(): IterableIterator<[string, UsageRecord]>;
}

/** What the log reader feeds: the ledger itself, or the store's journal recorder in front of it. */
export interface LedgerSink {
  /** Makes sure the file is known (an empty file still counts as read). */
  touchFile(path: string): void;
  countLine(path: string, lines?: number): void;
  add(path: string, parsed: ParsedLine): void;
  countRepair(path: string, what: string): void;
  /** Forgets what the file contributed, before re-reading it from the start. */
  resetFile(path: string): void;
  unreadable: { path: string; error: string }[];
}

/** Told about every change to what is counted, to keep live views current without recomputing them. */
export interface LedgerListener {
  /** `added` became the counted copy of its response, replacing `removed` (either may be absent). */
  counted(added: UsageRecord | undefined, removed: UsageRecord | undefined): void;
  estimate(e: EstimateRecord): void;
  compaction(e: Compaction): void;
  /** Many things changed at once (a file's contribution was dropped): rebuild from the ledger. */
  reset(): void;
}

export class Ledger implements LedgerSink {
  /** Live views subscribe here (one listener is enough: the live totals). */
  listener: LedgerListener | undefined;
  private table = new RecordTable();
  /** The row of the counted copy of each response, by key. */
  private readonly counted = new Map<string, number>();
  /** The counted copy of each response. */
  readonly records: RecordView = recordView(() => this.table, this.counted);
  readonly estimates = new Map<string, EstimateRecord>();
  readonly compactions = new Map<string, Compaction>();
  readonly apiErrors = new Map<string, ApiError>();
  readonly sessionInfo = new Map<string, SessionInfo>();
  /** Tool names (FileContribution.tools holds indexes into this). */
  readonly toolNames: string[] = [];
  private readonly toolNameIds = new Map<string, number>();
  /** Folders and files that could not be read in the latest pass (replaced by each full listing). */
  unreadable: { path: string; error: string }[] = [];
  private readonly files = new Map<string, FileContribution>();
  /** The contribution file() returned last (undefined once that file is forgotten). */
  private lastFile: FileContribution | undefined;
  /** The row the last new record went into (tool calls of the same response follow it). */
  private lastAdded: { key: string; row: number; file: FileContribution } | undefined;
  private nextFileId = 0;
  /** Bumped on every change; views cache on it. */
  revision = 0;

  /** The contribution of one file, created on first use. */
  file(path: string): FileContribution {
    // Lines come in runs of one file: the last answer saves hashing the path again.
    const last = this.lastFile;
    if (last !== undefined && last.path === path) return last;
    let f = this.files.get(path);
    if (!f) this.files.set(path, (f = emptyContribution(path, this.nextFileId++)));
    return (this.lastFile = f);
  }

  /** Nothing counted and no file known yet. */
  get isEmpty(): boolean {
    return this.files.size === 0 && this.counted.size === 0;
  }

  /** The records as persisted (ledgerStore): the table and the counted row of each response. */
  recordsImage(): RecordsImage {
    return { table: this.table.image(), counted: [...this.counted.values()] };
  }

  /**
   * Takes over records persisted by recordsImage() (this ledger must have none yet); `paths` names the file of each
   * file id in the table. Throws when the image does not hold together (the store is then rebuilt).
   */
  restoreRecords(image: RecordsImage, paths: Map<number, string>): void {
    if (!this.isEmpty) throw new Error('records can only be restored into an empty ledger');
    const table = new RecordTable(image.table);
    const byId = new Map<number, FileContribution>();
    for (const row of table.liveRows()) {
      const id = table.file(row);
      let f = byId.get(id);
      if (!f) {
        const path = paths.get(id);
        if (path === undefined) throw new Error(`ledger records name an unknown file (${id})`);
        byId.set(id, (f = emptyContribution(path, id)));
        this.files.set(path, f);
        this.nextFileId = Math.max(this.nextFileId, id + 1);
      }
      f.rows.push(row);
    }
    for (const row of image.counted) {
      const key = table.key(row);
      if (key === undefined) throw new Error(`ledger records count a free row (${row})`);
      this.counted.set(key, row);
    }
    this.table = table;
    this.revision++;
    this.listener?.reset();
  }

  /** The copies of responses that one file logged (counted or not). */
  *recordsOf(f: FileContribution): IterableIterator<UsageRecord> {
    for (const row of f.rows) yield this.table.get(row);
  }

  touchFile(path: string): void {
    this.file(path);
  }

  hasFile(path: string): boolean {
    return this.files.has(path);
  }

  fileContributions(): IterableIterator<FileContribution> {
    return this.files.values();
  }

  /** Records what a parser made of one line of `path`. */
  add(path: string, parsed: ParsedLine): void {
    const f = this.file(path);
    switch (parsed.kind) {
      case 'usage':
        this.addRecord(f, parsed.record);
        if (parsed.events) for (const e of parsed.events) this.addEvent(f, e);
        return;
      case 'estimate':
        if (this.addKeyed(f.estimates, this.estimates, parsed.estimate.key, parsed.estimate)) this.listener?.estimate(parsed.estimate);
        if (parsed.event) this.addEvent(f, parsed.event);
        return;
      case 'event':
        this.addEvent(f, parsed.event);
        return;
      case 'rejected':
        f.rejected[parsed.reason] = (f.rejected[parsed.reason] ?? 0) + 1;
        this.revision++;
        return;
      case 'skip':
        return;
    }
  }

  countLine(path: string, lines = 1): void {
    this.file(path).lines += lines;
  }

  countRepair(path: string, what: string): void {
    const f = this.file(path);
    f.repaired[what] = (f.repaired[what] ?? 0) + 1;
  }

  private addRecord(f: FileContribution, record: UsageRecord): void {
    const t = this.table;
    const counted = this.counted.get(record.key);
    const mine = counted === undefined ? -1 : t.copyIn(counted, f.id);
    if (mine !== -1) {
      if (!isBetterCopy(record, t, mine)) {
        // Codex logs the window on the token_count line that follows its token_usage_record twin.
        if (record.contextWindow !== undefined && t.contextWindow(mine) === undefined) t.setContextWindow(mine, record.contextWindow);
        return;
      }
      record.contextWindow ??= t.contextWindow(mine);
      if (mine === counted) {
        const removed = this.listener ? t.get(mine) : undefined;
        t.write(mine, record);
        this.revision++;
        this.listener?.counted(record, removed);
        return;
      }
      const better = isBetterCopy(record, t, counted!);
      t.write(mine, record);
      if (better) this.count(record, mine, counted);
      return;
    }
    const row = t.add(record, f.id);
    f.rows.push(row);
    this.lastAdded = { key: record.key, row, file: f };
    if (counted === undefined) {
      this.count(record, row, undefined);
      return;
    }
    t.joinRing(counted, row);
    if (isBetterCopy(record, t, counted)) this.count(record, row, counted);
  }

  /** Makes `row` (holding `record`) the counted copy of its response in place of `previous`. */
  private count(record: UsageRecord, row: number, previous: number | undefined): void {
    const removed = this.listener && previous !== undefined ? this.table.get(previous) : undefined;
    this.counted.set(record.key, row);
    this.revision++;
    this.listener?.counted(record, removed);
  }

  /** True when `value` is new to the ledger (not just to this file). */
  private addKeyed<T extends object>(mine: Map<string, T>, all: Map<string, T>, key: string, value: T): boolean {
    if (mine.has(key)) return false;
    mine.set(key, value);
    if (all.has(key)) return false;
    all.set(key, value);
    this.revision++;
    return true;
  }

  private addEvent(f: FileContribution, event: SessionEvent): void {
    if (event.kind === 'compaction') {
      if (this.addKeyed(f.compactions, this.compactions, event.key, event)) this.listener?.compaction(event);
    }
    else if (event.kind === 'api-error') this.addKeyed(f.apiErrors, this.apiErrors, event.key, event);
    else if (event.kind === 'tool-call') {
      // The response was added before its tool calls (same line or an earlier one of this file), most often just
      // before them: that row is remembered, saving a lookup by key.
      const last = this.lastAdded;
      let row: number;
      if (last && last.file === f && last.key === event.key && this.table.key(last.row) === event.key) row = last.row;
      else {
        const counted = this.counted.get(event.key);
        row = counted === undefined ? -1 : this.table.copyIn(counted, f.id);
      }
      if (row === -1) return;
      f.tools.push(row, this.toolNameId(event.name), event.fingerprint, event.target, event.toolId);
      this.revision++;
    } else if (event.kind === 'tool-error') {
      f.toolErrors.push(event.toolId);
      this.revision++;
    } else {
      f.sessionMeta.push(event);
      this.applySessionMeta(event);
      this.revision++;
    }
  }

  private applySessionMeta(event: SessionMeta): void {
    const info = this.sessionInfo.get(event.sessionId) ?? {};
    info.project ??= event.project;
    if (event.branch) info.branch = event.branch;
    this.sessionInfo.set(event.sessionId, info);
  }

  /**
   * Forgets what `path` contributed (before re-reading a file that shrank or was replaced). Responses that other
   * files also logged fall back to the best remaining copy.
   */
  resetFile(path: string): void {
    const f = this.files.get(path);
    if (!f) return;
    this.files.delete(path);
    if (this.lastFile === f) this.lastFile = undefined;
    this.revision++;
    const t = this.table;
    for (const row of f.rows) {
      const key = t.key(row)!;
      const other = t.release(row);
      if (this.counted.get(key) !== row) continue;
      if (other === -1) {
        this.counted.delete(key);
        continue;
      }
      let best = other;
      for (let r = t.nextCopy(other); r !== other; r = t.nextCopy(r)) if (isBetterRow(t, r, best)) best = r;
      this.counted.set(key, best);
    }
    const others = [...this.files.values()];
    const fallBack = <T>(mine: Map<string, T>, all: Map<string, T>, pick: (o: FileContribution) => Map<string, T>) => {
      for (const [key, v] of mine) {
        if (all.get(key) !== v) continue;
        const other = others.map(pick).find((m) => m.has(key));
        if (other) all.set(key, other.get(key)!);
        else all.delete(key);
      }
    };
    fallBack(f.estimates, this.estimates, (o) => o.estimates);
    fallBack(f.compactions, this.compactions, (o) => o.compactions);
    fallBack(f.apiErrors, this.apiErrors, (o) => o.apiErrors);
    if (f.sessionMeta.length) {
      this.sessionInfo.clear();
      for (const o of others) for (const m of o.sessionMeta) this.applySessionMeta(m);
    }
    this.listener?.reset();
  }

  /**
   * Calls `visit` for every tool call in the files (of the given sessions' copies), with the counted copy of the
   * response that made it (a fork's copies of a call point at the original) and its numbers. A call logged by
   * several files comes once per file: dedup by toolId. No object per call: histories hold hundreds of thousands.
   */
  forEachToolCall(sessionIds: ReadonlySet<string> | undefined, visit: (row: number, name: string, fingerprint: number, target: number, toolId: number) => void): void {
    const t = this.table;
    for (const f of this.files.values()) {
      const tools = f.tools;
      for (let i = 0; i < tools.length; i += TOOL_STRIDE) {
        // A file's copy of a response carries the file's session; the original file holds the original's copy.
        const row = tools[i]!;
        if (sessionIds && !sessionIds.has(t.sessionId(row))) continue;
        // A response logged by one file only is its own counted copy: no lookup by key.
        const counted = t.nextCopy(row) === row ? row : this.counted.get(t.key(row)!);
        if (counted !== undefined) visit(counted, this.toolNames[tools[i + 1]!]!, tools[i + 2]!, tools[i + 3]!, tools[i + 4]!);
      }
    }
  }

  /** forEachToolCall as objects (tests, small sessions). */
  toolCalls(sessionIds?: ReadonlySet<string>): ToolCallRow[] {
    const out: ToolCallRow[] = [];
    this.forEachToolCall(sessionIds, (row, name, fingerprint, target, toolId) => out.push({ row, name, fingerprint, target, toolId }));
    return out;
  }

  /** Hashes of the tool-use ids whose results failed, over every file. */
  failedTools(): Set<number> {
    const failed = new Set<number>();
    for (const f of this.files.values()) for (const id of f.toolErrors) failed.add(id);
    return failed;
  }

  /** The counted records of the given sessions, with their rows (without building the other sessions' records). */
  *recordsOfSessions(sessionIds: ReadonlySet<string>): IterableIterator<[number, UsageRecord]> {
    const t = this.table;
    for (const row of this.counted.values()) if (sessionIds.has(t.sessionId(row))) yield [row, t.get(row)];
  }

  /** The rows of the counted records of the given sessions (every session when undefined), by session. */
  rowsBySession(sessionIds?: ReadonlySet<string>): Map<string, number[]> {
    const t = this.table;
    const by = new Map<string, number[]>();
    let lastId: string | undefined;
    let last: number[] | undefined;
    for (const row of this.counted.values()) {
      const id = t.sessionId(row);
      if (id !== lastId) {
        if (sessionIds && !sessionIds.has(id)) continue;
        lastId = id;
        last = by.get(id);
        if (!last) by.set(id, (last = []));
      }
      last!.push(row);
    }
    return by;
  }

  /** The counted record in `row` (rows from rowsBySession or forEachToolCall). */
  recordAt(row: number): UsageRecord {
    return this.table.get(row);
  }

  /**
   * A file's tool calls and failed tool ids for the snapshot: the calls as FileContribution.tools, with each name
   * turned into `nameId(name)` (the snapshot's string table). Rows stay valid: the records file keeps them.
   */
  toolsImage(f: FileContribution, nameId: (name: string) => number): { tools: number[]; toolErrors: number[] } {
    const tools = f.tools.slice();
    for (let i = 1; i < tools.length; i += TOOL_STRIDE) tools[i] = nameId(this.toolNames[tools[i]!]!);
    return { tools, toolErrors: f.toolErrors.slice() };
  }

  /** Takes back what toolsImage() gave, after the file's records were restored; calls on foreign rows are dropped. */
  restoreTools(path: string, tools: number[], toolErrors: number[], nameOf: (id: number) => string | undefined): void {
    const f = this.file(path);
    // The snapshot's name ids → this ledger's (a handful of tool names, thousands of calls).
    const names = new Map<number, number>();
    for (let i = 0; i + TOOL_STRIDE <= tools.length; i += TOOL_STRIDE) {
      const row = tools[i]!;
      const nameId = tools[i + 1]!;
      let mine = names.get(nameId);
      if (mine === undefined) {
        const name = nameOf(nameId);
        mine = name === undefined ? -1 : this.toolNameId(name);
        names.set(nameId, mine);
      }
      if (mine === -1 || this.table.key(row) === undefined || this.table.file(row) !== f.id) continue;
      f.tools.push(row, mine, tools[i + 2]!, tools[i + 3]!, tools[i + 4]!);
    }
    for (const id of toolErrors) f.toolErrors.push(id);
    this.revision++;
  }

  private toolNameId(name: string): number {
    let id = this.toolNameIds.get(name);
    if (id === undefined) {
      id = this.toolNames.push(name) - 1;
      this.toolNameIds.set(name, id);
    }
    return id;
  }

  /** Data-quality counters summed over every file. */
  get diagnostics(): ReadDiagnostics {
    const d = emptyDiagnostics();
    for (const f of this.files.values()) {
      d.files++;
      d.lines += f.lines;
      for (const [reason, n] of Object.entries(f.rejected) as [RejectionReason, number][]) {
        d.rejected[reason] = (d.rejected[reason] ?? 0) + n;
        d.rejectedLines += n;
      }
      for (const [what, n] of Object.entries(f.repaired)) d.repaired[what] = (d.repaired[what] ?? 0) + n;
    }
    d.unreadable = [...this.unreadable];
    return d;
  }
}

function recordView(tableOf: () => RecordTable, counted: Map<string, number>): RecordView {
  function* values(): IterableIterator<UsageRecord> {
    const table = tableOf();
    for (const row of counted.values()) yield table.get(row);
  }
  function* entries(): IterableIterator<[string, UsageRecord]> {
    const table = tableOf();
    for (const [key, row] of counted) yield [key, table.get(row)];
  }
  return {
    get size() {
      return counted.size;
    },
    get: (key) => {
      const row = counted.get(key);
      return row === undefined ? undefined : tableOf().get(row);
    },
    has: (key) => counted.has(key),
    keys: () => counted.keys(),
    values,
    entries,
    [Symbol.iterator]: entries,
  };
}
