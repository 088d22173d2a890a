// Cold scans on every core: worker threads read and parse whole files (the costly part: JSON.parse of the lines the
// prefilter let through) and post back the encoded ops; the caller applies them as they arrive, so only a few files'
// results are held at once. Few files, a single core or no built worker script: same work on this thread.
import { RecordingSink, tableStrings } from './ledgerCodec';
import type { LogFile } from './logFiles';
import { readLogFile, type ReadOptions } from './logReader';
import { ScanQueue, ScanWorker, type ScanResult } from './scanWorkers';

/** Reads one whole file into encoded ops (used here and inside the workers). */
export async function scanFile(file: LogFile, options: ReadOptions = {}): Promise<ScanResult> {
  const strings = tableStrings();
  const recorder = new RecordingSink(undefined, strings);
  const checkpoint = await readLogFile(file, undefined, recorder, options);
  const ops = recorder.take().find((o) => o.path === file.path);
  return { path: file.path, ops, strings: strings.table, checkpoint, unreadable: recorder.unreadable };
}

/** Both lists hold the same files in the same order. */
function sameFiles(a: LogFile[], b: LogFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]!.path && f.agent === b[i]!.agent);
}

/**
 * Scans `files` with `count` (≥ 1) workers and this thread together, each taking the next file from one shared
 * queue: `readHere` reads a file on this thread, `onResult` takes a worker's result. The ledger's choice among
 * copies does not depend on order, so results are applied as they come. `started` are workers started ahead (see
 * scanWorkers.ts), possibly reading already: kept when their queue holds exactly these files with these options,
 * else stopped. A file a worker took and never answered (it died) is read here at the end; each file is applied
 * once, whatever arrives late.
 */
export async function scanInParallel(
  files: LogFile[],
  count: number,
  options: ReadOptions,
  readHere: (file: LogFile) => Promise<void>,
  onResult: (r: ScanResult) => void,
  started: ScanWorker[] = [],
): Promise<void> {
  const early = started[0]?.queue;
  const fits = early !== undefined && early.options.lastLine === options.lastLine && sameFiles(early.files, files);
  const queue = fits ? early : new ScanQueue(files, options);
  const pool: ScanWorker[] = [];
  for (const w of started) {
    // One that died is kept too (not replaced): this thread takes up its share.
    if (fits && w.queue === queue && pool.length < count) pool.push(w);
    else w.stop();
  }
  while (pool.length < count) {
    const w = new ScanWorker();
    w.start(queue);
    pool.push(w);
  }
  const done = new Uint8Array(files.length);
  let wake: (() => void) | undefined;
  for (const w of pool) {
    w.thread.ref(); // answers are awaited: the process must stay up for them
    w.listen(
      (index, r) => {
        if (done[index]) return;
        done[index] = 1;
        onResult(r);
      },
      () => wake?.(),
    );
  }
  try {
    for (let i = queue.take(); i !== -1; i = queue.take()) {
      done[i] = 1;
      await readHere(files[i]!);
      await new Promise<void>((resolve) => setImmediate(resolve)); // let worker results in
    }
    while (pool.some((w) => !w.ended)) await new Promise<void>((resolve) => (wake = resolve));
    // Files taken by a worker that died (or was stopped unused) before answering.
    for (let i = 0; i < files.length; i++) {
      if (done[i]) continue;
      done[i] = 1;
      await readHere(files[i]!);
    }
  } finally {
    for (const w of pool) w.stop();
  }
}
