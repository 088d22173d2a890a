// Cold scans on every core: worker threads read and parse whole files (the costly part: JSON.parse of the lines the
// prefilter let through) and post back the encoded ops; the caller applies them in file order, as they arrive, so
// only a few files' results are held at once. Few files, a single core or no built worker script: same work on
// this thread.
import { RecordingSink } from './ledgerCodec';
import type { LogFile } from './logFiles';
import { readLogFile, type ReadOptions } from './logReader';
import { IN_FLIGHT, ScanWorker, type ScanResult } from './scanWorkers';

/** Reads one whole file into encoded ops (used here and inside the workers). */
export async function scanFile(file: LogFile, options: ReadOptions = {}): Promise<ScanResult> {
  const recorder = new RecordingSink();
  const checkpoint = await readLogFile(file, undefined, recorder, options);
  const ops = recorder.take().find((o) => o.path === file.path);
  return { path: file.path, ops, checkpoint, unreadable: recorder.unreadable };
}

/**
 * Scans `files` with `count` (≥ 1) workers and this thread together, from one queue: `readHere` reads a file on
 * this thread, `onResult` takes a worker's result. The ledger's choice among copies does not depend on order, so
 * results are applied as they come. `started` are workers started ahead (see scanWorkers.ts), possibly already
 * reading some of `files`: kept when they read what this scan would (same options, files of this scan), else
 * stopped.
 */
export async function scanInParallel(
  files: LogFile[],
  count: number,
  options: ReadOptions,
  readHere: (file: LogFile) => Promise<void>,
  onResult: (r: ScanResult) => void,
  started: ScanWorker[] = [],
): Promise<void> {
  const ofThisScan = new Set(files.map((f) => f.path));
  const pool: ScanWorker[] = [];
  for (const w of started) {
    const fits = w.inFlight.every((s) => s.options.lastLine === options.lastLine && ofThisScan.has(s.file.path));
    if (pool.length < count && !w.exited && fits) pool.push(w);
    else w.stop();
  }
  while (pool.length < count) pool.push(new ScanWorker());
  const taken = new Set(pool.flatMap((w) => w.inFlight.map((s) => s.file.path)));
  const queue = taken.size ? files.filter((f) => !taken.has(f.path)) : files;
  let next = 0;
  /** Files of workers that died: re-read here. */
  const orphans: LogFile[] = [];
  let wake: (() => void) | undefined;
  const send = (w: ScanWorker) => {
    if (next < queue.length && !w.exited) w.send(queue[next++]!, options);
  };
  for (const w of pool) {
    w.thread.ref(); // answers are awaited: the process must stay up for them
    w.listen(
      (r) => {
        onResult(r);
        send(w);
        wake?.();
      },
      // A worker that dies (out of memory, a crash, an exit) loses nothing: its files are read on this thread.
      () => {
        orphans.push(...w.inFlight.splice(0).map((s) => s.file));
        wake?.();
      },
    );
    while (w.inFlight.length < IN_FLIGHT && next < queue.length && !w.exited) send(w);
  }
  const waiting = () => pool.some((w) => !w.exited && w.inFlight.length > 0);
  try {
    for (;;) {
      const file = orphans.pop() ?? (next < queue.length ? queue[next++] : undefined);
      if (file) {
        await readHere(file);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let worker results in
      } else if (waiting()) {
        await new Promise<void>((resolve) => (wake = resolve));
      } else {
        break;
      }
    }
  } finally {
    for (const w of pool) w.stop();
  }
}
