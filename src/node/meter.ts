// The live ledger on a machine: the persistent store, the log files' checkpoints, and the reads that bring the
// ledger up to date. One process holds the writer lock and persists; the others read the store and catch up in
// memory on bytes the writer has not stored yet, so every process answers with exact totals. Used by the CLI
// (`report`, `watch`, `statusline`); the VS Code extension is to use it the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ledger } from '../core/ledger';
import { LiveTotals } from '../core/liveTotals';
import type { PriceTable } from '../core/pricing';
import type { UsageRecord } from '../core/usageRecord';
import { applyOps, inlineStrings, RecordingSink, tableStrings } from './ledgerCodec';
import { LedgerStore } from './ledgerStore';
import { listLogFiles, type LogFile } from './logFiles';
import { readLogFile, type FileCheckpoint, type ReadOptions } from './logReader';
import { scanInParallel } from './parallelScan';
import { workerCount, type ScanWorker } from './scanWorkers';
import { ledgerDir } from './stateDir';
import { summaryScope, writeSummary } from './statusFile';
import { buildSummary } from './statusSummary';
import type { SourceRoot } from './sourcePaths';
import { WriterLock } from './writerLock';

export interface MeterOptions {
  roots: SourceRoot[];
  /** The state dir; undefined = stateless (read everything, persist nothing). */
  stateDir?: string;
  /** Try to become the writer (a one-shot `report` may; a statusline only when it has to). Default true. */
  write?: boolean;
  /** Worker threads for a cold scan: 0 = none, undefined = decide by file count and cores. */
  workers?: number;
  /**
   * A single pass with nothing persisted (`report --no-state`): a half-written last line is then counted as
   * incomplete, since no later read will come back for it. Otherwise it waits for its newline.
   */
  oneShot?: boolean;
  /** Keep live totals (status bar, watch, statusline); the writer then also refreshes the status summary. */
  live?: { prices: PriceTable; timeZone: string };
}

export interface LogListing {
  files: LogFile[];
  unreadable: { path: string; error: string }[];
}

/** What a caller already did for a catch-up: listed the logs, started scan workers (see scanWorkers.ts). */
export interface CatchUpHandoff {
  listing?: LogListing;
  workers?: ScanWorker[];
}

export interface CatchUpResult {
  /** Files read (fully or in part) in this pass. */
  filesRead: number;
  /** Log bytes read in this pass. */
  bytesRead: number;
  changed: boolean;
}

/** Whether a file needs reading, judged from its stat and checkpoint without opening it. */
export function needsRead(st: fs.Stats | undefined, cp: FileCheckpoint | undefined): boolean {
  if (!st) return false;
  if (!cp || cp.deleted) return true;
  if (st.ino !== cp.ino || st.dev !== cp.dev || st.size < cp.offset) return true;
  if (st.size !== cp.size) return true;
  // Same size, other mtime: touched. A read finds out, cheaply, whether anything past the checkpoint is new.
  return st.mtimeMs !== cp.mtimeMs;
}

export class Meter {
  /** Files under this meter's roots: what it reports. */
  ledger = new Ledger();
  /** Files the store holds for other roots: kept and written back, never reported here. */
  private foreign = new Ledger();
  checkpoints = new Map<string, FileCheckpoint>();
  readonly warnings: string[] = [];
  /** Live totals over `ledger`, when asked for (options.live). */
  live: LiveTotals | undefined;
  private readonly store: LedgerStore | undefined;
  private lock: WriterLock | undefined;
  private hadSnapshot = false;
  private queue: Promise<void> = Promise.resolve();
  private summaryWritten = false;

  constructor(private readonly options: MeterOptions) {
    this.store = options.stateDir ? new LedgerStore(ledgerDir(options.stateDir)) : undefined;
    this.attachLive();
  }

  /** Ledgers loaded from the store so far: with the ledger's revision, it stamps the state of allRecords(). */
  private loads = 0;

