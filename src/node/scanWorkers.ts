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

/** Files queued per worker: it is refilled only when the scanning thread, busy reading too, looks up between files. */
export const IN_FLIGHT = 8;

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
  checkpoint?: FileCheckpoint;
  unreadable: { path: string; error: string }[];
}

/**
 * One scan worker thread and the files sent to it that it has not answered yet. Answers that arrive before anyone
 * listens are kept for the first listener, so a worker can be given files before the scan that uses it is ready.
 * The thread is unref'd: one that ends up unused never holds the process open (the scan refs it while it waits).
 */
export class ScanWorker {
  readonly thread: Worker;
  /** Sent and not answered, oldest first. */
  readonly inFlight: { file: LogFile; options: ReadOptions }[] = [];
  exited = false;
  private kept: ScanResult[] = [];
  private onResult?: (r: ScanResult) => void;
  private onExit?: () => void;

  /** `script`: the worker's code (scanWorker.js beside this bundle; tests pass their own). */
  constructor(script = workerScript()!) {
    // A small young generation: short-lived line strings die young, and the worker's peak memory stays low.
    this.thread = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 6 } });
    this.thread.unref();
    this.thread.on('message', (msg: { result: ScanResult }) => {
      const i = this.inFlight.findIndex((s) => s.file.path === msg.result.path);
      if (i !== -1) this.inFlight.splice(i, 1);
      if (this.onResult) this.onResult(msg.result);
      else this.kept.push(msg.result);
    });
    // A crash, running out of memory, an exit: whoever listens re-reads the files in flight.
    const died = () => {
      if (this.exited) return;
      this.exited = true;
      this.onExit?.();
    };
    this.thread.on('error', died);
    this.thread.once('exit', died);
  }

  send(file: LogFile, options: ReadOptions): void {
    this.inFlight.push({ file, options });
    this.thread.postMessage({ file, options });
  }

  /** From now on answers go to `onResult` (the ones kept so far first, right away) and a death to `onExit`. */
  listen(onResult: (r: ScanResult) => void, onExit: () => void): void {
    this.onResult = onResult;
    this.onExit = onExit;
    for (const r of this.kept.splice(0)) onResult(r);
    if (this.exited) onExit();
  }

  /** Stops the thread; answers still on their way are dropped. */
  stop(): void {
    this.onResult = undefined;
    this.onExit = undefined;
    this.exited = true;
    void this.thread.terminate();
  }
}

/**
 * The workers a cold scan of `files` will use, given their first files now: `early` (started before the files
 * were listed) trimmed or topped up to the count the scan takes. The scan (parallelScan.ts) takes them over.
 */
export function primeScanWorkers(early: ScanWorker[], files: LogFile[], requested: number | undefined, options: ReadOptions): ScanWorker[] {
  const n = workerCount(files.length, requested);
  for (const w of early.splice(n)) w.stop();
  while (early.length < n) early.push(new ScanWorker());
  let next = 0;
  for (const w of early) for (let k = 0; k < IN_FLIGHT && next < files.length; k++) w.send(files[next++]!, options);
  return early;
}
