// The ledger: every billed request exactly once. Copies of one response (Claude Code logs one line per content
// block; `--fork-session` copies whole histories into a new file) share a key; among copies the largest usage wins
// (a sidechain line can hold the stream's first snapshot, a later copy the final numbers), then the original over a
// fork's copy. What each log file contributed is kept apart, so a file that was truncated or replaced can be
// re-read and its contribution replaced (never added twice), and a deleted file keeps its records. Pure: no I/O.
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
  readonly records: Map<string, UsageRecord>;
  readonly estimates: Map<string, EstimateRecord>;
  readonly compactions: Map<string, Compaction>;
  readonly apiErrors: Map<string, ApiError>;
  readonly sessionMeta: SessionMeta[];
  lines: number;
  rejected: Partial<Record<RejectionReason, number>>;
  repaired: Record<string, number>;
}

function emptyContribution(path: string): FileContribution {
  return {
    path,
    records: new Map(),
    estimates: new Map(),
    compactions: new Map(),
    apiErrors: new Map(),
    sessionMeta: [],
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
function isBetterCopy(candidate: UsageRecord, current: UsageRecord): boolean {
  const a = totalTokens(candidate.tokens);
  const b = totalTokens(current.tokens);
  if (a !== b) return a > b;
  const copyA = candidate.copied === true;
  const copyB = current.copied === true;
  if (copyA !== copyB) return copyB;
  return candidate.sessionId < current.sessionId;
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
  /** The counted copy of each response. */
  readonly records = new Map<string, UsageRecord>();
  readonly estimates = new Map<string, EstimateRecord>();
  readonly compactions = new Map<string, Compaction>();
  readonly apiErrors = new Map<string, ApiError>();
  readonly sessionInfo = new Map<string, SessionInfo>();
  /** Folders and files that could not be read in the latest pass (replaced by each full listing). */
  unreadable: { path: string; error: string }[] = [];
  private readonly files = new Map<string, FileContribution>();
  /** Bumped on every change; views cache on it. */
  revision = 0;

  /** The contribution of one file, created on first use. */
  file(path: string): FileContribution {
    let f = this.files.get(path);
    if (!f) this.files.set(path, (f = emptyContribution(path)));
    return f;
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
    const mine = f.records.get(record.key);
    if (mine) {
      if (!isBetterCopy(record, mine)) {
        // Codex logs the window on the token_count line that follows its token_usage_record twin.
        mine.contextWindow ??= record.contextWindow;
        return;
      }
      record.contextWindow ??= mine.contextWindow;
    }
    f.records.set(record.key, record);
    const counted = this.records.get(record.key);
    if (!counted || counted === mine || isBetterCopy(record, counted)) {
      this.records.set(record.key, record);
      this.revision++;
      this.listener?.counted(record, counted);
    }
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
    else {
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
    this.revision++;
    const others = [...this.files.values()];
    for (const [key, r] of f.records) {
      if (this.records.get(key) !== r) continue;
      let best: UsageRecord | undefined;
      for (const o of others) {
        const c = o.records.get(key);
        if (c && (!best || isBetterCopy(c, best))) best = c;
      }
      if (best) this.records.set(key, best);
      else this.records.delete(key);
    }
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