  /** Changes whenever allRecords() may give something else (a cheap "anything new?" for the team outbox). */
  changeStamp(): string {
    return `${this.loads}:${this.ledger.revision}`;
  }

  /**
   * Every counted request the store knows, under this meter's roots or others (the team outbox counts the machine,
   * not one command's roots: a `sync --claude-dir X` must not make the other folders' spend disappear).
   */
  *allRecords(): IterableIterator<UsageRecord> {
    yield* this.ledger.records.values();
    for (const [key, r] of this.foreign.records) if (!this.ledger.records.has(key)) yield r;
  }

  private attachLive(): void {
    const live = this.options.live;
    if (live) this.live = new LiveTotals(this.ledger, live.prices, live.timeZone);
  }

  private get readOptions(): ReadOptions {
    return { lastLine: this.options.oneShot && !this.store ? 'final' : 'wait' };
  }

  get isWriter(): boolean {
    return this.lock !== undefined;
  }

  get storeStamp(): string | undefined {
    return this.store?.stamp;
  }

  /** Loads the persistent store (taking the writer lock when free and allowed). */
  open(): void {
    if (!this.store) return;
    this.store.ensureDir();
    if (this.options.write !== false) this.tryBecomeWriter();
    const loaded = this.store.load((p) => this.inScope(p));
    this.ledger = loaded.ledger;
    this.foreign = loaded.foreign;
    this.loads++;
    this.checkpoints = loaded.checkpoints;
    this.warnings.push(...loaded.warnings);
    this.hadSnapshot = fs.existsSync(this.store.snapshotPath) && loaded.warnings.length === 0;
    this.attachLive();
  }

