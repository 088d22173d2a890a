// Starting the worker threads of a cold scan. Kept apart from the scan itself (no parsers, no schemas) so that the
// CLI's quick entry can start them as soon as it knows a cold scan is coming: a worker takes ~150 ms to boot (a
// Node environment, then scanWorker.js), and that boot then overlaps the listing, the loading of the full CLI and
// the opening of the store instead of delaying the scan.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileOps } from './ledgerCodec';
import type { LogFile } from './logFiles';
import type { FileCheckpoint, ReadOptions } from './logReader';

/** Below this many files a worker's start-up costs more than it saves. */
export const MIN_FILES_FOR_WORKERS = 64;

export function workerScript(): string | undefined {
  const candidate = path.join(__dirname, 'scanWorker.js');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** `AGENT_METER_WORKERS=N`: exactly N workers for a cold scan (0 = this thread only); unset = by cores and files. */
export function requestedWorkers(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env['AGENT_METER_WORKERS'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** How many workers a cold scan of `files` gets besides this thread (0 = this thread only). */
export function workerCount(files: number, requested: number | undefined): number {
  if (!workerScript()) return 0;
  if (requested !== undefined) return Math.min(requested, 8, Math.ceil(files / 8));
  if (files < MIN_FILES_FOR_WORKERS) return 0;
  // This thread parses too, so one core is already busy.
  return Math.min(os.availableParallelism() - 1, 7);
}

/** What a worker sends back for one file. */
export interface ScanResult {
  path: string;
  ops?: FileOps;
  /** The strings the ops refer to by index. */
  strings?: string[];
  checkpoint?: FileCheckpoint;
  unreadable: { path: string; error: string }[];
}

/** A worker's messages: one per file it read (`index` in its queue), then `drained` when the queue is empty. */
export type WorkerMessage = { index: number; result: ScanResult } | { drained: true };

/**
 * The files of one cold scan and the options to read them with, taken one at a time by every thread that scans them
 * through a counter in shared memory: no thread waits for another to hand it work (a thread busy reading a large
 * file would otherwise leave the others idle).
 */
export class ScanQueue {
  private readonly next: Int32Array;

  constructor(
    readonly files: LogFile[],
    readonly options: ReadOptions,
    shared: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.next = new Int32Array(shared);
  }

  /** What a worker needs to take from this queue (posted to it). */
  get message(): { files: LogFile[]; options: ReadOptions; next: SharedArrayBuffer } {
    return { files: this.files, options: this.options, next: this.next.buffer as SharedArrayBuffer };
  }

  /** The index of the next file to read (now this caller's alone), or -1 when every file is taken. */
  take(): number {
    const i = Atomics.add(this.next, 0, 1);
    return i < this.files.length ? i : -1;
  }
}

/**
 * One scan worker thread, taking files from a queue until it is empty. Messages that arrive before anyone listens
 * are kept for the first listener, so a worker can start on the files before the scan that uses it is ready. The
 * thread is unref'd: one that ends up unused never holds the process open (the scan refs it while it waits).
 */
export class ScanWorker {
  readonly thread: Worker;
  queue?: ScanQueue;
  exited = false;
  /** It answered every file it took and found the queue empty. */
  drained = false;
  private held: WorkerMessage[] = [];
  private onResult?: (index: number, r: ScanResult) => void;
  private onEnd?: () => void;

  /** `script`: the worker's code (scanWorker.js beside this bundle; tests pass their own). */
  constructor(script = workerScript()!) {
    // A small young generation: short-lived line strings die young, and the worker's peak memory stays low.
    this.thread = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 6 } });
    this.thread.unref();
    this.thread.on('message', (msg: WorkerMessage) => {
      if (this.onResult) this.handle(msg);
      else this.held.push(msg);
    });
    // A crash, running out of memory, an exit: the scan re-reads the files it took and did not answer.
    const died = () => {
      if (this.exited) return;
      this.exited = true;
      this.onEnd?.();
    };
    this.thread.on('error', died);
    this.thread.once('exit', died);
  }

  /** Messages held for a listener still to come. */
  get kept(): number {
    return this.held.length;
  }

  /** Ended: drained, or dead. */
  get ended(): boolean {
    return this.drained || this.exited;
  }

  private handle(msg: WorkerMessage): void {
    if ('drained' in msg) {
      this.drained = true;
      this.onEnd?.();
    } else {
      this.onResult?.(msg.index, msg.result);
    }
  }

  /** Starts taking files from `queue`. */
  start(queue: ScanQueue): void {
    this.queue = queue;
    this.thread.postMessage(queue.message);
  }

  /** From now on answers go to `onResult` (the ones kept so far first, right away), and the end to `onEnd`. */
  listen(onResult: (index: number, r: ScanResult) => void, onEnd: () => void): void {
    this.onResult = onResult;
    this.onEnd = onEnd;
    for (const msg of this.held.splice(0)) this.handle(msg);
    if (this.exited) onEnd();
  }

  /** Stops the thread; answers still on their way are dropped. */
  stop(): void {
    this.onResult = undefined;
    this.onEnd = undefined;
    this.exited = true;
    void this.thread.terminate();
  }
}

/**
 * The workers a cold scan of `files` will use, started on them now: `early` (started before the files were listed)
 * trimmed or topped up to the count the scan takes. The scan (parallelScan.ts) takes them over.
 */
export function primeScanWorkers(early: ScanWorker[], files: LogFile[], requested: number | undefined, options: ReadOptions): ScanWorker[] {
  const n = workerCount(files.length, requested);
  for (const w of early.splice(n)) w.stop();
  while (early.length < n) early.push(new ScanWorker());
  const queue = new ScanQueue(files, options);
  for (const w of early) w.start(queue);
  return early;
}
