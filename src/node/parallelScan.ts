// Cold scans on every core: worker threads read and parse whole files (the costly part: JSON.parse of the lines the
// prefilter let through) and post back the encoded ops; the caller applies them in file order, as they arrive, so
// only a few files' results are held at once. Few files, a single core or no built worker script: same work on
// this thread.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RecordingSink, type FileOps } from './ledgerCodec';
import type { LogFile } from './logFiles';
import { readLogFile, type FileCheckpoint, type ReadOptions } from './logReader';

export interface ScanResult {
  path: string;
  ops?: FileOps;
  checkpoint?: FileCheckpoint;
  unreadable: { path: string; error: string }[];
}

/** Below this many files a worker's start-up costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 64;
/** Files queued per worker: it is refilled only when this thread, busy reading too, looks up between files. */
const IN_FLIGHT = 8;

/** Reads one whole file into encoded ops (used here and inside the workers). */
export async function scanFile(file: LogFile, options: ReadOptions = {}): Promise<ScanResult> {
  const recorder = new RecordingSink();
  const checkpoint = await readLogFile(file, undefined, recorder, options);
  const ops = recorder.take().find((o) => o.path === file.path);
  return { path: file.path, ops, checkpoint, unreadable: recorder.unreadable };
}

function workerScript(): string | undefined {
  const candidate = path.join(__dirname, 'scanWorker.js');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** How many workers a cold scan of `files` gets besides this thread (0 = this thread only). */
export function workerCount(files: number, requested: number | undefined): number {
  if (!workerScript()) return 0;
  if (requested !== undefined) return Math.min(requested, 8, Math.ceil(files / 8));
  if (files < MIN_FILES_FOR_WORKERS) return 0;
  // This thread parses too, so one core is already busy.
  return Math.min(os.availableParallelism() - 1, 7);
}

/**
 * Scans `files` with `count` (≥ 1) workers and this thread together, from one queue: `readHere` reads a file on
 * this thread, `onResult` takes a worker's result. The ledger's choice among copies does not depend on order, so
 * results are applied as they come.
 */
export async function scanInParallel(
  files: LogFile[],
  count: number,
  options: ReadOptions,
  readHere: (file: LogFile) => Promise<void>,
  onResult: (r: ScanResult) => void,
): Promise<void> {
  const script = workerScript()!;
  let next = 0;
  let outstanding = 0;
  const pool: Worker[] = [];
  /** Files handed to each worker and not answered yet: re-read here if the worker dies. */
  const inFlight = new Map<Worker, LogFile[]>();
  const orphans: LogFile[] = [];
  let wake: (() => void) | undefined;
  const send = (w: Worker) => {
    if (next >= files.length || !inFlight.has(w)) return;
    const file = files[next++]!;
    outstanding++;
    inFlight.get(w)!.push(file);
    w.postMessage({ file, options });
  };
  for (let i = 0; i < count; i++) {
    // A small young generation: short-lived line strings die young, and the worker's peak memory stays low.
    const w = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 6 } });
    pool.push(w);
    inFlight.set(w, []);
    w.on('message', (msg: { result: ScanResult }) => {
      outstanding--;
      const mine = inFlight.get(w);
      mine?.splice(mine.findIndex((f) => f.path === msg.result.path), 1);
      onResult(msg.result);
      send(w);
      wake?.();
    });
    // A worker that dies (out of memory, a crash, an exit) loses nothing: its files are read on this thread.
    const died = () => {
      const lost = inFlight.get(w);
      if (!lost) return;
      inFlight.delete(w);
      outstanding -= lost.length;
      orphans.push(...lost);
      wake?.();
    };
    w.on('error', died);
    w.on('exit', died);
    for (let k = 0; k < IN_FLIGHT; k++) send(w);
  }
  try {
    for (;;) {
      const file = orphans.pop() ?? (next < files.length ? files[next++] : undefined);
      if (file) {
        await readHere(file);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let worker results in
      } else if (outstanding > 0) {
        await new Promise<void>((resolve) => (wake = resolve));
      } else {
        break;
      }
    }
  } finally {
    for (const w of pool) {
      inFlight.delete(w); // its exit is expected now
      void w.terminate();
    }
  }
}