  /**
   * A reader whose writer went away takes over: it reloads the store (the old writer's last flushes, other roots'
   * history), then catches up and persists from there. True when this process now writes.
   */
  promote(): Promise<boolean> {
    if (!this.store || this.lock) return Promise.resolve(this.lock !== undefined);
    // In the catch-up queue: reloading swaps the ledger, which no pass may see happen halfway.
    const run = this.queue.then(async () => {
      if (!this.tryBecomeWriter()) return false;
      this.open();
      await this.catchUpNow(undefined, undefined, []);
      return true;
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Takes the writer lock if it is free or stale; true when this process now writes the store. */
  tryBecomeWriter(): boolean {
    if (!this.store || this.lock) return this.lock !== undefined;
    this.store.ensureDir();
    this.lock = WriterLock.tryAcquire(this.store.lockPath);
    return this.lock !== undefined;
  }

  /**
   * Lists the logs (or takes `paths`, or the handoff's `listing`) and reads what is new in them; persists it when
   * this process is the writer. The handoff's `workers`, started ahead for a cold scan, are used or stopped.
   */
  catchUp(paths?: string[], handoff: CatchUpHandoff = {}): Promise<CatchUpResult> {
    // One at a time: two passes over the same checkpoints would read the same bytes twice.
    const run = this.queue.then(() => this.catchUpNow(paths, handoff.listing, handoff.workers ?? []));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async catchUpNow(paths: string[] | undefined, listing: LogListing | undefined, started: ScanWorker[]): Promise<CatchUpResult> {
    this.ledger.unreadable = listing ? [...listing.unreadable] : [];
    const files = paths ? this.filesFor(paths) : (listing?.files ?? (await listLogFiles(this.options.roots, this.ledger.unreadable)));
    const seen = new Set(files.map((f) => f.path));
    const persist = this.lock !== undefined && this.lock.stillHeld();
    if (this.lock && !persist) this.dropLock();
    // Ops are recorded for the journal; without a snapshot yet, this pass ends in a full snapshot instead.
    const recorder = persist && this.hadSnapshot ? new RecordingSink(this.ledger) : undefined;
    const sink = recorder ?? this.ledger;
    const deleted: string[] = [];

    // A file we knew that is gone keeps its records: history outlives the agents' 30-day purge.
    if (!paths) {
      for (const [p, cp] of this.checkpoints) {
        if (!seen.has(p) && !cp.deleted && this.inScope(p)) {
          this.checkpoints.set(p, { ...cp, deleted: true });
          deleted.push(p);
        }
      }
    }

    const toRead: LogFile[] = [];
    for (const f of files) {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(f.path);
      } catch {
        const cp = this.checkpoints.get(f.path);
        if (cp && !cp.deleted) {
          this.checkpoints.set(f.path, { ...cp, deleted: true });
          deleted.push(f.path);
        }
        continue;
      }
      if (needsRead(st, this.checkpoints.get(f.path))) toRead.push(f);
    }

    let bytesRead = 0;
    const fresh = toRead.filter((f) => !this.checkpoints.has(f.path));
    const resumed = toRead.filter((f) => this.checkpoints.has(f.path));
    const workers = workerCount(fresh.length, this.options.workers);
    if (workers === 0) {
      for (const w of started) w.stop();
    } else {
      // Cold files: parsed by worker threads and this thread together.
      await scanInParallel(
        fresh,
        workers,
        this.readOptions,
        async (f) => {
          const cp = await readLogFile(f, undefined, sink, this.readOptions);
          if (cp) {
            this.checkpoints.set(f.path, cp);
            bytesRead += cp.size;
          }
        },
        (r) => {
          if (r.unreadable.length) this.ledger.unreadable.push(...r.unreadable);
          if (r.ops) applyOps(r.ops, sink, r.strings ? tableStrings(r.strings) : inlineStrings);
          if (r.checkpoint) {
            this.checkpoints.set(r.path, r.checkpoint);
            bytesRead += r.checkpoint.size;
          }
        },
        started,
      );
    }
    for (const f of workers > 0 ? resumed : toRead) {
      const from = this.checkpoints.get(f.path);
      const before = from?.deleted ? 0 : (from?.size ?? 0);
      const cp = await readLogFile(f, from?.deleted ? { ...from, deleted: undefined } : from, sink, this.readOptions);
      if (cp) {
        this.checkpoints.set(f.path, cp);
        bytesRead += Math.max(0, cp.size - before);
      }
    }

    const changed = toRead.length > 0 || deleted.length > 0;
    if (persist && this.store) {
      const ops = recorder?.take() ?? [];
      const touched = new Set([...ops.map((o) => o.path), ...deleted]);
      if (!this.hadSnapshot || this.store.shouldCompact()) {
        this.store.compact([this.ledger, this.foreign], this.checkpoints);
        this.hadSnapshot = true;
      } else if (touched.size > 0) {
        const byPath = new Map(ops.map((o) => [o.path, o]));
        this.store.append(
          [...touched].map((p) => ({ ops: byPath.get(p) ?? { path: p, lines: 0, items: [] }, cp: this.checkpoints.get(p) ?? null })),
        );
        if (this.store.shouldCompact()) this.store.compact([this.ledger, this.foreign], this.checkpoints);
      }
      // After a change, and once per process: a summary left for another zone or other roots is replaced.
      if (this.live && (changed || !this.summaryWritten)) {
        this.summaryWritten = true;
        writeSummary(this.options.stateDir!, buildSummary(this.live, this.checkpoints, summaryScope(this.options.roots), new Date()));
      }
    }
    return { filesRead: toRead.length, bytesRead, changed };
  }

  /** True for a log path under one of this meter's roots. */
  inScope(p: string): boolean {
    return this.options.roots.some((r) => p.startsWith(r.dir + path.sep));
  }

  private filesFor(paths: string[]): LogFile[] {
    const out: LogFile[] = [];
    for (const p of paths) {
      const root = this.options.roots.find((r) => p.startsWith(r.dir + path.sep));
      if (root && p.endsWith('.jsonl')) out.push({ agent: root.agent, path: p });
    }
    return out;
  }

  private dropLock(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /** Releases the writer lock (the store stays as written). */
  close(): void {
    this.dropLock();
  }
}
